"""
Hypothesis strategies of valid migration histories.

A history is a list of migrations, each of one app (schema.APP_LABELS),
each depending on the one before it, so that they apply in the order
generated. While drawing operations the generator updates a schema.Schema
and only draws operations that are valid in it.

Simpler choices come first in every list drawn from (CreateModel first, no
options first...): hypothesis shrinks towards them.
"""

import copy
import dataclasses
import datetime
import uuid
from decimal import Decimal

from django.db import connection, migrations, models
from django.db.models import F, Q, Value
from django.db.models.functions import Lower, Now, Upper
from django.utils import timezone
from hypothesis import assume
from hypothesis import strategies as st

from . import runpython
from .runner import SWAPPABLE_SETTING, SWAPPED_IN_MODEL
from .schema import (
    APP_LABELS,
    INDEXABLE_KINDS,
    KEY_KINDS,
    POSTGRESQL_KINDS,
    RANGE_KINDS,
    SCALAR_KINDS,
    FieldSpec,
    IndexSpec,
    ModelSpec,
    Schema,
)

FIXED_DATETIME = datetime.datetime(2001, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc)
FIXED_DATE = datetime.date(2001, 2, 3)
FIXED_TIME = datetime.time(4, 5, 6)
FIXED_UUID = uuid.UUID("12345678-1234-5678-1234-567812345678")
ON_DELETE = [models.CASCADE, models.PROTECT, models.DO_NOTHING, models.SET_NULL]
if hasattr(models, "DB_CASCADE"):  # Django >= 6.1: database-level on_delete.
    ON_DELETE += [models.DB_CASCADE, models.DB_SET_NULL]
NULLABLE_ON_DELETE = {models.SET_NULL, getattr(models, "DB_SET_NULL", None)}
SWAPPED_IN_APP, SWAPPED_IN_NAME = SWAPPED_IN_MODEL.split(".")
# A dependency on the swapped-in model as makemigrations has it before
# MigrationWriter writes migrations.swappable_dependency(settings.<name>).
SWAPPABLE_DEPENDENCY = ("__setting__", SWAPPABLE_SETTING)


@dataclasses.dataclass
class MigrationSpec:
    app_label: str
    name: str
    dependencies: list
    operations: list


@dataclasses.dataclass
class History:
    migrations: list

    def operation_count(self):
        return sum(len(migration.operations) for migration in self.migrations)


# Fields ---------------------------------------------------------------------


AUTO_FIELDS = {
    "auto": models.AutoField,
    "bigauto": models.BigAutoField,
    "smallauto": models.SmallAutoField,
}


def build_field(spec, owner=None):
    """A fresh Django field for spec (owner: the model that has it)."""
    options = dict(spec.options)
    kind = spec.kind
    if kind in AUTO_FIELDS:
        return AUTO_FIELDS[kind](
            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
        )
    if kind == "char_pk":
        return models.CharField(max_length=20, primary_key=True, serialize=False)
    if kind == "composite":
        return models.CompositePrimaryKey(*options["fields"])
    if kind == "parent_link":
        return models.OneToOneField(
            spec.target.label,
            on_delete=models.CASCADE,
            auto_created=True,
            parent_link=True,
            primary_key=True,
            serialize=False,
        )
    if kind == "generated":
        source = spec.source
        if source is None:
            expression, output_field = Value(1), models.IntegerField()
        elif source.kind == "int":
            expression, output_field = F(source.name) + 1, models.IntegerField()
        else:
            max_length = source.options["max_length"]
            expression = Lower(source.name)
            output_field = models.CharField(max_length=max_length)
        return models.GeneratedField(
            expression=expression, output_field=output_field, **options
        )
    if kind in ("fk", "o2o", "m2m"):
        to = "self" if spec.target_as_self else spec.target.label
        if spec.to_field:
            options["to_field"] = spec.to_field
        if spec.through:
            options["through"] = spec.through.label
        field_class = {
            "fk": models.ForeignKey,
            "o2o": models.OneToOneField,
            "m2m": models.ManyToManyField,
        }[kind]
        return field_class(to, **options)
    return SCALARS[kind].field_class(**options)


def maybe(draw, value, absent=None):
    """value or absent; shrinks to absent."""
    return value if draw(st.booleans()) else absent


def file_path_field(**options):
    return models.FilePathField(path="/srv/files", **options)


def integer_array_field(**options):
    # Imported here: django.contrib.postgres needs psycopg.
    from django.contrib.postgres.fields import ArrayField

    return ArrayField(models.IntegerField(), **options)


def contrib_postgres_field(class_name):
    """A field class of django.contrib.postgres, imported when first built."""

    def build(**options):
        from django.contrib.postgres import fields

        return getattr(fields, class_name)(**options)

    return build


@dataclasses.dataclass(frozen=True)
class Scalar:
    """A kind of field without relations (schema.SCALAR_KINDS)."""

    field_class: type
    # The column type, for INCONVERTIBLE_COLUMN_TYPES.
    column_type: str
    # The values of default= drawn from (None: no default), simplest first.
    defaults: tuple
    # The values of db_default= drawn from.
    db_defaults: tuple = (None,)
    # What makemigrations asks for when rows need a value: a field made not
    # null, or added without a default.
    one_off_default: object = None


SCALARS = {
    "char": Scalar(models.CharField, "varchar", (None, "", "x"), (None, "dflt"), ""),
    "int": Scalar(models.IntegerField, "integer", (None, 0, 7), (None, 1), 0),
    "bigint": Scalar(models.BigIntegerField, "bigint", (None, 0, 9), (None, 1), 0),
    "bool": Scalar(
        models.BooleanField, "boolean", (None, False, True), (None, True), False
    ),
    "datetime": Scalar(
        models.DateTimeField,
        "datetime",
        (None, timezone.now, FIXED_DATETIME),
        (None, Now()),
        FIXED_DATETIME,
    ),
    "decimal": Scalar(
        models.DecimalField,
        "numeric",
        (None, Decimal("0"), Decimal("1")),
        (None, Decimal("2")),
        Decimal("0"),
    ),
    "json": Scalar(models.JSONField, "json", (None, dict, list), (None,), dict),
    "uuid": Scalar(models.UUIDField, "uuid", (None, FIXED_UUID), (None,), FIXED_UUID),
    "text": Scalar(models.TextField, "text", (None, "", "x"), (None,), ""),
    "smallint": Scalar(
        models.SmallIntegerField, "smallint", (None, 0, 3), (None, 1), 0
    ),
    "positive": Scalar(
        models.PositiveIntegerField, "integer", (None, 0, 5), (None, 1), 0
    ),
    "positive_small": Scalar(
        models.PositiveSmallIntegerField, "smallint", (None, 0, 2), (None, 1), 0
    ),
    "positive_big": Scalar(
        models.PositiveBigIntegerField, "bigint", (None, 0, 4), (None, 1), 0
    ),
    "float": Scalar(models.FloatField, "double", (None, 0.0, 1.5), (None, 2.5), 0.0),
    "date": Scalar(models.DateField, "date", (None, FIXED_DATE), (None,), FIXED_DATE),
    "time": Scalar(models.TimeField, "time", (None, FIXED_TIME), (None,), FIXED_TIME),
    "duration": Scalar(
        models.DurationField,
        "interval",
        (None, datetime.timedelta(0)),
        (None,),
        datetime.timedelta(0),
    ),
    "binary": Scalar(models.BinaryField, "binary", (None, b""), (None,), b""),
    "email": Scalar(models.EmailField, "varchar", (None, "a@example.com"), (None,), ""),
    "slug": Scalar(models.SlugField, "varchar", (None, "x"), (None,), ""),
    "url": Scalar(
        models.URLField, "varchar", (None, "https://example.com"), (None,), ""
    ),
    "file_path": Scalar(file_path_field, "varchar", (None, ""), (None,), ""),
    "ip": Scalar(
        models.GenericIPAddressField, "inet", (None, "127.0.0.1"), (None,), "0.0.0.0"
    ),
    "file": Scalar(models.FileField, "varchar", (None, "", "a.txt"), (None,), ""),
    "image": Scalar(models.ImageField, "varchar", (None, ""), (None,), ""),
    "null_bool": Scalar(
        models.NullBooleanField, "boolean", (None, False, True), (None, True)
    ),
    "ip_address": Scalar(
        models.IPAddressField, "inet", (None, "127.0.0.1"), (None,), "0.0.0.0"
    ),
    "comma_ints": Scalar(
        models.CommaSeparatedIntegerField, "varchar", (None, "", "1,2"), (None, "1"), ""
    ),
    "int_array": Scalar(integer_array_field, "integer[]", (None, list), (None,), list),
    # No defaults: psycopg's range types can't be imported where psycopg isn't
    # installed, and this table is built on every database. Without a one-off
    # default, AddField of a NOT NULL column gets default=None (tables are
    # empty).
    "int_range": Scalar(
        contrib_postgres_field("IntegerRangeField"), "int4range", (None,)
    ),
    "bigint_range": Scalar(
        contrib_postgres_field("BigIntegerRangeField"), "int8range", (None,)
    ),
    "decimal_range": Scalar(
        contrib_postgres_field("DecimalRangeField"), "numrange", (None,)
    ),
    "date_range": Scalar(
        contrib_postgres_field("DateRangeField"), "daterange", (None,)
    ),
    "datetime_range": Scalar(
        contrib_postgres_field("DateTimeRangeField"), "tstzrange", (None,)
    ),
    "hstore": Scalar(
        contrib_postgres_field("HStoreField"), "hstore", (None, dict), (None,), dict
    ),
}
assert set(SCALARS) == set(SCALAR_KINDS)


