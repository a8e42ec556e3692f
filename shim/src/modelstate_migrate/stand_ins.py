"""
Stand-in models: what schema operations need of a model, built from its state.

Rendering a ModelState into a model class (ModelState.render()) registers it in
an app registry, expires the caches of every other model and re-renders the
related models on each state change. Schema operations only read a model's
_meta and its fields, so StandInModels builds that from the ModelState instead:
a plain class whose _meta is a real Options instance, filled in on first
access, with relations resolved lazily, one field at a time.
"""

import bisect
import copy
from collections import defaultdict
from functools import lru_cache

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.migrations.utils import resolve_relation
from django.db.models.fields import Field
from django.db.models.options import Options
from django.db.models.utils import make_model_tuple
from django.utils.functional import cached_property

# Modules whose fields, relations, and schema editors are known to need
# nothing from a model class beyond what a stand-in offers.
TRUSTED_MODULE_PREFIXES = ("django.",)


def is_trusted(klass):
    return klass.__module__.startswith(TRUSTED_MODULE_PREFIXES)


def methods_are_trusted(klass, method_names):
    """
    Return whether the methods of the class with the given names, those it
    has, come from Django.
    """
    for method_name in method_names:
        for base in klass.__mro__:
            if method_name in vars(base):
                if not is_trusted(base):
                    return False
                break
    return True


@lru_cache(maxsize=None)
def field_class_can_stand_in(field_class):
    """
    Return whether fields of this class can be attached to a stand-in: their
    contribute_to_class() and contribute_to_related_class() come from Django.
    """
    return methods_are_trusted(
        field_class, ("contribute_to_class", "contribute_to_related_class")
    )


@lru_cache(maxsize=None)
def field_class_can_be_copied(field_class):
    """
    Return whether copying a field of this class gives what field.clone()
    gives: its __init__(), deconstruct(), and clone() come from Django, so
    that reconstructing the field from deconstruct() would give the same
    field.
    """
    return methods_are_trusted(field_class, ("__init__", "deconstruct", "clone"))


@lru_cache(maxsize=None)
def cached_property_names(klass):
    """
    Return the names of the cached properties of the class that a copy of an
    instance must compute again, e.g. a field's related_model, which is a
    string until its relation is resolved. A field's validators aren't among
    them: __init__() sets them up (e.g. CharField's max length validator).
    """
    return frozenset(
        name
        for base in klass.__mro__
        for name, value in vars(base).items()
        if isinstance(value, cached_property) and name != "validators"
    )


def clone_field(field):
    """
    Return field.clone() for a field of a model state, faster: reconstructing
    it from deconstruct() is most of the cost of building a stand-in.
    """
    if not field_class_can_be_copied(type(field)):
        return field.clone()
    clone = copy.deepcopy(field)
    for obj in (clone, clone.remote_field):
        if obj is not None:
            for name in cached_property_names(type(obj)):
                obj.__dict__.pop(name, None)
    # Take a creation counter as Field.__init__() does.
    if clone.auto_created:
        clone.creation_counter = Field.auto_creation_counter
        Field.auto_creation_counter -= 1
    else:
        clone.creation_counter = Field.creation_counter
        Field.creation_counter += 1
    return clone


def model_state_can_stand_in(model_state):
    """
    Return whether a stand-in can represent the model state: its fields are
    Django's own and it doesn't inherit from a model class outside the state.
    """
    for base in model_state.bases:
        if (
            isinstance(base, type)
            and issubclass(base, models.Model)
            and base is not models.Model
        ):
            return False
    return all(
        field_class_can_stand_in(type(field)) for field in model_state.fields.values()
    )


def reserve_field_creation_counters(model_state):
    """
    Reserve the creation counters of the fields of stand-ins built from the
    model state.

    Fields are ordered by creation counter, e.g. into the columns of tables
    that the SQLite schema editor rebuilds from a model and altered fields of
    another. A rendered model's fields are newer than those of models
    rendered before the model state changed. Reserving counters when the
    state changes, rather than when a stand-in is built, keeps that order
    whichever state's stand-in is built first.
    """
    model_state.field_creation_counter = Field.creation_counter
    many_to_many_count = sum(
        1 for field in model_state.fields.values() if field.many_to_many
    )
    # Room for _order (order_with_respect_to) and for the two foreign keys
    # of each auto-created intermediary model.
    Field.creation_counter += len(model_state.fields) + 1 + 2 * many_to_many_count


def through_field_names(from_model_name, to_model_name):
    """
    Return the names of the foreign keys of an auto-created intermediary
    model, from the names of the models it joins, as
    create_many_to_many_intermediary_model() names them.
    """
    if from_model_name == to_model_name:
        return "from_%s" % from_model_name, "to_%s" % to_model_name
    return from_model_name, to_model_name


