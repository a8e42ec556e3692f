"""
The fuzzer's own picture of a project's models while it generates a history.

The generator keeps it in step with the operations it emits and asks it what
the next operation may touch: a field that an index refers to is not removed,
a model that others point to is not deleted, and so on. That is what keeps
every generated history valid (the stock path applies it without error).
"""

import dataclasses

# One with capitals: Django keeps the case of app labels (db_table,
# Options.label_lower, swappable settings) where it lowercases model names.
APP_LABELS = ("fuzz_a", "Fuzz_B")

# The kinds of fields without relations (generator.SCALARS has the details).
SCALAR_KINDS = (
    "char",
    "int",
    "bigint",
    "bool",
    "datetime",
    "decimal",
    "json",
    "uuid",
    "text",
    "smallint",
    "positive",
    "positive_small",
    "positive_big",
    "float",
    "date",
    "time",
    "duration",
    "binary",
    "email",
    "slug",
    "url",
    "file_path",
    "ip",
    "file",
    "image",
    # Removed from models, kept for historical migrations (fields.E900,
    # E901, E903): projects with long histories still migrate them.
    "null_bool",
    "ip_address",
    "comma_ints",
    "int_array",
    "int_range",
    "bigint_range",
    "decimal_range",
    "date_range",
    "datetime_range",
    "hstore",
)
# Kinds of django.contrib.postgres, generated on PostgreSQL only.
RANGE_KINDS = (
    "int_range",
    "bigint_range",
    "decimal_range",
    "date_range",
    "datetime_range",
)
POSTGRESQL_KINDS = ("int_array", *RANGE_KINDS, "hstore")
# Kinds whose columns can be indexed and constrained (JSON, text and binary
# columns can't be the same way on every backend; primary keys and parent
# links are left out to keep the index definitions meaningful).
INDEXABLE_KINDS = (
    *(
        kind
        for kind in SCALAR_KINDS
        if kind not in ("json", "text", "binary", *POSTGRESQL_KINDS)
    ),
    "fk",
    "o2o",
)
# Kinds a to_field foreign key can point to (with unique=True).
KEY_KINDS = ("char", "int", "bigint", "uuid", "smallint", "email", "slug")
PRIMARY_KEY_KINDS = ("auto", "bigauto", "smallauto", "char_pk", "composite")
RELATION_KINDS = ("fk", "o2o", "m2m", "parent_link")


@dataclasses.dataclass(eq=False)
class FieldSpec:
    name: str
    # One of SCALAR_KINDS, PRIMARY_KEY_KINDS, RELATION_KINDS.
    kind: str
    # Keyword arguments of the Django field besides the relation ones
    # (null, default, unique, on_delete...).
    options: dict = dataclasses.field(default_factory=dict)
    target: "ModelSpec | None" = None
    # The target given as "self" rather than as its label.
    target_as_self: bool = False
    to_field: str | None = None
    through: "ModelSpec | None" = None
    # The field of the same model a GeneratedField's expression refers to.
    source: "FieldSpec | None" = None
    # The numbers of the migrations that added it (AddField) and that last
    # altered (AlterField) and renamed (RenameField) it.
    added_in: int | None = None
    altered_in: int | None = None
    renamed_in: int | None = None
    # The number of the migration that last added or removed an index or
    # constraint on it.
    index_changed_in: int | None = None

    @property
    def primary_key(self):
        return self.kind in PRIMARY_KEY_KINDS or self.kind == "parent_link"

    @property
    def concrete(self):
        return self.kind not in ("m2m", "composite")

    def copy(self, **changes):
        return dataclasses.replace(self, options=dict(self.options), **changes)


@dataclasses.dataclass(eq=False)
class IndexSpec:
    """A named index or constraint, and the fields it refers to."""

    name: str
    field_names: frozenset
    # The Django Index/constraint object, as first added.
    definition: object = None
    # The number of the migration whose CreateModel made it, if any: schema
    # editors create those at the end of the migration (deferred SQL), so
    # RemoveIndex/RenameIndex/RemoveConstraint can't find them before.
    created_with_model_in: int | None = None