@st.composite
def scalar_options(draw, kind):
    """Keyword arguments of a scalar field of kind."""
    options = {}
    if kind in ("char", "comma_ints"):
        options["max_length"] = draw(st.sampled_from([10, 40, 100]))
    if kind == "decimal":
        options["max_digits"] = draw(st.sampled_from([5, 10]))
        options["decimal_places"] = draw(st.sampled_from([2, 0]))
    # NullBooleanField is always nullable (its deconstruct() leaves null out).
    if kind == "null_bool" or draw(st.booleans()):
        options["null"] = True
    collations = db_collations(kind)
    if collations and draw(st.booleans()):
        options["db_collation"] = draw(st.sampled_from(collations))
    default = draw(st.sampled_from(SCALARS[kind].defaults))
    if default is not None:
        options["default"] = default
    db_default = draw(st.sampled_from(SCALARS[kind].db_defaults))
    if db_default is not None:
        options["db_default"] = db_default
    if kind == "datetime" and "default" not in options:
        auto = draw(st.sampled_from([None, "auto_now", "auto_now_add"]))
        if auto:
            options[auto] = True
    if kind in KEY_KINDS and draw(st.booleans()):
        options["unique"] = True
    elif kind in INDEXABLE_KINDS and draw(st.booleans()):
        options["db_index"] = True
    if draw(st.booleans()):
        options["db_comment"] = "Comment on %s" % kind
    return options


def db_collations(kind):
    """
    The collations a field of kind may be given: those Django's own tests
    use on the database, where its schema editor supports them.
    """
    features = connection.features
    supported = {
        "char": features.supports_collation_on_charfield,
        "text": features.supports_collation_on_textfield,
    }
    if not supported.get(kind):
        return []
    return sorted({name for name in features.test_collations.values() if name})


def relation_targets(schema):
    return [model for model in schema.models if model.can_be_pointed_to]


@st.composite
def relation_options(draw, kind, target, owner):
    """(options, to_field) of a foreign key or one-to-one field to target."""
    options = {}
    null = draw(st.booleans())
    if null:
        options["null"] = True
    choices = [
        on_delete
        for on_delete in ON_DELETE
        if null or on_delete not in NULLABLE_ON_DELETE
    ]
    options["on_delete"] = draw(st.sampled_from(choices))
    if draw(st.booleans()):
        options["db_constraint"] = False
    if draw(st.booleans()):
        options["related_name"] = "+"
    to_field = None
    keys = [
        field.name
        for field in target.fields.values()
        if field.kind in KEY_KINDS and field.options.get("unique")
    ]
    if keys and target is not owner and draw(st.booleans()):
        to_field = draw(st.sampled_from(keys))
    return options, to_field


def generated_column_persistences():
    """The values of GeneratedField.db_persist the database supports."""
    features = connection.features
    return [
        db_persist
        for db_persist, supported in [
            (True, features.supports_stored_generated_columns),
            (False, features.supports_virtual_generated_columns),
        ]
        if supported
    ]


@st.composite
def field_specs(draw, schema, owner, relations=True, many_to_many=True):
    """A new field for owner (which may not be in schema.models yet)."""
    targets = relation_targets(schema)
    kinds = [
        kind
        for kind in SCALAR_KINDS
        if kind not in POSTGRESQL_KINDS or connection.vendor == "postgresql"
    ]
    persistences = generated_column_persistences()
    if persistences:
        kinds.append("generated")
    if owner.has_composite_pk:
        # The through model's foreign key to owner isn't supported.
        many_to_many = False
    relation_kinds = ["fk", "o2o", "m2m"] if many_to_many else ["fk", "o2o"]
    # Relations as often as all the other kinds together: stand-ins are
    # mostly about them.
    if relations and draw(st.booleans()):
        kinds = relation_kinds
    kind = draw(st.sampled_from(kinds))
    name = schema.new_name(kind + "_")
    if kind in SCALAR_KINDS:
        return FieldSpec(name, kind, draw(scalar_options(kind)))
    if kind == "generated":
        db_persist = draw(st.sampled_from(persistences))
        # A constant, or an expression over another field of the model (which
        # then stays as it is: schema editors don't follow such changes).
        sources = [
            field for field in owner.fields.values() if field.kind in ("int", "char")
        ]
        source = draw(st.sampled_from([None, *sources]))
        return FieldSpec(name, kind, {"db_persist": db_persist}, source=source)
    self_allowed = owner.can_be_pointed_to and owner.parent is None
    choices = targets + ([owner] if self_allowed and owner not in targets else [])
    if not choices:
        return FieldSpec(name, "int", draw(scalar_options("int")))
    target = draw(st.sampled_from(choices))
    target_as_self = target is owner and draw(st.booleans())
    if kind == "m2m":
        options = {}
        if target is owner and draw(st.booleans()):
            options["symmetrical"] = False
        if draw(st.booleans()):
            options["related_name"] = "+"
        return FieldSpec(name, kind, options, target, target_as_self)
    options, to_field = draw(relation_options(kind, target, owner))
    return FieldSpec(name, kind, options, target, target_as_self, to_field)


# Indexes and constraints -------------------------------------------------------


def indexable_fields(model, kinds=INDEXABLE_KINDS):
    return [
        field
        for field in model.fields.values()
        if field.kind in kinds and not field.primary_key
    ]


# The kinds of fields conditions are on.
CONDITION_KINDS = ("int", "bool", "decimal")