def schema_editor_accepts_stand_ins(schema_editor):
    """
    Return whether the schema editor is one of Django's own, whose use of the
    models it receives is known to be covered by stand-ins.
    """
    return is_trusted(type(schema_editor))


# Model methods that fields refer to from contribute_to_class().
MODEL_HELPERS = {
    name: getattr(models.Model, name)
    for name in (
        "_get_FIELD_display",
        "_get_next_or_previous_by_FIELD",
        "_get_next_or_previous_in_order",
    )
}


class StandInModelBase(type):
    """
    Metaclass of stand-in models. A stand-in's _meta is built on first access
    so that referring to a model doesn't build it.
    """

    def __getattr__(cls, name):
        if name == "_meta":
            registry = type.__getattribute__(cls, "_stand_in_registry")
            registry._build(cls)
            return type.__getattribute__(cls, "_meta")
        raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")

    @property
    def __bases__(cls):
        # Schema editors that build a throw-away model from a given one (e.g.
        # the SQLite schema editor's _remake_table()) use its __bases__.
        return (models.Model,)

    def add_to_class(cls, name, value):
        if hasattr(value, "contribute_to_class") and not isinstance(value, type):
            value.contribute_to_class(cls, name)
        else:
            setattr(cls, name, value)


class StandInOptions(Options):
    """Options of a stand-in, with reverse relations from its registry."""

    def __init__(self, meta, app_label, registry):
        super().__init__(meta, app_label)
        self.apps = registry

    @cached_property
    def _relation_tree(self):
        return self.apps._relation_tree(self)

    def _get_fields(self, forward=True, reverse=True, *args, **kwargs):
        if reverse:
            # Reverse relations, e.g. those of parents, are cached by model.
            self.apps._options_with_reverse_relations.add(self)
        return super()._get_fields(forward, reverse, *args, **kwargs)