@dataclasses.dataclass(eq=False)
class ModelSpec:
    app_label: str
    name: str
    fields: dict = dataclasses.field(default_factory=dict)
    parent: "ModelSpec | None" = None
    proxy_for: "ModelSpec | None" = None
    order_with_respect_to: str | None = None
    indexes: list = dataclasses.field(default_factory=list)
    constraints: list = dataclasses.field(default_factory=list)
    unique_together: list = dataclasses.field(default_factory=list)
    db_table: str | None = None
    db_table_comment: str | None = None
    # Swapped out (swappable=runner.SWAPPABLE_SETTING): no table, nothing
    # points to it.
    swapped: bool = False
    # The model the setting points to (runner.SWAPPED_IN_MODEL), as a custom
    # user model: relations to it are written as references to the setting.
    swapped_in: bool = False
    # The numbers of the migrations that created it, and that last changed
    # it (its fields, indexes, constraints, table).
    created_in: int | None = None
    changed_in: int | None = None
    unique_together_changed_in: int | None = None

    @property
    def label(self):
        return f"{self.app_label}.{self.name}"

    @property
    def concrete(self):
        return self.proxy_for is None

    @property
    def pk(self):
        return next(field for field in self.fields.values() if field.primary_key)

    @property
    def has_composite_pk(self):
        return any(field.kind == "composite" for field in self.fields.values())

    @property
    def can_be_pointed_to(self):
        """
        Whether relations can point to it: not to a proxy (in this
        generator), a model with a CompositePrimaryKey (unsupported) or a
        swapped model (they point to the model it's swapped for).
        """
        return self.concrete and not self.has_composite_pk and not self.swapped

    def is_pk_component(self, field):
        """Whether field is one of the fields of a CompositePrimaryKey."""
        return self.has_composite_pk and field.name in self.pk.options["fields"]

    def is_generation_source(self, field):
        """Whether the expression of a GeneratedField refers to field."""
        return any(other.source is field for other in self.fields.values())

    def local_concrete_fields(self):
        return [field for field in self.fields.values() if field.concrete]


class Schema:
    def __init__(self, compared_with_stock=False):
        self.models = []
        self.number = 0
        # The number of the migration being generated.
        self.migration_number = 0
        # Whether the history is compared with the stock release, whose SQL
        # the series changes on purpose in a few cases.
        self.compared_with_stock = compared_with_stock

    def new_name(self, prefix):
        """A name used nowhere else in the project (fields, indexes, tables)."""
        self.number += 1
        return f"{prefix}{self.number}"

    def models_of(self, app_label):
        return [model for model in self.models if model.app_label == app_label]

    def concrete_models(self, app_label=None):
        return [
            model
            for model in self.models
            if model.concrete and app_label in (None, model.app_label)
        ]

    def fields_pointing_to(self, model):
        """(model, field) pairs whose relation or through model is model."""
        return [
            (other, field)
            for other in self.models
            for field in other.fields.values()
            if field.target is model or field.through is model
        ]

    def is_through(self, model):
        return any(
            field.through is model
            for other in self.models
            for field in other.fields.values()
        )

    def dependents(self, model):
        """Models that inherit from model or are its proxies."""
        return [
            other
            for other in self.models
            if other.parent is model or other.proxy_for is model
        ]

    def can_delete(self, model):
        if self.dependents(model):
            return False
        return all(other is model for other, _ in self.fields_pointing_to(model))

    def can_rename(self, model):
        # RenameModel doesn't update the bases of the model's children and
        # proxies: their states would refer to a model that no longer exists.
        # The setting would no longer point to a renamed swapped-in model.
        return model.concrete and not self.dependents(model) and not model.swapped_in

    def is_referenced(self, model, field):
        """
        Whether anything besides the field itself refers to it: an index, a
        constraint, unique_together, order_with_respect_to, a to_field
        foreign key, or a many-to-many field using model as its through
        model.
        """
        name = field.name
        if model.is_pk_component(field) or model.is_generation_source(field):
            return True
        if any(name in index.field_names for index in model.indexes):
            return True
        if any(name in constraint.field_names for constraint in model.constraints):
            return True
        if any(name in together for together in model.unique_together):
            return True
        if model.order_with_respect_to == name:
            return True
        for _other, other_field in self.fields_pointing_to(model):
            if other_field.target is model and other_field.to_field == name:
                return True
        return field.kind in ("fk", "o2o") and self.is_through(model)

    def is_to_field_target(self, model, field):
        return any(
            other_field.target is model and other_field.to_field == field.name
            for _, other_field in self.fields_pointing_to(model)
        )

    def removable_fields(self, model):
        return [
            field
            for field in model.fields.values()
            if not field.primary_key and not self.is_referenced(model, field)
        ]

    def rename_field(self, model, old_name, new_name):
        """What ProjectState.rename_field() does to the state."""
        fields = model.fields
        field = fields.pop(old_name)
        field.name = new_name
        fields[new_name] = field
        model.unique_together = [
            tuple(new_name if name == old_name else name for name in together)
            for together in model.unique_together
        ]
        for _other, other_field in self.fields_pointing_to(model):
            if other_field.target is model and other_field.to_field == old_name:
                other_field.to_field = new_name

    def existing(self, indexes):
        """The indexes or constraints of a list that exist in the database."""
        return [
            index
            for index in indexes
            if index.created_with_model_in != self.migration_number
        ]