def condition_on(draw, model):
    """A Q() on one of model's fields, and the fields it refers to; or None."""
    candidates = indexable_fields(model, CONDITION_KINDS)
    if not candidates:
        return None, set()
    field = draw(st.sampled_from(candidates))
    if field.kind == "bool":
        return Q(**{field.name: True}), {field.name}
    condition = draw(
        st.sampled_from(
            [
                Q(**{f"{field.name}__gte": 0}),
                Q(**{f"{field.name}__gt": 1}) | Q(**{f"{field.name}__isnull": True}),
            ]
        )
    )
    return condition, {field.name}


# The index classes of django.contrib.postgres and the kinds of fields each
# is drawn for (the default operator classes of their access methods).
POSTGRESQL_INDEXES = {
    "GinIndex": ("int_array", "hstore", "json"),
    "GistIndex": RANGE_KINDS,
    "SpGistIndex": (*RANGE_KINDS, "char", "text"),
    "BrinIndex": ("int", "smallint", "date", "datetime", "decimal"),
    "HashIndex": ("char", "int", "uuid", "date"),
    "BTreeIndex": ("char", "int", "date", "decimal"),
}
# One storage parameter of each and the values drawn for it besides None.
POSTGRESQL_INDEX_OPTIONS = {
    "GinIndex": ("fastupdate", (False,)),
    "GistIndex": ("buffering", (True,)),
    "SpGistIndex": ("fillfactor", (80,)),
    "BrinIndex": ("pages_per_range", (16,)),
    "HashIndex": ("fillfactor", (70,)),
    "BTreeIndex": ("fillfactor", (70,)),
}


def postgresql_index_choices(model):
    """(class name, fields) of the django.contrib.postgres indexes for model."""
    if connection.vendor != "postgresql":
        return []
    choices = []
    for class_name, kinds in POSTGRESQL_INDEXES.items():
        fields = indexable_fields(model, kinds)
        if fields:
            choices.append((class_name, fields))
    return choices


def exclusion_ranges(model):
    """The range fields an exclusion constraint of model can be on."""
    if connection.vendor != "postgresql":
        return []
    return indexable_fields(model, RANGE_KINDS)


def can_be_indexed(model):
    return bool(indexable_fields(model) or postgresql_index_choices(model))


def can_be_constrained(model):
    return bool(indexable_fields(model) or exclusion_ranges(model))


@st.composite
def index_specs(draw, schema, model):
    fields = indexable_fields(model)
    name = schema.new_name("fz_ix")
    chars = [field for field in fields if field.kind == "char"]
    shapes = []
    if fields:
        shapes += ["fields", "descending"]
        # Indexes the database doesn't support aren't created; stock then
        # fails to rename them (MariaDB).
        if connection.features.supports_expression_indexes:
            shapes.append("expression")
        if connection.features.supports_partial_indexes:
            shapes.append("condition")
    postgresql_choices = postgresql_index_choices(model)
    if postgresql_choices:
        shapes.append("postgresql")
    shape = draw(st.sampled_from(shapes))
    if shape == "postgresql":
        class_name, candidates = draw(st.sampled_from(postgresql_choices))
        field = draw(st.sampled_from(candidates))
        option, values = POSTGRESQL_INDEX_OPTIONS[class_name]
        value = draw(st.sampled_from([None, *values]))
        options = {} if value is None else {option: value}
        from django.contrib.postgres import indexes

        index = getattr(indexes, class_name)(fields=[field.name], name=name, **options)
        return IndexSpec(name, frozenset([field.name]), index)
    if shape == "expression" and chars:
        field = draw(st.sampled_from(chars))
        function = draw(st.sampled_from([Lower, Upper]))
        index = models.Index(function(field.name), name=name)
        return IndexSpec(name, frozenset([field.name]), index)
    first = draw(st.sampled_from(fields))
    names = {first.name}
    ordering = [("-" if shape == "descending" else "") + first.name]
    options = {}
    if shape == "condition":
        condition, referenced = condition_on(draw, model)
        if condition is not None:
            options["condition"] = condition
            names |= referenced
    index = models.Index(fields=ordering, name=name, **options)
    return IndexSpec(name, frozenset(names), index)


@st.composite
def constraint_specs(draw, schema, model):
    name = schema.new_name("fz_ck")
    fields = indexable_fields(model)
    chars = [field for field in fields if field.kind == "char"]
    shapes = []
    if fields:
        shapes += ["unique", "check"]
        # Unique constraints the database doesn't support make CreateModel
        # and AddConstraint fail (MariaDB: system check models.W044 warns of
        # them).
        if connection.features.supports_partial_indexes:
            shapes.append("unique_condition")
        if connection.features.supports_expression_indexes:
            shapes.append("unique_expression")
    ranges = exclusion_ranges(model)
    if ranges:
        shapes.append("exclusion")
    shape = draw(st.sampled_from(shapes))
    if shape == "exclusion":
        return draw(exclusion_constraints(name, model, ranges))
    if shape.startswith("check") or shape == "unique_condition":
        condition, referenced = condition_on(draw, model)
        if condition is not None and shape == "check":
            constraint = models.CheckConstraint(condition=condition, name=name)
            return IndexSpec(name, frozenset(referenced), constraint)
    if shape == "unique_expression" and chars:
        field = draw(st.sampled_from(chars))
        constraint = models.UniqueConstraint(Lower(field.name), name=name)
        return IndexSpec(name, frozenset([field.name]), constraint)
    first = draw(st.sampled_from(fields))
    names = {first.name}
    options = {}
    if shape == "unique_condition":
        condition, referenced = condition_on(draw, model)
        if condition is not None:
            options["condition"] = condition
            names |= referenced
    if connection.vendor == "postgresql" and not options:
        # PostgreSQL ignores a unique constraint that duplicates another in
        # CREATE TABLE (unapplying a DeleteModel): stock then fails to remove
        # it.
        assume(first.name not in uniquely_constrained(model))
    constraint = models.UniqueConstraint(fields=[first.name], name=name, **options)
    return IndexSpec(name, frozenset(names), constraint)


@st.composite
def exclusion_constraints(draw, name, model, ranges):
    """No two rows with overlapping ranges (and equal integers, if drawn)."""
    from django.contrib.postgres.constraints import ExclusionConstraint
    from django.contrib.postgres.fields import RangeOperators

    field = draw(st.sampled_from(ranges))
    expressions = [(field.name, RangeOperators.OVERLAPS)]
    integers = indexable_fields(model, ("int",))
    if integers and draw(st.booleans()):  # Needs btree_gist.
        expressions.append((draw(st.sampled_from(integers)).name, RangeOperators.EQUAL))
    names = {name for name, _ in expressions}
    options = {}
    condition, referenced = maybe(draw, condition_on(draw, model), (None, set()))
    if condition is not None:
        options["condition"] = condition
        names |= referenced
    elif draw(st.booleans()):
        options["deferrable"] = models.Deferrable.DEFERRED
    constraint = ExclusionConstraint(name=name, expressions=expressions, **options)
    # Like a duplicate unique constraint (constraint_specs()): stock fails
    # to remove the one PostgreSQL ignores in CREATE TABLE.
    assume(
        not any(
            isinstance(other.definition, ExclusionConstraint)
            and other.definition.expressions == constraint.expressions
            for other in model.constraints
        )
    )
    return IndexSpec(name, frozenset(names), constraint)


def uniquely_constrained(model):
    """The names of model's fields that are unique on their own."""
    names = {
        field.name
        for field in model.fields.values()
        if field.primary_key or field.options.get("unique")
    }
    for constraint in model.constraints:
        definition = constraint.definition
        if (
            isinstance(definition, models.UniqueConstraint)
            and len(definition.fields) == 1
            and definition.condition is None
        ):
            names.add(definition.fields[0])
    return names


