"""
ProjectState and ModelState as the patch series has them: stand-in models per
state, kept when a model is added, ProjectState.apps rendered only when
something uses it, reusable_apps() rendering once for a state and its
unchanged clones, model states shared with clones until they're looked up,
fields copied rather than reconstructed for stand-ins and rendered models,
and alter_field() looking for references only when models are rendered.

Stock code reads models from state.apps. The wrappers in operations.py and
executor.py hand it states whose apps are something else:

- a built-in operation's database_forwards()/database_backwards() receives
  SchemaEditorStateViews: their apps are the models for the schema editor
  (stand-ins for Django's own editors);
- detect_soft_applied() inspects a StandInStateView;
- RunPython's code gets a ReusableAppsStateView's apps;
- while migrate runs (render_on_demand()), state.apps is a lazy registry that
  renders the state's models on first use (RunPython, custom operations,
  signal receivers).
"""

import contextvars
import weakref
from contextlib import contextmanager

from django.db.migrations import state as state_module
from django.db.migrations.state import ModelState, ProjectState, StateApps
from django.db.migrations.utils import field_is_referenced, get_references
from django.db.models.fields import Field
from django.utils.functional import SimpleLazyObject, cached_property

from . import fallbacks
from .stand_ins import (
    StandInModels,
    clone_field,
    reserve_field_creation_counters,
    schema_editor_accepts_stand_ins,
)

copying_fields = contextvars.ContextVar(
    "modelstate_migrate_copying_fields", default=False
)

rendering_on_demand = contextvars.ContextVar(
    "modelstate_migrate_rendering_on_demand", default=False
)


@contextmanager
def render_on_demand():
    """Within the block, ProjectState.apps renders models when they're used."""
    token = rendering_on_demand.set(True)
    try:
        yield
    finally:
        rendering_on_demand.reset(token)


class StateAppsDescriptor:
    """
    ProjectState.apps as the series has it (apps() below), rendered on first
    use within render_on_demand().
    """

    def __get__(self, state, owner=None):
        if state is None:
            return self
        fallbacks.report_apps_use()
        try:
            return state.__dict__["apps"]
        except KeyError:
            pass
        if rendering_on_demand.get():
            return SimpleLazyObject(lambda: self.rendered(state))
        return self.rendered(state)

    def rendered(self, state):
        try:
            return state.__dict__["apps"]
        except KeyError:
            rendered = state.__dict__["apps"] = apps(state)
            return rendered

    def __set__(self, state, apps):
        state.__dict__["apps"] = apps

    def __delete__(self, state):
        # The executor deletes the models it expects to have rendered.
        state.__dict__.pop("apps", None)


class StateView:
    """A ProjectState with other apps; everything else is the state's."""

    def __init__(self, state):
        object.__setattr__(self, "state", state)

    def __getattr__(self, name):
        if name == "state":  # Not set yet, e.g. while unpickling.
            raise AttributeError(name)
        return getattr(self.state, name)

    def __setattr__(self, name, value):
        setattr(self.state, name, value)


class SchemaEditorStateView(StateView):
    """A state whose apps are the models for the schema editor."""

    def __init__(self, state, schema_editor):
        super().__init__(state)
        object.__setattr__(self, "schema_editor", schema_editor)

    @property
    def apps(self):
        if not schema_editor_accepts_stand_ins(self.schema_editor):
            fallbacks.report_schema_editor(self.schema_editor)
        return self.state.models_for_schema_editor(self.schema_editor)


class ReusableAppsStateView(StateView):
    """
    A state whose apps are its reusable_apps(), rendered on first use, as
    the series' RunPython gives its code.
    """

    @property
    def apps(self):
        return SimpleLazyObject(self.state.reusable_apps)


class StandInStateView(StateView):
    """A state whose apps are its stand-ins unless its models are rendered."""

    @property
    def apps(self):
        rendered = self.state.__dict__.get("apps")
        return self.state.stand_ins if rendered is None else rendered


def unwrap(state):
    """Return the ProjectState behind a view."""
    return state.state if isinstance(state, StateView) else state


# What the patch series adds to and changes in ProjectState, verbatim (a test
# checks). ProjectState's __init__(), rename_model(), clone() and apps are the
# same in every supported Django version.