class StandInModels:
    """
    A registry of stand-in models for the models of a ProjectState, populated
    on demand. Like an app registry, get_model() returns the same class for
    the same model until the state changes.

    Models that a stand-in can't represent (see model_state_can_stand_in())
    and models of unmigrated apps are taken from the state's rendered apps.
    """

    models_ready = True

    def __init__(self, state):
        self.state = state
        # Options.app_config reads this. Like StateApps' app config stubs,
        # default primary keys come from the DEFAULT_AUTO_FIELD setting.
        self.app_configs = {}
        self.all_models = {}
        self.rendered_model_keys = set()
        self._through_states = {}
        # {through model key: key of the model that declares the field}
        self._through_owners = {}
        # {model_key: {field_name: [(function, model_keys), ...]}}
        self._pending_relations = defaultdict(lambda: defaultdict(list))
        self._resolved = set()
        self._options_with_reverse_relations = set()

    def serve_state_with_new_models(self, state):
        """
        Serve the state, which has the model states of the one served so far
        and new ones. The models built so far stay as they are, but forget
        their reverse relations: the new models may point to them.
        """
        self.__dict__.pop("_reverse_relations", None)
        for opts in self._options_with_reverse_relations:
            opts._expire_cache(forward=False)
        self._options_with_reverse_relations.clear()
        self.state = state

    def get_model(self, app_label, model_name=None, require_ready=True):
        """
        Return the model with the given app label and name, its relations
        resolved. As a shortcut, app_label may be "app_label.ModelName".
        """
        if model_name is None:
            app_label, model_name = app_label.split(".")
        model = self._get_or_create(app_label, model_name.lower())
        self._resolve_model(model)
        return model

    def _get_model_state(self, model_key):
        try:
            return self.state.models[model_key]
        except KeyError:
            pass
        owner_key = self._through_owners.get(model_key)
        if model_key not in self._through_states and owner_key is not None:
            # Building a model describes its auto-created intermediary models.
            self._get_or_create(*owner_key)._meta
        return self._through_states.get(model_key)

    def _get_or_create(self, app_label, model_name):
        """Return the model, without building or resolving a stand-in."""
        model_key = app_label, model_name
        try:
            return self.all_models[model_key]
        except KeyError:
            pass
        model_state = self._get_model_state(model_key)
        if model_state is None or not model_state_can_stand_in(model_state):
            # Raise LookupError for unknown models, as apps.get_model() does.
            model = self.state.apps.get_model(app_label, model_name)
            self.rendered_model_keys.add(model_key)
        else:
            model = StandInModelBase(
                model_state.name,
                (),
                {
                    "__module__": "__fake__",
                    "__qualname__": model_state.name,
                    "_stand_in_registry": self,
                    "_stand_in_key": model_key,
                    **MODEL_HELPERS,
                },
            )
        self.all_models[model_key] = model
        return model

    def _is_stand_in(self, model):
        return isinstance(model, StandInModelBase)

    def _build(self, model):
        """Build the stand-in's _meta from its model state."""
        model_key = model._stand_in_key
        model_state = self._get_model_state(model_key)
        meta_contents = {
            name: value
            for name, value in model_state.options.items()
            # Like ModelState.render(), ignore the removed index_together.
            if name != "index_together"
        }
        meta_contents["app_label"] = model_state.app_label
        meta = type("Meta", (), meta_contents)
        opts = StandInOptions(meta, model_state.app_label, self)
        opts.contribute_to_class(model, "_meta")
        parents = [
            self._get_or_create(*make_model_tuple(resolve_relation(base, *model_key)))
            for base in model_state.bases
            if isinstance(base, str)
        ]
        if model_state.field_creation_counter is None:
            reserve_field_creation_counters(model_state)
        creation_counter = model_state.field_creation_counter
        through_creation_counter = creation_counter + len(model_state.fields) + 1
        for name, field in model_state.fields.items():
            field = clone_field(field)
            if not field.auto_created:
                field.creation_counter = creation_counter
            creation_counter += 1
            if field.many_to_many and field.remote_field.through is None:
                self._add_auto_created_through(
                    model, name, field, through_creation_counter
                )
                through_creation_counter += 2
            model.add_to_class(name, field)
        self._set_up_parents(model, parents)
        opts._prepare(model)
        if opts.order_with_respect_to:
            # The field that Options._prepare() added takes the counter
            # reserved for it (see reserve_field_creation_counters()).
            order_field = opts.get_field("_order")
            opts.local_fields.remove(order_field)
            order_field.creation_counter = creation_counter
            bisect.insort(opts.local_fields, order_field)
            opts._expire_cache()
        # A relational primary key is a foreign key's target field.
        if opts.pk is not None and opts.pk.is_relation:
            self._resolve_field(model, opts.pk.name)

    def _set_up_parents(self, model, parents):
        """Set up proxies and multi-table inheritance as ModelBase does."""
        opts = model._meta
        if opts.proxy:
            if not parents:
                raise TypeError(
                    "Proxy model '%s' has no non-abstract model base class."
                    % opts.object_name
                )
            base = parents[0]
            opts.setup_proxy(base)
            opts.concrete_model = base._meta.concrete_model
            opts.parents[base._meta.concrete_model] = None
            return
        opts.concrete_model = model
        parent_links = {}
        for field in opts.local_fields:
            if (
                isinstance(field, models.OneToOneField)
                and field.remote_field.parent_link
            ):
                related_key = resolve_relation(
                    field.remote_field.model, *model._stand_in_key
                )
                parent_links[related_key] = field
        for base in parents:
            base = base._meta.concrete_model
            base_key = make_model_tuple(base)
            if base_key in parent_links:
                field = parent_links[base_key]
            else:
                attr_name = "%s_ptr" % base._meta.model_name
                field = models.OneToOneField(
                    base,
                    on_delete=models.CASCADE,
                    name=attr_name,
                    auto_created=True,
                    parent_link=True,
                )
                model.add_to_class(attr_name, field)
            opts.parents[base] = field

    def _add_auto_created_through(self, model, name, field, creation_counter):
        """
        Describe the intermediary model of an auto-created many-to-many
        relation as create_many_to_many_intermediary_model() does, and point
        the field at it, so that contributing the field doesn't create a model
        class.
        """
        from django.db.migrations.state import ModelState

        opts = model._meta
        if opts.swapped:
            return
        field.set_attributes_from_name(name)
        through_name = "%s_%s" % (opts.object_name, name)
        to_key = resolve_relation(field.remote_field.model, *model._stand_in_key)
        from_, to = through_field_names(opts.model_name, to_key[1])
        to_state = self._get_model_state(to_key)
        managed = opts.managed or (
            to_state is not None and to_state.options.get("managed", True)
        )
        related_fk_options = {
            "related_name": "%s+" % through_name,
            "db_tablespace": field.db_tablespace,
            "db_constraint": field.remote_field.db_constraint,
            "on_delete": models.CASCADE,
        }
        through_state = ModelState(
            opts.app_label,
            through_name,
            [
                (from_, models.ForeignKey(opts.label, **related_fk_options)),
                (to, models.ForeignKey("%s.%s" % to_key, **related_fk_options)),
            ],
            options={
                "db_table": field._get_m2m_db_table(opts),
                "auto_created": model,
                "db_tablespace": opts.db_tablespace,
                "unique_together": (from_, to),
                "managed": managed,
            },
        )
        through_state.field_creation_counter = creation_counter
        through_key = opts.app_label, through_name.lower()
        self._through_states[through_key] = through_state
        field.remote_field.through = "%s.%s" % (opts.app_label, through_name)

    def lazy_model_operation(self, function, *model_keys):
        """
        Defer resolving a relation until the field is needed. Called through
        lazy_related_operation() by RelatedField.contribute_to_class() and
        ManyToManyField.contribute_to_class(), which pass the field, with the
        model being built first.
        """
        field = function.keywords["field"]
        self._pending_relations[model_keys[0]][field.name].append(
            (function, model_keys)
        )

    def _resolve_field(self, model, field_name):
        if not self._is_stand_in(model):
            return
        model._meta  # Build the stand-in, registering its pending relations.
        pending = self._pending_relations.get(model._stand_in_key)
        if not pending or field_name not in pending:
            return
        for function, model_keys in pending.pop(field_name):
            function(*[self._get_or_create(*key) for key in model_keys])
        field = function.keywords["field"]
        remote_model = field.remote_field.model
        if field.many_to_many:
            through = field.remote_field.through
            if self._is_stand_in(through):
                self._resolve_model(through)
        elif (
            self._is_stand_in(remote_model)
            and getattr(field.remote_field, "field_name", None) is not None
        ):
            # The target field may itself be a relation (e.g. a to_field
            # pointing at a one-to-one field).
            try:
                target_field = remote_model._meta.get_field(
                    field.remote_field.field_name
                )
            except FieldDoesNotExist:
                # As with rendered models, a to_field that the target no
                # longer has (e.g. when unapplying a RenameField) only fails
                # if the target field is used.
                return
            self._resolve_field(target_field.model, target_field.name)

    def _resolve_model(self, model):
        """Resolve all relations of the model and of its parents."""
        if not self._is_stand_in(model) or model in self._resolved:
            return
        self._resolved.add(model)
        opts = model._meta
        for field_name in list(self._pending_relations.get(model._stand_in_key, ())):
            self._resolve_field(model, field_name)
        for parent in opts.parents:
            self._resolve_model(parent)
        if opts.proxy:
            self._resolve_model(opts.concrete_model)

    @cached_property
    def _reverse_relations(self):
        """
        Map each concrete model key to the (model key, field name) pairs of
        the relational fields pointing to it, in the order a rendered app
        registry lists them: by app label, then by model, with auto-created
        intermediary models before the model that declares them.
        """
        concretes, _ = self.state._get_concrete_models_mapping_and_proxy_models()
        models_by_app = defaultdict(list)
        for model_key, model_state in self.state.models.items():
            models_by_app[model_key[0]].append((model_key, model_state))
        reverse_relations = defaultdict(list)

        def add_relation(model_key, field_name, remote_key):
            remote_key = concretes.get(remote_key, remote_key)
            reverse_relations[remote_key].append((model_key, field_name))

        for app_label in sorted(models_by_app):
            for model_key, model_state in models_by_app[app_label]:
                if self._is_swapped(model_state):
                    continue
                relations = [
                    (name, field)
                    for name, field in model_state.fields.items()
                    if field.is_relation and field.related_model is not None
                ]
                for name, field in relations:
                    if field.many_to_many and field.remote_field.through is None:
                        for relation in self._through_relations(
                            model_key, model_state, name, field
                        ):
                            add_relation(*relation)
                for name, field in sorted(
                    relations, key=lambda relation: relation[1].many_to_many
                ):
                    remote_key = resolve_relation(field.remote_field.model, *model_key)
                    add_relation(model_key, name, remote_key)
        return reverse_relations

    def _through_relations(self, model_key, model_state, field_name, field):
        """
        Return the relations of the intermediary model that the model's
        stand-in auto-creates for its many-to-many field, as (model key, field
        name, remote model key), without building the stand-in: listing
        related objects would otherwise build every model that has such a
        field. Rendered models have rendered intermediary models, not listed.
        """
        if not model_state_can_stand_in(model_state):
            return []
        through_key = model_key[0], ("%s_%s" % (model_state.name, field_name)).lower()
        self._through_owners[through_key] = model_key
        to_key = resolve_relation(field.remote_field.model, *model_key)
        from_, to = through_field_names(model_state.name_lower, to_key[1])
        return [(through_key, from_, model_key), (through_key, to, to_key)]

    def _is_swapped(self, model_state):
        swappable = model_state.options.get("swappable")
        if not swappable:
            return False
        # Options.swapped tells, without building the model's options.
        opts = Options(None, model_state.app_label)
        opts.model_name = model_state.name_lower
        opts.swappable = swappable
        return bool(opts.swapped)

    def _relation_tree(self, opts):
        """
        Return the fields pointing to the model of the given options. Their
        models are resolved as get_model() resolves models: schema editors
        use them as whole models (e.g. the SQLite schema editor remakes their
        tables when the type of the field they point to changes).
        """
        fields = []
        for model_key, field_name in self._reverse_relations.get(
            (opts.app_label, opts.model_name), ()
        ):
            model = self._get_or_create(*model_key)
            self._resolve_model(model)
            fields.append(model._meta.get_field(field_name))
        return fields