# Operations ---------------------------------------------------------------------
#
# Each generator takes (draw, schema, app_label), updates schema and returns
# the operations; its applicability check says whether it can in this state.


def models_with_fields(schema, app_label, predicate=lambda model, field: True):
    return [
        model
        for model in schema.concrete_models(app_label)
        if any(predicate(model, field) for field in model.fields.values())
    ]


def create_model(draw, schema, app_label):
    swapped_in = (
        app_label == SWAPPED_IN_APP
        and not any(model.swapped_in for model in schema.models)
        and draw(st.integers(0, 3)) == 3
    )
    name = SWAPPED_IN_NAME if swapped_in else schema.new_name("Model")
    model = ModelSpec(
        app_label, name, swapped_in=swapped_in, created_in=schema.migration_number
    )
    pk_kinds = ["auto", "bigauto", "smallauto", "char_pk"]
    if not swapped_in:
        # Relations can't point to a composite primary key.
        pk_kinds.append("composite")
    pk_kind = draw(st.sampled_from(pk_kinds))
    if pk_kind == "composite":
        components = [
            FieldSpec(schema.new_name("key_"), "int"),
            FieldSpec(schema.new_name("key_"), "char", {"max_length": 10}),
        ]
        names = tuple(component.name for component in components)
        model.fields["pk"] = FieldSpec("pk", "composite", {"fields": names})
        model.fields.update((component.name, component) for component in components)
    else:
        model.fields["id"] = FieldSpec("id", pk_kind)
    options = {}
    if swapped_in:
        # Whether it keeps the swappable option of the model it replaces.
        if draw(st.booleans()):
            options["swappable"] = SWAPPABLE_SETTING
    elif draw(st.integers(0, 7)) == 7:
        model.swapped = True
        options["swappable"] = SWAPPABLE_SETTING
    for _ in range(draw(st.integers(0, 4))):
        spec = draw(field_specs(schema, model))
        model.fields[spec.name] = spec
    if draw(st.booleans()):
        model.db_table = schema.new_name("fz_table")
        options["db_table"] = model.db_table
    if draw(st.booleans()):
        model.db_table_comment = "Table comment"
        options["db_table_comment"] = model.db_table_comment
    if can_be_indexed(model) and draw(st.booleans()):
        index = draw(index_specs(schema, model))
        index.created_with_model_in = schema.migration_number
        model.indexes.append(index)
        options["indexes"] = [copy.deepcopy(index.definition)]
    if can_be_constrained(model) and draw(st.booleans()):
        constraint = draw(constraint_specs(schema, model))
        constraint.created_with_model_in = schema.migration_number
        model.constraints.append(constraint)
        options["constraints"] = [copy.deepcopy(constraint.definition)]
    together = [f.name for f in indexable_fields(model)][:2]
    if len(together) == 2 and draw(st.booleans()):
        model.unique_together = [tuple(together)]
        model.unique_together_changed_in = schema.migration_number
        options["unique_together"] = {tuple(together)}
    order_candidates = order_with_respect_to_candidates(model)
    if order_candidates and draw(st.booleans()):
        model.order_with_respect_to = draw(st.sampled_from(order_candidates)).name
        options["order_with_respect_to"] = model.order_with_respect_to
    schema.models.append(model)
    return [
        migrations.CreateModel(
            model.name,
            [(name, build_field(spec)) for name, spec in model.fields.items()],
            options=options,
        )
    ]


def create_child_model(draw, schema, app_label):
    """Multi-table inheritance."""
    parent = draw(st.sampled_from(relation_targets(schema)))
    model = ModelSpec(
        app_label,
        schema.new_name("Child"),
        parent=parent,
        created_in=schema.migration_number,
    )
    link = f"{parent.name.lower()}_ptr"
    model.fields[link] = FieldSpec(link, "parent_link", target=parent)
    for _ in range(draw(st.integers(0, 2))):
        spec = draw(field_specs(schema, model, relations=False))
        model.fields[spec.name] = spec
    schema.models.append(model)
    return [
        migrations.CreateModel(
            model.name,
            [(name, build_field(spec)) for name, spec in model.fields.items()],
            bases=(parent.label,),
        )
    ]


def create_proxy_model(draw, schema, app_label):
    base = draw(st.sampled_from(relation_targets(schema)))
    model = ModelSpec(app_label, schema.new_name("Proxy"), proxy_for=base)
    schema.models.append(model)
    return [
        migrations.CreateModel(
            model.name,
            [],
            options={"proxy": True, "indexes": [], "constraints": []},
            bases=(base.label,),
        )
    ]


def deletable_models(schema, app_label):
    # Not those changed earlier in the same migration: unapplying it, the
    # schema editor re-creates the table with deferred statements (indexes)
    # that the earlier operations' reversal can't find (RenameIndex) or
    # doesn't update (RenameField), with stock Django too.
    return [
        model
        for model in schema.models_of(app_label)
        if schema.can_delete(model)
        and model.changed_in != schema.migration_number
        and not any(
            removal_remakes_altered_relation(schema, model, field)
            for field in model.fields.values()
        )
    ]


def delete_model(draw, schema, app_label):
    model = draw(st.sampled_from(deletable_models(schema, app_label)))
    schema.models.remove(model)
    return [migrations.DeleteModel(model.name)]


def field_owners(schema, app_label):
    """Models that fields can be added to."""
    return schema.concrete_models(app_label)


def add_field(draw, schema, app_label):
    model = draw(st.sampled_from(field_owners(schema, app_label)))
    model.changed_in = schema.migration_number
    relations = not schema.is_through(model)
    spec = draw(field_specs(schema, model, relations=relations))
    spec.added_in = schema.migration_number
    model.fields[spec.name] = spec
    field = build_field(spec)
    preserve_default = True
    if (
        spec.kind in SCALAR_KINDS
        and not field.null
        and not field.has_default()
        and not field.has_db_default()
    ):
        # What makemigrations asks for: a one-off default for existing rows
        # (for a DateTimeField, it suggests timezone.now).
        field.default = (
            timezone.now
            if spec.kind == "datetime"
            else SCALARS[spec.kind].one_off_default
        )
        preserve_default = False
    return [
        migrations.AddField(
            model.name, spec.name, field, preserve_default=preserve_default
        )
    ]


def many_to_many_owners(schema, app_label):
    """Models an explicit through model can point to."""
    return [
        model for model in field_owners(schema, app_label) if model.can_be_pointed_to
    ]


def add_many_to_many_through(draw, schema, app_label):
    """An explicit through model, then the many-to-many field using it."""
    model = draw(st.sampled_from(many_to_many_owners(schema, app_label)))
    model.changed_in = schema.migration_number
    targets = [target for target in relation_targets(schema) if target is not model]
    target = draw(st.sampled_from(targets))
    through = ModelSpec(
        app_label, schema.new_name("Through"), created_in=schema.migration_number
    )
    through.fields["id"] = FieldSpec("id", "bigauto")
    for end in (model, target):
        name = schema.new_name(end.name.lower() + "_")
        through.fields[name] = FieldSpec(
            name, "fk", {"on_delete": models.CASCADE}, target=end
        )
    schema.models.append(through)
    name = schema.new_name("m2m_")
    spec = FieldSpec(name, "m2m", target=target, through=through)
    model.fields[name] = spec
    return [
        migrations.CreateModel(
            through.name,
            [(field_name, build_field(f)) for field_name, f in through.fields.items()],
        ),
        migrations.AddField(model.name, name, build_field(spec)),
    ]