class CopyOnLookupModelStates(dict):
    """
    The model states of a ProjectState by model key, shared with the state's
    clones until they're looked up.

    Looking up a shared model state replaces it with a copy that belongs to
    this mapping. ProjectState's methods look up the model states they
    change, so changing a state leaves its clones as they are and cloning a
    state costs little, however many models it has. Iterating gives model
    states that may be shared: they're only to be read.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keys of the model states that no other mapping shares.
        self._own_keys = set(self)

    def __getitem__(self, key):
        model_state = super().__getitem__(key)
        if key not in self._own_keys:
            model_state = model_state.clone()
            self[key] = model_state
        return model_state

    def __setitem__(self, key, model_state):
        super().__setitem__(key, model_state)
        self._own_keys.add(key)

    def __delitem__(self, key):
        super().__delitem__(key)
        self._own_keys.discard(key)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def share(self):
        """Return a copy of this mapping that shares its model states."""
        self._own_keys.clear()
        shared = self.__class__(self.items())
        shared._own_keys.clear()
        return shared


class SharedRender:
    """
    The models last rendered for a ProjectState, kept for its clones: until
    they or the state change, they have the same models.
    """

    def __init__(self):
        self.apps = None


def __init__(self, models=None, real_apps=None):
    self.models = CopyOnLookupModelStates(models or {})
    # Apps to include from main registry, usually unmigrated ones
    if real_apps is None:
        real_apps = set()
    else:
        assert isinstance(real_apps, set)
    self.real_apps = real_apps
    self.is_delayed = False
    # {remote_model_key: {model_key: {field_name: field}}}
    self._relations = None
    self._shared_render = SharedRender()
    # A weak reference to the stand-ins that clone() handed over.
    self._lent_stand_ins = None


def rename_model(self, app_label, old_name, new_name):
    # Add a new model.
    old_name_lower = old_name.lower()
    new_name_lower = new_name.lower()
    renamed_model = self.models[app_label, old_name_lower].clone()
    renamed_model.name = new_name
    self.models[app_label, new_name_lower] = renamed_model
    # Repoint all fields pointing to the old model to the new one.
    old_model_tuple = (app_label, old_name_lower)
    new_remote_model = f"{app_label}.{new_name}"
    to_reload = set()
    changed_fields = []
    for model_state, name, field, reference in get_references(self, old_model_tuple):
        changed_field = None
        if reference.to:
            changed_field = field.clone()
            changed_field.remote_field.model = new_remote_model
        if reference.through:
            if changed_field is None:
                changed_field = field.clone()
            changed_field.remote_field.through = new_remote_model
        if changed_field:  # pragma: no branch (only references are found)
            changed_fields.append((model_state, name, changed_field))
    # Look up the model states to change them rather than changing those
    # found by iterating, which may be shared with clones.
    for model_state, name, changed_field in changed_fields:
        model_key = model_state.app_label, model_state.name_lower
        self.models[model_key].fields[name] = changed_field
        to_reload.add(model_key)
    if self._relations is not None:
        old_name_key = app_label, old_name_lower
        new_name_key = app_label, new_name_lower
        if old_name_key in self._relations:
            self._relations[new_name_key] = self._relations.pop(old_name_key)
        for model_relations in self._relations.values():
            if old_name_key in model_relations:
                model_relations[new_name_key] = model_relations.pop(old_name_key)
    # Reload models related to old model before removing the old model.
    self.reload_models(to_reload, delay=True)
    # Remove the old model.
    self.remove_model(app_label, old_name_lower)
    self.reload_model(app_label, new_name_lower, delay=True)


def clone(self):
    """Return an exact copy of this ProjectState."""
    new_state = ProjectState(real_apps=self.real_apps)
    new_state.models = self.models.share()
    new_state._shared_render = self._shared_render
    if "apps" in self.__dict__:
        new_state.apps = self.apps.clone()
    # A clone is usually kept as the state before a change to this state
    # (e.g. by Migration.apply()), a change that discards the stand-ins.
    if (stand_ins := self.__dict__.pop("stand_ins", None)) is not None:
        stand_ins.state = new_state
        new_state.stand_ins = stand_ins
        self._lent_stand_ins = weakref.ref(stand_ins)
    new_state.is_delayed = self.is_delayed
    return new_state


def apps(self):
    apps = StateApps(self.real_apps, self.models)
    # A registry that changes to this state won't reload models into.
    self._shared_render.apps = apps.clone()
    return apps


def reusable_apps(self):
    """
    Return the apps of this state, cloned from the models last rendered
    for a clone of it, or the state it's a clone of, if neither changed
    since cloning, rather than rendered again.

    Which models a registry renders after another decides the order of
    fields taken from both, e.g. in tables that the SQLite schema editor
    rebuilds: the models passed to schema editors are rendered for their
    own state (ProjectState.apps).
    """
    if "apps" not in self.__dict__ and self._shared_render.apps is not None:
        self.apps = self._shared_render.apps.clone()
    return self.apps


def stand_ins(self):
    """
    The stand-in models of this state: what schema changes are built from,
    without rendering models. Changes to the state discard them, except
    adding a model.
    """
    return StandInModels(self)


def clear_stand_ins(self, *changed_model_keys):
    """
    Discard the stand-ins after a change of the state, in particular of
    the model states of changed_model_keys, forget those handed over to a
    clone, and stop sharing rendered models with the state's clones.
    """
    self.__dict__.pop("stand_ins", None)
    self._lent_stand_ins = None
    self._shared_render = SharedRender()
    for model_key in changed_model_keys:
        if model_state := self.models.get(model_key):
            reserve_field_creation_counters(model_state)


def reclaim_stand_ins(self):
    """
    Remove and return the stand-ins of this state, or those it handed over
    to a clone if neither state changed since, unless they include models
    rendered for their state. Return None if there are none.
    """
    stand_ins = self.__dict__.get("stand_ins")
    if stand_ins is None and self._lent_stand_ins is not None:
        stand_ins = self._lent_stand_ins()
    if stand_ins is None or stand_ins.rendered_model_keys:
        return None
    holder = stand_ins.state
    if holder.__dict__.get("stand_ins") is not stand_ins:
        # The clone changed.
        return None
    holder.__dict__.pop("stand_ins")
    return stand_ins


def models_for_schema_editor(self, schema_editor):
    """
    Return the registry that operations get the models they pass to
    schema_editor from: stand-in models for Django's schema editors,
    rendered models for others.
    """
    if schema_editor_accepts_stand_ins(schema_editor):
        return self.stand_ins
    return self.apps


# Wrappers of stock methods: state changes discard the stand-ins.


def field_is_referenced_if_rendered(state, model_tuple, field_tuple):
    """
    field_is_referenced() for ProjectState.alter_field(), its only user in
    django.db.migrations.state: as in the series, it looks through every field
    of the state only to decide which rendered models to reload, so with no
    rendered models it doesn't look (and answers False, which reloads
    nothing).
    """
    if "apps" not in state.__dict__:
        return False
    return field_is_referenced(state, model_tuple, field_tuple)


def wrap_add_model(add_model):
    def wrapper(self, model_state):
        model_key = model_state.app_label, model_state.name_lower
        stand_ins = None if model_key in self.models else self.reclaim_stand_ins()
        add_model(self, model_state)
        self.clear_stand_ins(model_key)
        if stand_ins is not None:
            stand_ins.serve_state_with_new_models(self)
            self.stand_ins = stand_ins

    return wrapper


def wrap_remove_model(remove_model):
    def wrapper(self, app_label, model_name):
        remove_model(self, app_label, model_name)
        self.clear_stand_ins()

    return wrapper


def wrap_reload_model(reload_model):
    def wrapper(self, app_label, model_name, delay=False):
        self.clear_stand_ins((app_label, model_name))
        reload_model(self, app_label, model_name, delay=delay)

    return wrapper


def wrap_reload_models(reload_models):
    def wrapper(self, models, delay=True):
        self.clear_stand_ins(*models)
        reload_models(self, models, delay=delay)

    return wrapper


def wrap_model_state_clone(clone):
    def wrapper(self):
        model_state = clone(self)
        model_state.field_creation_counter = self.field_creation_counter
        return model_state

    return wrapper


def wrap_model_state_render(render):
    """
    ModelState.render() copies the fields of the model state, as in the patch
    series, whose render() calls clone_field() where stock's calls
    Field.clone().
    """

    def wrapper(self, apps):
        token = copying_fields.set(True)
        try:
            return render(self, apps)
        finally:
            copying_fields.reset(token)

    return wrapper


def wrap_field_clone(clone):
    def wrapper(self):
        if not copying_fields.get():
            return clone(self)
        # clone_field() calls Field.clone() for fields it can't copy.
        token = copying_fields.set(False)
        try:
            return clone_field(self)
        finally:
            copying_fields.reset(token)

    return wrapper


def patch(patcher):
    """Install the above with patcher (a patching.Patcher)."""
    stand_ins_property = cached_property(stand_ins)
    stand_ins_property.__set_name__(ProjectState, "stand_ins")
    patcher.add(ProjectState, "stand_ins", stand_ins_property)
    patcher.add(ProjectState, "clear_stand_ins", clear_stand_ins)
    patcher.add(ProjectState, "reclaim_stand_ins", reclaim_stand_ins)
    patcher.add(ProjectState, "reusable_apps", reusable_apps)
    patcher.add(ProjectState, "models_for_schema_editor", models_for_schema_editor)
    patcher.replace(ProjectState, "apps", StateAppsDescriptor())
    patcher.replace(ProjectState, "__init__", __init__)
    patcher.replace(ProjectState, "rename_model", rename_model)
    patcher.replace(ProjectState, "clone", clone)
    patcher.replace(
        state_module, "field_is_referenced", field_is_referenced_if_rendered
    )
    patcher.wrap(ProjectState, "add_model", wrap_add_model)
    patcher.wrap(ProjectState, "remove_model", wrap_remove_model)
    patcher.wrap(ProjectState, "reload_model", wrap_reload_model)
    patcher.wrap(ProjectState, "reload_models", wrap_reload_models)
    # Set by reserve_field_creation_counters().
    patcher.add(ModelState, "field_creation_counter", None)
    patcher.wrap(ModelState, "clone", wrap_model_state_clone)
    patcher.wrap(ModelState, "render", wrap_model_state_render)
    patcher.wrap(Field, "clone", wrap_field_clone)