def remove_field(draw, schema, app_label):
    model = draw(st.sampled_from(models_with_removable_fields(schema, app_label)))
    model.changed_in = schema.migration_number
    field = draw(st.sampled_from(removable_fields(schema, model)))
    del model.fields[field.name]
    return [migrations.RemoveField(model.name, field.name)]


def removable_fields(schema, model):
    return [
        field
        for field in schema.removable_fields(model)
        # On PostgreSQL, stock fails to remove a field altered earlier in the
        # same migration: it creates the _like index the AlterField made
        # again ("already exists").
        if (
            connection.vendor != "postgresql"
            or field.altered_in != schema.migration_number
        )
        # On MariaDB, unapplying the migration adds a foreign key back with
        # its index deferred, and undoing the index changes before it makes
        # the schema editor create that index first ("Duplicate key name").
        and (
            connection.vendor != "mysql"
            or field.index_changed_in != schema.migration_number
        )
        # On SQLite, unapplying the migration adds an indexed field back
        # with its index deferred, then renames the column back: the index
        # names a column the table no longer has, which SQLite takes for a
        # string, until a later RENAME COLUMN of the table fails on it
        # ("error in index ...: no such column"), with stock Django too.
        and not (
            connection.vendor == "sqlite"
            and field.renamed_in == schema.migration_number
            and is_indexed(field)
        )
        and not removal_remakes_altered_relation(schema, model, field)
    ]


def models_with_removable_fields(schema, app_label):
    return [
        model
        for model in schema.concrete_models(app_label)
        if removable_fields(schema, model)
    ]


# Column types of primary keys (those of other fields are in SCALARS), and
# the pairs of column types that the database can't convert into each other
# even in an empty table, in at least one direction (found with
# `SELECT (NULL::a)::b` on PostgreSQL 15, whose schema editor converts with
# USING column::type, and with ALTER TABLE ... MODIFY on MariaDB 10.11).
PRIMARY_KEY_COLUMN_TYPES = {
    "char_pk": "varchar",
    "auto": "integer",
    "bigauto": "bigint",
    "smallauto": "smallint",
}
INCONVERTIBLE_COLUMN_TYPES = {
    "postgresql": {
        frozenset(pair)
        for pair in [
            ("integer", "time"),
            ("integer", "interval"),
            ("integer", "json"),
            ("integer", "uuid"),
            ("smallint", "time"),
            ("smallint", "uuid"),
            ("bigint", "boolean"),
            ("bigint", "datetime"),
            ("bigint", "date"),
            ("bigint", "time"),
            ("bigint", "interval"),
            ("bigint", "json"),
            ("bigint", "uuid"),
            ("bigint", "binary"),
            ("bigint", "inet"),
            ("boolean", "smallint"),
            ("boolean", "datetime"),
            ("boolean", "date"),
            ("boolean", "time"),
            ("boolean", "interval"),
            ("boolean", "double"),
            ("boolean", "numeric"),
            ("boolean", "json"),
            ("boolean", "uuid"),
            ("boolean", "inet"),
            ("datetime", "integer"),
            ("datetime", "smallint"),
            ("datetime", "time"),
            ("datetime", "interval"),
            ("datetime", "double"),
            ("datetime", "numeric"),
            ("datetime", "json"),
            ("datetime", "uuid"),
            ("datetime", "inet"),
            ("date", "integer"),
            ("date", "smallint"),
            ("date", "time"),
            ("date", "interval"),
            ("date", "double"),
            ("date", "numeric"),
            ("date", "json"),
            ("date", "uuid"),
            ("date", "inet"),
            ("time", "uuid"),
            ("interval", "smallint"),
            ("interval", "numeric"),
            ("interval", "json"),
            ("interval", "uuid"),
            ("double", "time"),
            ("double", "interval"),
            ("double", "json"),
            ("double", "uuid"),
            ("double", "inet"),
            ("numeric", "time"),
            ("numeric", "uuid"),
            ("json", "smallint"),
            ("json", "time"),
            ("json", "numeric"),
            ("json", "uuid"),
            ("binary", "integer"),
            ("binary", "smallint"),
            ("binary", "boolean"),
            ("binary", "datetime"),
            ("binary", "date"),
            ("binary", "time"),
            ("binary", "interval"),
            ("binary", "double"),
            ("binary", "numeric"),
            ("binary", "json"),
            ("binary", "uuid"),
            ("binary", "inet"),
            ("inet", "integer"),
            ("inet", "smallint"),
            ("inet", "time"),
            ("inet", "interval"),
            ("inet", "numeric"),
            ("inet", "json"),
            ("inet", "uuid"),
        ]
    },
    "mysql": {
        frozenset(pair)
        for pair in [
            ("integer", "uuid"),
            ("smallint", "uuid"),
            ("bigint", "uuid"),
            ("boolean", "uuid"),
            ("datetime", "uuid"),
            ("date", "uuid"),
            ("time", "uuid"),
            ("interval", "uuid"),
            ("double", "uuid"),
            ("numeric", "uuid"),
        ]
    },
}


def column_type(spec):
    if spec.kind in ("fk", "o2o", "parent_link"):
        target = spec.target
        key = target.fields[spec.to_field] if spec.to_field else target.pk
        return column_type(key)
    if spec.kind in PRIMARY_KEY_COLUMN_TYPES:
        return PRIMARY_KEY_COLUMN_TYPES[spec.kind]
    return SCALARS[spec.kind].column_type


def is_relation(spec):
    """
    Whether spec's column is named after the field plus "_id". Changing
    that in the migration whose CreateModel made the model fails with stock
    on SQLite: the deferred index statements name the old column.
    """
    return spec.kind in ("fk", "o2o")


def is_indexed(spec):
    """Whether spec's column has an index of its own (unique or not)."""
    indexed_by_default = spec.kind in ("slug", "fk", "o2o") or spec.primary_key
    return bool(
        spec.options.get("unique") or spec.options.get("db_index", indexed_by_default)
    )


def column_type_can_change(old, new, vendor):
    """
    Whether a database of vendor can convert old's column into new's and,
    to unapply the AlterField, back.
    """
    types = column_type(old), column_type(new)
    if "db_default" in old.options or "db_default" in new.options:
        # The column's default is converted with it, both ways (MariaDB sets
        # the new one before converting): "Invalid default value", "default
        # for column ... cannot be cast automatically".
        if vendor == "mysql" and old.kind != new.kind:
            return False
        if vendor == "postgresql" and types[0] != types[1]:
            return False
    if {old.kind, new.kind} & set(POSTGRESQL_KINDS) and types[0] != types[1]:
        # No change to or from the types of django.contrib.postgres (left out
        # of the matrix above).
        return False
    old_is_text, new_is_text = (type in ("varchar", "text") for type in types)
    if vendor == "postgresql" and old_is_text != new_is_text:
        # The schema editor drops the _like index of an indexed varchar or
        # text column by the name it would have now: after a RenameModel or
        # AlterModelTable it misses it, and the conversion (or unapplying
        # it) fails.
        if is_indexed(old) or is_indexed(new):
            return False
    return frozenset(types) not in INCONVERTIBLE_COLUMN_TYPES.get(vendor, ())


def hidden_relations_to(schema, model):
    """
    The foreign keys and one-to-ones with related_name="+" to model or its
    proxies.
    """
    return [
        field
        for target in schema.models
        if concrete_model(target) is model
        for _, field in schema.fields_pointing_to(target)
        if field.kind in ("fk", "o2o") and field.options.get("related_name") == "+"
    ]


def relations_made_in_this_migration(schema, model):
    """
    The relations to model or its proxies, and the many-to-many fields of
    model with an auto-created through table, that the migration being
    generated makes: their foreign keys are created by its deferred
    statements.
    """
    pointing_to = [
        (other, field)
        for target in schema.models
        if concrete_model(target) is model
        for other, field in schema.fields_pointing_to(target)
    ]
    own_many_to_many = [
        (model, field)
        for field in model.fields.values()
        if field.kind == "m2m" and field.through is None
    ]
    return [
        field
        for other, field in pointing_to + own_many_to_many
        if schema.migration_number in (other.created_in, field.added_in)
    ]


def foreign_key_targets(model, field):
    """The models the foreign keys that field of model makes point to."""
    if field.kind == "m2m":
        # Those of the auto-created through table.
        return [] if field.through else [model, field.target]
    if field.kind in ("fk", "o2o", "parent_link"):
        return [field.target]
    return []


def removal_remakes_altered_relation(schema, model, field):
    """
    Whether removing field of model in the migration being generated would,
    on PostgreSQL and MariaDB, make stock (and stand-ins) fail to unapply it.

    Unapplying the migration re-creates the relation with deferred foreign
    keys, then reverses the earlier AlterField of a primary key they point
    to, which makes them again, and a RenameModel or RenameField makes them
    under the deferred ones' final names ("already exists"): the mirror of
    relations_made_in_this_migration().
    """
    return connection.vendor in ("postgresql", "mysql") and any(
        concrete_model(target).pk.altered_in == schema.migration_number
        for target in foreign_key_targets(model, field)
    )


def concrete_model(model):
    while model.proxy_for is not None:
        model = model.proxy_for
    return model


def alterable_fields(schema, model):
    # The schema editor alters the relations to a primary key it changes in
    # the order of their reverse names; among equal ones (related_name="+")
    # stock's order depends on the renders earlier in the process, and
    # pairing the relations of the old and new model by position, it then
    # gives one's column the other's nullability (MariaDB; README.md "Known
    # differences").
    return [
        field
        for field in model.fields.values()
        if field.kind not in ("m2m", "parent_link", "generated", "composite")
        and (not field.primary_key or len(hidden_relations_to(schema, model)) < 2)
        and not model.is_pk_component(field)
        and not model.is_generation_source(field)
        # On PostgreSQL and MariaDB, stock fails to alter a field whose
        # AddField in the same migration left its index to the deferred
        # statements ("already exists").
        and (connection.vendor == "sqlite" or field.added_in != schema.migration_number)
        # On PostgreSQL and MariaDB, after altering a primary key that a
        # relation made in the same migration points to, renaming the model
        # makes stock (and stand-ins) create that relation's foreign key twice
        # ("already exists").
        and (
            connection.vendor not in ("postgresql", "mysql")
            or not field.primary_key
            or not relations_made_in_this_migration(schema, model)
        )
        # On MariaDB, stock can fail to alter a column with a collation that
        # a to_field foreign key points to (made NOT NULL: "Cannot change
        # column ... used in a foreign key constraint"; found by the MariaDB
        # long run, seed 612072031): the schema editor drops such foreign
        # keys only when the type or collation changes. Which changes
        # MariaDB refuses isn't known, so none is generated.
        and not (
            connection.vendor == "mysql"
            and "db_collation" in field.options
            and schema.is_to_field_target(model, field)
        )
    ]


def models_with_alterable_fields(schema, app_label):
    return [
        model
        for model in schema.concrete_models(app_label)
        if alterable_fields(schema, model)
        # On PostgreSQL and MariaDB, stock fails to alter a field whose
        # CreateModel in the same migration left its index to the deferred
        # statements ("relation ... already exists").
        and (
            connection.vendor == "sqlite" or model.created_in != schema.migration_number
        )
    ]


def can_alter_into(schema, model, old, new):
    """Whether an AlterField may change the field old of model into new."""
    # Django's schema editors don't alter generated fields.
    if new.kind == "generated":
        return False
    if not column_type_can_change(old, new, connection.vendor):
        return False
    # The column's name changes (see is_relation()).
    if is_relation(old) != is_relation(new):
        if model.created_in == schema.migration_number:
            return False
        # Rendered models re-render the relation's target but not its
        # children and proxies, whose _meta keep the reverse relation: stock
        # then alters the new field as that relation when it renames one of
        # them (SQLite: copies a column that no longer exists; elsewhere:
        # fails).
        if is_relation(old) and schema.dependents(old.target):
            return False
    return True


def alter_field(draw, schema, app_label):
    model = draw(st.sampled_from(models_with_alterable_fields(schema, app_label)))
    model.changed_in = schema.migration_number
    old = draw(st.sampled_from(alterable_fields(schema, model)))
    if old.primary_key:
        # Changing the primary key's type (incoming foreign keys follow).
        kinds = [kind for kind in AUTO_FIELDS if kind != old.kind]
        if old.kind == "char_pk":
            kinds = ["char_pk"]  # Nothing to alter without data loss.
        new = old.copy(kind=draw(st.sampled_from(kinds)))
    elif schema.is_referenced(model, old):
        # Keep what the references need (kind, target, uniqueness): change
        # nullability, comment, index, default.
        new = old.copy()
        if old.kind in SCALAR_KINDS:
            options = draw(scalar_options(old.kind))
            for keep in ("max_length", "max_digits", "decimal_places", "unique"):
                options.pop(keep, None)
                if keep in old.options:
                    options[keep] = old.options[keep]
            if old.options.get("unique"):
                options.pop("db_index", None)
            new.options = options
        else:
            options, _ = draw(relation_options(old.kind, old.target, model))
            new.options = options
    else:
        spec = draw(
            field_specs(
                schema,
                model,
                relations=not schema.is_through(model),
                many_to_many=False,
            ).filter(lambda spec: can_alter_into(schema, model, old, spec))
        )
        new = spec.copy(name=old.name)
    if connection.vendor == "mysql" and old.name in uniquely_constrained(model):
        # MariaDB: stock drops the index of a unique constraint on the field
        # when db_index changes, then fails to drop it again.
        new.options.pop("db_index", None)
        if "db_index" in old.options:
            new.options["db_index"] = old.options["db_index"]
    new.altered_in = schema.migration_number
    model.fields[old.name] = new
    field = build_field(new)
    preserve_default = True
    if gets_one_off_default(schema, old, new, field):
        field.default = SCALARS[new.kind].one_off_default
        preserve_default = False
    return [
        migrations.AlterField(
            model.name, old.name, field, preserve_default=preserve_default
        )
    ]


def gets_one_off_default(schema, old, new, field):
    """
    Whether the AlterField from old to new (field) gets a one-off default
    (preserve_default=False), as makemigrations asks for one for the rows
    that are null.
    """
    if field.null or not old.options.get("null") or field.has_default():
        return False
    if new.kind not in SCALAR_KINDS or field.has_db_default():
        return False
    # Unapplying it, stock leaves the field of the state before it without
    # its default, and so unapplies an AlterField of that field earlier in
    # the migration; the series fixes that (README.md "Known differences").
    return not (
        schema.compared_with_stock and old.altered_in == schema.migration_number
    )


def renamable_fields(schema, model):
    return [
        field
        for field in model.fields.values()
        if field.kind != "parent_link" and not field.primary_key
        # RenameField doesn't rename it in a CompositePrimaryKey or a
        # GeneratedField's expression.
        and not model.is_pk_component(field)
        and not model.is_generation_source(field)
        and not (
            field.name in {n for index in model.indexes for n in index.field_names}
            or field.name
            in {n for constraint in model.constraints for n in constraint.field_names}
            or model.order_with_respect_to == field.name
            or (field.kind in ("fk", "o2o") and schema.is_through(model))
            # ProjectState.rename_field() renames the to_field on the
            # referencing operation's field instance: unapplying an AddField
            # of that foreign key then fails, with stock Django too.
            or schema.is_to_field_target(model, field)
        )
    ]


def models_with_renamable_fields(schema, app_label):
    # Not those created or changed in the same migration: on SQLite, stock
    # fails to rename a column that deferred statements of the CreateModel or
    # AddField (indexes, unique_together) refer to.
    return [
        model
        for model in schema.concrete_models(app_label)
        if schema.migration_number not in (model.created_in, model.changed_in)
        and renamable_fields(schema, model)
    ]


def rename_field(draw, schema, app_label):
    candidates = models_with_renamable_fields(schema, app_label)
    model = draw(st.sampled_from(candidates))
    model.changed_in = schema.migration_number
    field = draw(st.sampled_from(renamable_fields(schema, model)))
    field.renamed_in = schema.migration_number
    old_name = field.name
    new_name = schema.new_name("renamed_")
    schema.rename_field(model, old_name, new_name)
    return [migrations.RenameField(model.name, old_name, new_name)]


def renamable_models(schema, app_label):
    return [model for model in schema.models_of(app_label) if schema.can_rename(model)]


def rename_model(draw, schema, app_label):
    model = draw(st.sampled_from(renamable_models(schema, app_label)))
    old_name = model.name
    model.name = schema.new_name("Renamed")
    return [migrations.RenameModel(old_name, model.name)]


def models_to_index(schema, app_label):
    return [
        model for model in schema.concrete_models(app_label) if can_be_indexed(model)
    ]


def models_to_constrain(schema, app_label):
    return [
        model
        for model in schema.concrete_models(app_label)
        if can_be_constrained(model)
    ]


def keep_until_next_migration_on_mariadb(schema, model, index):
    """
    On MariaDB, removing an index or constraint on a foreign key makes the
    schema editor create the foreign key's own index, which the deferred
    statements of a CreateModel or AddField in the same migration create too
    ("Duplicate key name"): such an index or constraint counts as made with
    the model.
    """
    if connection.vendor == "mysql" and any(
        schema.migration_number in (model.created_in, field.added_in)
        for field in foreign_keys_of(model, index)
    ):
        index.created_with_model_in = schema.migration_number


def foreign_keys_of(model, index):
    """The foreign keys and one-to-one fields an index or constraint is on."""
    fields = (model.fields.get(name) for name in index.field_names)
    return [field for field in fields if getattr(field, "kind", None) in ("fk", "o2o")]


def note_index_change(schema, model, index):
    """Record that an index or constraint on these foreign keys changed now."""
    for field in foreign_keys_of(model, index):
        field.index_changed_in = schema.migration_number


def add_index(draw, schema, app_label):
    model = draw(st.sampled_from(models_to_index(schema, app_label)))
    model.changed_in = schema.migration_number
    index = draw(index_specs(schema, model))
    keep_until_next_migration_on_mariadb(schema, model, index)
    note_index_change(schema, model, index)
    model.indexes.append(index)
    return [migrations.AddIndex(model.name, copy.deepcopy(index.definition))]


def models_with(schema, app_label, attribute):
    """Models with indexes or constraints (attribute) in the database."""
    return [
        model
        for model in schema.concrete_models(app_label)
        if schema.existing(getattr(model, attribute))
    ]


def remove_index(draw, schema, app_label):
    model = draw(st.sampled_from(models_with(schema, app_label, "indexes")))
    model.changed_in = schema.migration_number
    index = draw(st.sampled_from(schema.existing(model.indexes)))
    note_index_change(schema, model, index)
    model.indexes.remove(index)
    return [migrations.RemoveIndex(model.name, index.name)]


def rename_index(draw, schema, app_label):
    model = draw(st.sampled_from(models_with(schema, app_label, "indexes")))
    model.changed_in = schema.migration_number
    index = draw(st.sampled_from(schema.existing(model.indexes)))
    old_name = index.name
    index.name = schema.new_name("fz_ix")
    return [migrations.RenameIndex(model.name, index.name, old_name=old_name)]


def add_constraint(draw, schema, app_label):
    model = draw(st.sampled_from(models_to_constrain(schema, app_label)))
    model.changed_in = schema.migration_number
    constraint = draw(constraint_specs(schema, model))
    keep_until_next_migration_on_mariadb(schema, model, constraint)
    note_index_change(schema, model, constraint)
    model.constraints.append(constraint)
    return [migrations.AddConstraint(model.name, copy.deepcopy(constraint.definition))]


def models_to_check_not_valid(schema, app_label):
    if connection.vendor != "postgresql":
        return []
    return [
        model
        for model in schema.concrete_models(app_label)
        if indexable_fields(model, CONDITION_KINDS)
    ]


def add_constraint_not_valid(draw, schema, app_label):
    """
    django.contrib.postgres: a check constraint added NOT VALID, validated
    or not.
    """
    from django.contrib.postgres.operations import (
        AddConstraintNotValid,
        ValidateConstraint,
    )

    model = draw(st.sampled_from(models_to_check_not_valid(schema, app_label)))
    model.changed_in = schema.migration_number
    condition, referenced = condition_on(draw, model)
    name = schema.new_name("fz_ck")
    constraint = models.CheckConstraint(condition=condition, name=name)
    model.constraints.append(IndexSpec(name, frozenset(referenced), constraint))
    operations = [AddConstraintNotValid(model.name, copy.deepcopy(constraint))]
    if draw(st.booleans()):
        operations.append(ValidateConstraint(model.name, name))
    return operations


def remove_constraint(draw, schema, app_label):
    model = draw(st.sampled_from(models_with(schema, app_label, "constraints")))
    model.changed_in = schema.migration_number
    constraint = draw(st.sampled_from(schema.existing(model.constraints)))
    note_index_change(schema, model, constraint)
    model.constraints.remove(constraint)
    return [migrations.RemoveConstraint(model.name, constraint.name)]


def alter_model_table(draw, schema, app_label):
    model = draw(st.sampled_from(schema.concrete_models(app_label)))
    model.changed_in = schema.migration_number
    choices = [schema.new_name("fz_table")]
    if model.db_table:
        choices.append(None)
    model.db_table = draw(st.sampled_from(choices))
    return [migrations.AlterModelTable(model.name, model.db_table)]


def alter_model_table_comment(draw, schema, app_label):
    model = draw(st.sampled_from(schema.concrete_models(app_label)))
    choices = ["Another comment"] + ([None] if model.db_table_comment else [])
    model.db_table_comment = draw(st.sampled_from(choices))
    return [migrations.AlterModelTableComment(model.name, model.db_table_comment)]


def models_for_unique_together(schema, app_label):
    # Not twice in one migration: unapplying two AlterUniqueTogether of a
    # model in one migration fails with stock Django too (the unique index
    # already exists).
    return [
        model
        for model in schema.concrete_models(app_label)
        if indexable_fields(model)
        and model.unique_together_changed_in != schema.migration_number
    ]


def alter_unique_together(draw, schema, app_label):
    model = draw(st.sampled_from(models_for_unique_together(schema, app_label)))
    model.changed_in = schema.migration_number
    model.unique_together_changed_in = schema.migration_number
    names = [field.name for field in indexable_fields(model)]
    # Pairs only: a single unique field in unique_together (a one-to-one
    # field...) gives the column two unique indexes, which stock Django then
    # fails to tell apart when it drops one.
    choices = [set()]
    if len(names) >= 2:
        choices += [{tuple(names[:2])}, {tuple(names[-2:])}]
    together = draw(st.sampled_from(choices))
    model.unique_together = sorted(together)
    return [migrations.AlterUniqueTogether(model.name, together)]


def order_with_respect_to_candidates(model):
    if model.parent is not None or not model.concrete or model.has_composite_pk:
        return []
    return [
        field
        for field in model.fields.values()
        if field.kind == "fk" and field.target is not model
    ]


def models_for_order_with_respect_to(schema, app_label):
    return [
        model
        for model in schema.concrete_models(app_label)
        if order_with_respect_to_candidates(model) or model.order_with_respect_to
    ]


def alter_order_with_respect_to(draw, schema, app_label):
    model = draw(st.sampled_from(models_for_order_with_respect_to(schema, app_label)))
    model.changed_in = schema.migration_number
    choices = [field.name for field in order_with_respect_to_candidates(model)]
    if model.order_with_respect_to:
        choices = [None] + choices
    model.order_with_respect_to = draw(st.sampled_from(choices))
    return [migrations.AlterOrderWithRespectTo(model.name, model.order_with_respect_to)]


def run_sql(draw, schema, app_label):
    if draw(st.booleans()):
        table = connection.ops.quote_name(schema.new_name("fz_sql"))
        column = connection.ops.quote_name("id")
        return [
            migrations.RunSQL(
                [f"CREATE TABLE {table} ({column} integer NOT NULL PRIMARY KEY)"],
                [f"DROP TABLE {table}"],
            )
        ]
    return [migrations.RunSQL([("SELECT %s", [1])], migrations.RunSQL.noop)]


def run_python(draw, schema, app_label):
    reverse = draw(st.sampled_from([runpython.count_rows, migrations.RunPython.noop]))
    return [migrations.RunPython(runpython.count_rows, reverse)]


WRAPPABLE = ["add_field", "add_index", "add_constraint", "alter_field"]


def separate_database_and_state(draw, schema, app_label):
    """The same operations on both sides, as when moving a model between apps."""
    name = draw(
        st.sampled_from(
            [name for name in WRAPPABLE if OPERATIONS[name][0](schema, app_label)]
        )
    )
    operations = OPERATIONS[name][1](draw, schema, app_label)
    return [
        migrations.SeparateDatabaseAndState(
            database_operations=operations, state_operations=copy.deepcopy(operations)
        )
    ]


def always(schema, app_label):
    return True


# name: (applicable(schema, app_label), generate(draw, schema, app_label)).
OPERATIONS = {
    "create_model": (always, create_model),
    "add_field": (lambda s, a: bool(field_owners(s, a)), add_field),
    "alter_field": (
        lambda s, a: bool(models_with_alterable_fields(s, a)),
        alter_field,
    ),
    "remove_field": (
        lambda s, a: bool(models_with_removable_fields(s, a)),
        remove_field,
    ),
    "rename_field": (
        lambda s, a: bool(models_with_renamable_fields(s, a)),
        rename_field,
    ),
    "delete_model": (lambda s, a: bool(deletable_models(s, a)), delete_model),
    "rename_model": (lambda s, a: bool(renamable_models(s, a)), rename_model),
    "create_child_model": (lambda s, a: bool(relation_targets(s)), create_child_model),
    "create_proxy_model": (lambda s, a: bool(relation_targets(s)), create_proxy_model),
    "add_many_to_many_through": (
        # The owner is one of the targets.
        lambda s, a: bool(many_to_many_owners(s, a)) and len(relation_targets(s)) >= 2,
        add_many_to_many_through,
    ),
    "add_index": (
        lambda s, a: bool(models_to_index(s, a)),
        add_index,
    ),
    "remove_index": (lambda s, a: bool(models_with(s, a, "indexes")), remove_index),
    "rename_index": (lambda s, a: bool(models_with(s, a, "indexes")), rename_index),
    "add_constraint": (
        lambda s, a: bool(models_to_constrain(s, a)),
        add_constraint,
    ),
    "remove_constraint": (
        lambda s, a: bool(models_with(s, a, "constraints")),
        remove_constraint,
    ),
    "add_constraint_not_valid": (
        lambda s, a: bool(models_to_check_not_valid(s, a)),
        add_constraint_not_valid,
    ),
    "alter_model_table": (
        lambda s, a: bool(s.concrete_models(a)),
        alter_model_table,
    ),
    "alter_model_table_comment": (
        lambda s, a: bool(s.concrete_models(a)),
        alter_model_table_comment,
    ),
    "alter_unique_together": (
        lambda s, a: bool(models_for_unique_together(s, a)),
        alter_unique_together,
    ),
    "alter_order_with_respect_to": (
        lambda s, a: bool(models_for_order_with_respect_to(s, a)),
        alter_order_with_respect_to,
    ),
    "run_sql": (always, run_sql),
    "run_python": (always, run_python),
    "separate_database_and_state": (
        lambda s, a: any(OPERATIONS[name][0](s, a) for name in WRAPPABLE),
        separate_database_and_state,
    ),
}


CHANGES = {
    "add_field",
    "alter_field",
    "remove_field",
    "rename_field",
    "delete_model",
    "rename_model",
    "add_index",
    "rename_index",
    "add_constraint",
    "alter_order_with_respect_to",
}


@st.composite
def histories(draw, max_migrations=5, max_operations=4, compared_with_stock=False):
    schema = Schema(compared_with_stock)
    migration_specs = []
    for number in range(1, draw(st.integers(1, max_migrations)) + 1):
        schema.migration_number = number
        app_label = draw(st.sampled_from(APP_LABELS))
        operations = []
        for _ in range(draw(st.integers(1, max_operations))):
            names = [
                name
                for name, (applicable, _) in OPERATIONS.items()
                if applicable(schema, app_label)
            ]
            # Changes to existing models twice as often as the rest.
            names += [name for name in names if name in CHANGES]
            if not schema.models_of(app_label):
                # Nothing to work on yet: create models more often.
                names = ["create_model"] * 2 + names
            name = draw(st.sampled_from(names))
            operations.extend(OPERATIONS[name][1](draw, schema, app_label))
        migration_specs.append(
            MigrationSpec(app_label, f"{number:04d}_fuzz", [], operations)
        )
    return History(chain(migration_specs))


def chain(migration_specs):
    """
    Name and link the migrations: each depends on its app's previous
    migration (as makemigrations writes) and on the previous one of the
    history, so that the history applies in order.
    """
    for number, migration in enumerate(migration_specs, 1):
        migration.name = f"{number:04d}_fuzz"
        migration.dependencies = []
        earlier = migration_specs[: number - 1]
        for previous in reversed(earlier):
            if previous.app_label == migration.app_label:
                migration.dependencies.append((previous.app_label, previous.name))
                break
        if earlier and earlier[-1].app_label != migration.app_label:
            migration.dependencies.append((earlier[-1].app_label, earlier[-1].name))
        if migration.app_label != SWAPPED_IN_APP and any(
            points_to_swapped_in(field) for field in fields_of(migration.operations)
        ):
            migration.dependencies.append(SWAPPABLE_DEPENDENCY)
    return migration_specs


def fields_of(operations):
    """The fields that operations define (add, alter, create models with)."""
    for operation in operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            yield from fields_of(operation.database_operations)
            yield from fields_of(operation.state_operations)
        elif isinstance(operation, migrations.CreateModel):
            yield from (field for _, field in operation.fields)
        elif isinstance(operation, (migrations.AddField, migrations.AlterField)):
            yield operation.field


def points_to_swapped_in(field):
    """Whether field is a relation to the model AUTH_USER_MODEL points to."""
    remote_field = field.remote_field
    return (
        remote_field is not None
        and isinstance(remote_field.model, str)
        and remote_field.model.lower() == SWAPPED_IN_MODEL.lower()
    )
