"""Migration histories that end exactly in the final model state.

Approach: plan a set of *events* against the final state (AddField, RenameModel,
...); undo them in reverse chronological order to obtain the state of each
app's 0001_initial; then replay them in order, rendering each event as a
migration operation from the state just before it.  Replaying must reproduce
the final state exactly (checked with ``fingerprint``), which is what makes
``makemigrations --check`` report no changes.

Rules that keep every migration applicable forwards and backwards on SQLite,
PostgreSQL and MariaDB (tables may hold rows inserted by RunPython):

* each field / index / constraint is touched by at most one event; fields
  tagged frozen/locked/inherited/pk are never touched;
* fields added or removed (so re-added backwards) are nullable or have a default;
* models referenced from other apps, MTI parents/children, proxy targets and
  M2M-through structures are never renamed; only unreferenced "transient"
  models are deleted;
* late-created models are a suffix of their app's model list, so references
  inside the app always point to models created earlier.
"""

from __future__ import annotations

import random

from . import render as R
from .spec import (
    CONTENTTYPE,
    USER,
    Code,
    ConstraintSpec,
    FieldSpec,
    IndexSpec,
    ModelSpec,
    is_addable,
    lit,
    scalar_kw,
)

EVENT_TYPES = [
    "CreateModel",
    "DeleteModel",
    "AddField",
    "RemoveField",
    "RenameField",
    "AlterField",
    "RenameModel",
    "AlterModelTable",
    "AlterModelTableComment",
    "AlterModelOptions",
    "AlterOrderWithRespectTo",
    "AlterUniqueTogether",
    "AddIndex",
    "RemoveIndex",
    "RenameIndex",
    "AddConstraint",
    "RemoveConstraint",
]

EDITABLE_KINDS = (
    "regular",
    "hub",
    "uuidpk",
    "composite",
    "mti",
    "through",
    "unmanaged",
)


# --------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------


class Event:
    type = "?"

    def __init__(self, app, mid=None):
        self.app = app
        self.mid = mid
        self.mig = None  # migration number (2..)

    def undo(self, st):
        raise NotImplementedError

    def redo(self, st, ctx):
        raise NotImplementedError

    def fragment(self, st):
        return self.type.lower()


class CreateModelEv(Event):
    type = "CreateModel"

    def __init__(self, app, mid):
        super().__init__(app, mid)
        self.model = None
        self.links = []  # (owner mid, FieldSpec) re-added after creation

    def undo(self, st):
        for owner in st.app_models(self.app):
            if owner.mid == self.mid:
                continue
            for f in list(owner.fields):
                if f.through == self.mid or f.to == self.mid:
                    owner.fields.remove(f)
                    self.links.insert(0, (owner.mid, f))
        self.model = st.remove(self.mid)

    def redo(self, st, ctx):
        st.add(self.model)
        ops = [R.create_model_op(st, self.model, ctx)]
        for owner_mid, f in self.links:
            owner = st.models[owner_mid]
            owner.fields.append(f)
            ops.append(R.add_field_op(st, owner, f, ctx))
        return ops

    def fragment(self, st):
        return self.model.lower


class DeleteModelEv(Event):
    type = "DeleteModel"

    def __init__(self, app, model):
        super().__init__(app, model.mid)
        self.model = model

    def undo(self, st):
        st.add(self.model)

    def redo(self, st, ctx):
        m = st.remove(self.mid)
        return [R.simple_op("DeleteModel", name=repr(m.name))]

    def fragment(self, st):
        return f"delete_{self.model.lower}"


class AddFieldEv(Event):
    type = "AddField"

    def __init__(self, app, mid, fid):
        super().__init__(app, mid)
        self.fid = fid
        self.field = None

    def undo(self, st):
        m = st.models[self.mid]
        self.field = m.field(self.fid)
        m.fields.remove(self.field)

    def redo(self, st, ctx):
        m = st.models[self.mid]
        m.fields.append(self.field)
        return [R.add_field_op(st, m, self.field, ctx)]

    def fragment(self, st):
        return f"{st.models[self.mid].lower}_{self.field.name}"


class RemoveFieldEv(Event):
    type = "RemoveField"

    def __init__(self, app, mid, field):
        super().__init__(app, mid)
        self.field = field

    def undo(self, st):
        st.models[self.mid].fields.append(self.field)

    def redo(self, st, ctx):
        m = st.models[self.mid]
        m.fields.remove(m.field(self.field.fid))
        return [
            R.simple_op(
                "RemoveField", model_name=repr(m.lower), name=repr(self.field.name)
            )
        ]

    def fragment(self, st):
        return f"remove_{st.models[self.mid].lower}_{self.field.name}"


class RenameFieldEv(Event):
    type = "RenameField"

    def __init__(self, app, mid, fid, old, new):
        super().__init__(app, mid)
        self.fid, self.old, self.new = fid, old, new

    def undo(self, st):
        st.models[self.mid].field(self.fid).name = self.old

    def redo(self, st, ctx):
        m = st.models[self.mid]
        m.field(self.fid).name = self.new
        return [
            R.simple_op(
                "RenameField",
                model_name=repr(m.lower),
                old_name=repr(self.old),
                new_name=repr(self.new),
            )
        ]

    def fragment(self, st):
        return f"rename_{self.old}_{st.models[self.mid].lower}_{self.new}"


class AlterFieldEv(Event):
    type = "AlterField"

    def __init__(self, app, mid, fid, old_variant):
        super().__init__(app, mid)
        self.fid = fid
        self.old_variant = old_variant
        self.new = None

    def _replace(self, st, field):
        m = st.models[self.mid]
        for i, f in enumerate(m.fields):
            if f.fid == self.fid:
                m.fields[i] = field
                return f
        raise KeyError(self.fid)

    def undo(self, st):
        self.new = self._replace(st, self.old_variant)

    def redo(self, st, ctx):
        self._replace(st, self.new)
        m = st.models[self.mid]
        return [R.alter_field_op(st, m, self.new, ctx)]

    def fragment(self, st):
        return f"alter_{st.models[self.mid].lower}_{self.new.name}"


class RenameModelEv(Event):
    type = "RenameModel"

    def __init__(self, app, mid, old, new):
        super().__init__(app, mid)
        self.old, self.new = old, new

    def undo(self, st):
        st.models[self.mid].name = self.old

    def redo(self, st, ctx):
        st.models[self.mid].name = self.new
        if st.contrib:
            # contrib.contenttypes injects a RenameContentType operation after
            # each RenameModel; backwards, it needs ContentType in the
            # migration's state.
            ctx.depend_on_model(CONTENTTYPE)
        return [
            R.simple_op("RenameModel", old_name=repr(self.old), new_name=repr(self.new))
        ]

    def fragment(self, st):
        return f"rename_{self.old.lower()}_{self.new.lower()}"


class OptionEv(Event):
    """Replaces some option keys.

    ``old``/``new`` map key -> value (a missing key means the option is absent).
    """

    keys = ()

    def __init__(self, app, mid, old, new):
        super().__init__(app, mid)
        self.old, self.new = old, new

    def _set(self, st, values):
        opts = st.models[self.mid].options
        for k in self.keys:
            opts.pop(k, None)
            if k in values and values[k] is not None:
                opts[k] = values[k]

    def undo(self, st):
        self._set(st, self.old)

    def redo(self, st, ctx):
        self._set(st, self.new)
        return [self.op(st.models[self.mid], ctx)]


class AlterModelTableEv(OptionEv):
    type = "AlterModelTable"
    keys = ("db_table",)

    def op(self, m, ctx):
        return R.simple_op(
            "AlterModelTable", name=repr(m.lower), table=repr(self.new.get("db_table"))
        )

    def fragment(self, st):
        return f"alter_{st.models[self.mid].lower}_table"


class AlterTableCommentEv(OptionEv):
    type = "AlterModelTableComment"
    keys = ("db_table_comment",)

    def op(self, m, ctx):
        return R.simple_op(
            "AlterModelTableComment",
            name=repr(m.lower),
            table_comment=repr(self.new.get("db_table_comment")),
        )

    def fragment(self, st):
        return f"alter_{st.models[self.mid].lower}_table_comment"


class AlterOptionsEv(OptionEv):
    type = "AlterModelOptions"
    keys = ("ordering", "verbose_name", "verbose_name_plural")

    def op(self, m, ctx):
        opts = {k: m.options[k] for k in self.keys if k in m.options}
        body = ", ".join(f"{k!r}: {v!r}" for k, v in opts.items())
        return R.simple_op(
            "AlterModelOptions", name=repr(m.lower), options="{" + body + "}"
        )

    def fragment(self, st):
        return f"alter_{st.models[self.mid].lower}_options"


class AlterOWREv(OptionEv):
    type = "AlterOrderWithRespectTo"
    keys = ("order_with_respect_to",)

    def op(self, m, ctx):
        return R.simple_op(
            "AlterOrderWithRespectTo",
            name=repr(m.lower),
            order_with_respect_to=repr(self.new.get("order_with_respect_to")),
        )

    def fragment(self, st):
        return f"alter_{st.models[self.mid].lower}_order_with_respect_to"


class AlterUniqueTogetherEv(OptionEv):
    type = "AlterUniqueTogether"
    keys = ("unique_together",)

    def op(self, m, ctx):
        return R.simple_op(
            "AlterUniqueTogether",
            name=repr(m.lower),
            unique_together=R.together_literal(self.new.get("unique_together") or []),
        )

    def fragment(self, st):
        return f"alter_{st.models[self.mid].lower}_unique_together"


class _ListItemEv(Event):
    """Adds or removes one index/constraint (``attr`` is the options key)."""

    attr = "indexes"
    adds = True

    def __init__(self, app, mid, item):
        super().__init__(app, mid)
        self.item = item

    def _remove(self, st):
        items = st.models[self.mid].options[self.attr]
        for i, x in enumerate(items):
            if x.name == self.item.name:
                del items[i]
                return
        raise KeyError(self.item.name)

    def _add(self, st):
        st.models[self.mid].options[self.attr].append(self.item)

    def undo(self, st):
        self._remove(st) if self.adds else self._add(st)

    def redo(self, st, ctx):
        m = st.models[self.mid]
        if self.adds:
            self._add(st)
            key = "index" if self.attr == "indexes" else "constraint"
            return [
                R.simple_op(
                    self.type,
                    model_name=repr(m.lower),
                    **{key: ctx.use(self.item.code())},
                )
            ]
        self._remove(st)
        return [
            R.simple_op(self.type, model_name=repr(m.lower), name=repr(self.item.name))
        ]

    def fragment(self, st):
        return f"{st.models[self.mid].lower}_{self.item.name}"


class AddIndexEv(_ListItemEv):
    type, attr, adds = "AddIndex", "indexes", True


class RemoveIndexEv(_ListItemEv):
    type, attr, adds = "RemoveIndex", "indexes", False


class AddConstraintEv(_ListItemEv):
    type, attr, adds = "AddConstraint", "constraints", True


class RemoveConstraintEv(_ListItemEv):
    type, attr, adds = "RemoveConstraint", "constraints", False


class RenameIndexEv(Event):
    type = "RenameIndex"

    def __init__(self, app, mid, new, old):
        super().__init__(app, mid)
        self.new, self.old = new, old

    def _rename(self, st, a, b):
        for x in st.models[self.mid].options["indexes"]:
            if x.name == a:
                x.name = b
                return
        raise KeyError(a)

    def undo(self, st):
        self._rename(st, self.new, self.old)

    def redo(self, st, ctx):
        self._rename(st, self.old, self.new)
        m = st.models[self.mid]
        return [
            R.simple_op(
                "RenameIndex",
                model_name=repr(m.lower),
                new_name=repr(self.new),
                old_name=repr(self.old),
            )
        ]

    def fragment(self, st):
        return f"rename_{self.old}_{self.new}"


class RunPythonEv(Event):
    type = "RunPython"

    def __init__(self, app, r, seed):
        super().__init__(app)
        self.r = r
        self.rng = random.Random(seed * 1000003 + r)
        self.target_name = None

    def undo(self, st):
        pass

    def redo(self, st, ctx):
        return [runpython_op(st, self, ctx)]

    def fragment(self, st):
        return f"seed_{(self.target_name or 'data').lower()}"


# --------------------------------------------------------------------------
# RunPython data migrations
# --------------------------------------------------------------------------

ROWS = 3


def seed_value(f, r, i, imports):
    cls = f.cls
    text = f"seed-{r}-{i}"
    if cls in ("CharField", "SlugField"):
        ml = int(f.kw["max_length"].m) if "max_length" in f.kw else 255
        return repr(text[:ml])
    if cls == "EmailField":
        return repr(f"seed{r}.{i}@example.com")
    if cls == "TextField":
        return repr(f"seed text {r}-{i}")
    if cls in (
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
    ):
        return repr(i + 1)
    if cls == "DecimalField":
        imports.add("import decimal")
        return "decimal.Decimal('1.50')"
    if cls == "FloatField":
        return "1.5"
    if cls == "BooleanField":
        return "True"
    if cls == "DateField":
        imports.add("import datetime")
        return f"datetime.date(2024, 1, {i + 1})"
    if cls == "DateTimeField":
        imports.add("import datetime")
        return (
            f"datetime.datetime(2024, 1, {i + 1}, 12, 0, tzinfo=datetime.timezone.utc)"
        )
    if cls == "DurationField":
        imports.add("import datetime")
        return f"datetime.timedelta(minutes={i + 1})"
    if cls == "UUIDField":
        imports.add("import uuid")
        return f"uuid.UUID(int={r * 100 + i + 1})"
    if cls == "JSONField":
        return repr({"seed": r, "row": i})
    if cls == "BinaryField":
        return "b'seed'"
    return None


def runpython_eligible(m):
    if m.kind not in ("regular", "hub", "uuidpk"):
        return False
    mk = m.marker
    if mk is None or mk.name != "name" or "order_with_respect_to" in m.options:
        return False
    for f in m.fields:
        if f.is_relation and not f.is_m2m and not f.null and "default" not in f.kw:
            return False
    return True


def runpython_op(st, ev, ctx):
    models = st.app_models(ev.app)
    eligible = [m for m in models if runpython_eligible(m)]
    r = ev.r
    fn, rev = f"seed_{r}", f"unseed_{r}"
    if not eligible:
        concrete = [m for m in models if m.kind not in ("proxy", "unmanaged")] or models
        m = ev.rng.choice(concrete)
        ev.target_name = m.name
        ctx.funcs.append(
            f"def {fn}(apps, schema_editor):\n"
            f"    Model = apps.get_model({ev.app!r}, {m.name!r})\n"
            f"    Model.objects.count()\n"
        )
        return f"        migrations.RunPython({fn}, migrations.RunPython.noop),"
    m = ev.rng.choice(eligible)
    ev.target_name = m.name
    imports = set()
    rows = []
    for i in range(ROWS):
        kws = []
        for f in m.fields:
            if (
                f.is_relation
                or not f.concrete
                or f.cls == "GeneratedField"
                or "pk" in f.tags
                or "default" in f.kw
                or "db_default" in f.kw
                or "auto_now" in f.kw
                or "auto_now_add" in f.kw
            ):
                continue
            v = seed_value(f, r, i, imports)
            if v is not None:
                kws.append(f"{f.name}={v}")
        rows.append(f"        Model({', '.join(kws)}),")
    ctx.imports.update(imports)
    marker = f"seed-{r}-"
    names = [seed_value(m.marker, r, i, set())[1:-1] for i in range(ROWS)]
    ctx.funcs.append(
        f"def {fn}(apps, schema_editor):\n"
        f"    Model = apps.get_model({ev.app!r}, {m.name!r})\n"
        f"    Model.objects.bulk_create([\n" + "\n".join(rows) + "\n    ])\n"
        f"    if Model.objects.filter(name__startswith={marker!r}).count() != {ROWS}:\n"
        f"        raise RuntimeError('seed rows missing')\n"
        f"\n\n"
        f"def {rev}(apps, schema_editor):\n"
        f"    Model = apps.get_model({ev.app!r}, {m.name!r})\n"
        "    # Not QuerySet.delete(): the deletion collector follows reverse\n"
        "    # relations, which can point to stale model classes in the state of a\n"
        "    # backwards migration. The seed rows have no dependents.\n"
        "    qn = schema_editor.quote_name\n"
        "    table = qn(Model._meta.db_table)\n"
        "    column = qn(Model._meta.get_field('name').column)\n"
        "    with schema_editor.connection.cursor() as cursor:\n"
        "        cursor.execute(\n"
        f"            f'DELETE FROM {{table}} WHERE {{column}} IN (%s, %s, %s)',\n"
        f"            {names!r},\n"
        "        )\n"
    )
    return f"        migrations.RunPython({fn}, {rev}),"


# --------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------


class Planner:
    def __init__(self, final, seed, runpython, fid_start, shape):
        self.final = final
        self.st = final.copy()
        self.seed = seed
        self.rng = random.Random(seed * 104729 + 3)
        self.runpython = runpython
        self.shape = shape
        self.next_fid = fid_start
        self.next_mid = 1_000_000
        self.events = {app: [] for app in final.apps}
        self.n_migrations = {}
        self.late = set()
        self.used_fields = set()
        self.used_items = set()  # index / constraint names
        self.used_model_keys = set()  # (mid, what)
        self.family_names = {}  # MTI root mid -> field names
        self.counts = {t: 0 for t in EVENT_TYPES}

    def fid(self):
        self.next_fid += 1
        return self.next_fid

    # ---- eligibility helpers ------------------------------------------------

    def models(self, app):
        return [m for m in self.st.app_models(app)]

    def referenced_from_other_apps(self, mid):
        st = self.st
        app = st.models[mid].app
        for m in st.models.values():
            if m.app == app:
                continue
            if m.parent == mid:
                return True
            for f in m.fields:
                if f.to == mid or f.through == mid:
                    return True
        return False

    def is_structural(self, mid):
        """MTI parent/child, proxy target, through model, M2M-through owner."""
        st = self.st
        m = st.models[mid]
        if m.kind in ("mti", "proxy", "through"):
            return True
        if any(f.through is not None for f in m.fields):
            return True
        return any(o.parent == mid for o in st.models.values())

    def editable(self, m):
        return m.kind in EDITABLE_KINDS and m.mid not in self.late

    def free_fields(self, m):
        return [
            f
            for f in m.fields
            if not f.tags & {"frozen", "locked", "inherited", "pk", "marker"}
            and f.fid not in self.used_fields
        ]

    def v1_targets(self, app, exclude=()):
        return [
            m.mid
            for m in self.st.app_models(app)
            if m.kind in ("regular", "hub", "uuidpk", "mti")
            and m.mid not in self.late
            and m.mid not in exclude
        ]

    def pk_family(self, mid):
        m = self.st.models[mid]
        while m.kind == "mti":
            m = self.st.models[m.parent]
        return "uuid" if m.kind == "uuidpk" else "int"

    def taken_names(self, m):
        """Field names used anywhere in m's MTI family, in any state (the
        final names plus every name allocated for history): a child must not
        clash with a parent field at any point of the history."""
        root = m
        while root.kind == "mti":
            root = self.st.models[root.parent]
        if root.mid not in self.family_names:
            names = set()
            for other in self.st.models.values():
                r = other
                while r.kind == "mti":
                    r = self.st.models[r.parent]
                if r.mid == root.mid:
                    names |= {f.name for f in other.fields}
            self.family_names[root.mid] = names
        return self.family_names[root.mid]

    # ---- candidate actions (return an Event or None) ----------------------

    def try_add_field(self, m):
        for f in self.free_fields(m):
            if not is_addable(f):
                continue
            if f.to not in (None, USER, CONTENTTYPE) and f.to in self.late:
                continue
            if f.through is not None:
                continue
            self.used_fields.add(f.fid)
            return AddFieldEv(m.app, m.mid, f.fid)
        return None

    def try_rename_field(self, m):
        for f in self.free_fields(m):
            if f.cls == "JSONField":  # MariaDB keeps JSON_VALID(old name) checks
                continue
            old = f"old_{f.name}"
            if old in self.taken_names(m):
                continue
            self.taken_names(m).add(old)
            self.used_fields.add(f.fid)
            return RenameFieldEv(m.app, m.mid, f.fid, old, f.name)
        return None

    def try_alter_field(self, m):
        fields = self.free_fields(m)
        self.rng.shuffle(fields)
        for f in fields:
            variants = self.alter_variants(m, f)
            if variants:
                self.used_fields.add(f.fid)
                return AlterFieldEv(m.app, m.mid, f.fid, self.rng.choice(variants))
        return None

    def alter_variants(self, m, f):
        out = []

        def variant(**changes):
            v = f.copy()
            for k, val in changes.items():
                if k == "_cls":
                    v.cls = val
                elif k == "_to":
                    v.to = val
                elif k == "_on_delete":
                    v.on_delete = val
                elif val is None:
                    v.kw.pop(k, None)
                else:
                    v.kw[k] = val
            out.append(v)

        kw = f.kw
        if f.is_m2m:
            if "db_table" in kw:
                variant(db_table=None)
            if "blank" in kw:
                variant(blank=None)
            return out
        if f.is_relation:
            if f.on_delete == "SET_NULL" and f.null:
                variant(_on_delete="CASCADE", null=None, blank=None)
            if f.cls == "ForeignKey" and f.null and f.to not in (USER, CONTENTTYPE):
                # same primary key family (uuid -> bigint cannot be cast)
                family = self.pk_family(f.to)
                others = [
                    t
                    for t in self.v1_targets(m.app, exclude=(f.to,))
                    if self.pk_family(t) == family
                ]
                if others:
                    variant(_to=self.rng.choice(others), related_name=lit("+"))
            if "db_index" not in kw:
                variant(db_index=lit(False))
            return out
        if f.cls == "GeneratedField":
            return out
        cls = f.cls
        if cls == "CharField":
            ml = int(kw["max_length"].m)
            if ml >= 60:
                variant(max_length=lit(max(30, ml // 2)))
        if cls == "TextField":
            variant(_cls="CharField", max_length=lit(255))
        if cls in ("IntegerField", "PositiveIntegerField"):
            variant(_cls="SmallIntegerField")
        if cls == "BigIntegerField":
            variant(_cls="IntegerField")
        if cls == "DecimalField":
            variant(max_digits=lit(8))
        if f.null and "default" not in kw and cls not in ("BinaryField", "JSONField"):
            variant(null=None, blank=None)
        if "default" in kw and cls in (
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
        ):
            variant(default=lit(int(kw["default"].m) + 5))
        if "help_text" in kw:
            variant(help_text=None)
        if "db_index" in kw:
            variant(db_index=None)
        elif cls in ("CharField", "IntegerField") and "unique" not in kw:
            variant(db_index=lit(True))
        if "db_default" in kw:
            variant(db_default=None, null=lit(True))
        if "unique" in kw:
            variant(unique=None)
        if "db_comment" not in kw and cls not in ("JSONField",):
            variant(db_comment=lit("Legacy column"))
        return out

    def try_remove_field(self, m):
        if m.kind == "proxy":
            return None
        taken = self.taken_names(m)
        n = 1
        while f"legacy_{n}" in taken:
            n += 1
        name = f"legacy_{n}"
        taken.add(name)
        choice = self.rng.randrange(6)
        fid = self.fid()
        targets = self.v1_targets(m.app, exclude=())
        if choice == 4 and targets:
            f = FieldSpec(
                fid,
                name,
                "ForeignKey",
                {"null": lit(True), "blank": lit(True), "related_name": lit("+")},
                to=self.rng.choice(targets),
                on_delete="SET_NULL",
                tags=("transient",),
            )
        elif choice == 5 and targets and m.kind not in ("composite", "unmanaged"):
            # (an M2M on an unmanaged model gets a "managed" through table that
            # CreateModel never creates; RenameModel of the target would fail)
            f = FieldSpec(
                fid,
                name,
                "ManyToManyField",
                {"blank": lit(True), "related_name": lit("+")},
                to=self.rng.choice(targets),
                tags=("transient",),
            )
        else:
            cls = [
                "CharField",
                "IntegerField",
                "BooleanField",
                "TextField",
                "CharField",
                "IntegerField",
            ][choice]
            f = FieldSpec(
                fid,
                name,
                cls,
                scalar_kw(self.rng, cls, addable_only=True),
                tags=("transient",),
            )
        return RemoveFieldEv(m.app, m.mid, f)

    def try_rename_model(self, m):
        key = (m.mid, "table")
        if (
            key in self.used_model_keys
            or m.kind not in ("regular", "hub", "uuidpk", "composite")
            or self.is_structural(m.mid)
            or self.referenced_from_other_apps(m.mid)
        ):
            return None
        self.used_model_keys.add(key)
        return RenameModelEv(m.app, m.mid, f"Old{m.name}", m.name)

    def try_alter_model_table(self, m):
        key = (m.mid, "table")
        if key in self.used_model_keys or m.kind in ("proxy", "unmanaged"):
            return None
        self.used_model_keys.add(key)
        new = {"db_table": m.options["db_table"]} if "db_table" in m.options else {}
        old = {} if new else {"db_table": f"old_{m.app}_{m.lower}"}
        return AlterModelTableEv(m.app, m.mid, old, new)

    def try_alter_table_comment(self, m):
        key = (m.mid, "comment")
        if key in self.used_model_keys or m.kind in ("proxy", "unmanaged"):
            return None
        self.used_model_keys.add(key)
        cur = m.options.get("db_table_comment")
        new = {"db_table_comment": cur} if cur else {}
        old = {} if cur else {"db_table_comment": "Legacy table"}
        return AlterTableCommentEv(m.app, m.mid, old, new)

    def try_alter_options(self, m):
        key = (m.mid, "options")
        if key in self.used_model_keys or m.kind == "unmanaged":
            return None
        self.used_model_keys.add(key)
        keys = AlterOptionsEv.keys
        new = {k: m.options[k] for k in keys if k in m.options}
        old = {} if new else {"verbose_name": f"old {m.noun.lower()}"}
        return AlterOptionsEv(m.app, m.mid, old, new)

    def try_alter_owr(self, m):
        key = (m.mid, "owr")
        if key in self.used_model_keys or "order_with_respect_to" not in m.options:
            return None
        self.used_model_keys.add(key)
        return AlterOWREv(
            m.app,
            m.mid,
            {},
            {"order_with_respect_to": m.options["order_with_respect_to"]},
        )

    def try_alter_unique_together(self, m):
        key = (m.mid, "ut")
        if key in self.used_model_keys or m.kind in ("proxy", "unmanaged"):
            return None
        cur = m.options.get("unique_together")
        if cur:
            self.used_model_keys.add(key)
            return AlterUniqueTogetherEv(
                m.app, m.mid, {}, {"unique_together": list(cur)}
            )
        mk = m.marker
        if mk is None:
            return None
        self.used_model_keys.add(key)
        return AlterUniqueTogetherEv(
            m.app, m.mid, {"unique_together": [(mk.name,)]}, {}
        )

    def try_add_index(self, m):
        for idx in m.options["indexes"]:
            if idx.name not in self.used_items:
                self.used_items.add(idx.name)
                return AddIndexEv(m.app, m.mid, idx)
        return None

    def try_rename_index(self, m):
        for idx in m.options["indexes"]:
            if idx.name not in self.used_items and idx.plain:
                self.used_items.add(idx.name)
                old = (
                    (idx.name[:27] + "_v1") if len(idx.name) > 27 else idx.name + "_v1"
                )
                return RenameIndexEv(m.app, m.mid, idx.name, old)
        return None

    def try_add_constraint(self, m):
        for c in m.options["constraints"]:
            if c.name not in self.used_items:
                self.used_items.add(c.name)
                return AddConstraintEv(m.app, m.mid, c)
        return None

    def item_prefix(self, m):
        return m.lower

    def try_remove_index(self, m):
        mk = m.marker
        if mk is None or m.kind in ("proxy", "unmanaged"):
            return None
        name = f"{self.item_prefix(m)}_old_ix"
        if name in self.used_items:
            return None
        self.used_items.add(name)
        return RemoveIndexEv(m.app, m.mid, IndexSpec(name, [mk.name]))

    def try_remove_constraint(self, m):
        mk = m.marker
        if mk is None or m.kind in ("proxy", "unmanaged"):
            return None
        name = f"{self.item_prefix(m)}_old_ck"
        if name in self.used_items:
            return None
        self.used_items.add(name)
        if self.rng.random() < 0.5:
            c = ConstraintSpec(
                "check", name, condition=Code(f"~models.Q({mk.name}='')")
            )
        else:
            c = ConstraintSpec("unique", name, [mk.name])
        return RemoveConstraintEv(m.app, m.mid, c)

    ACTIONS = [
        ("AddField", "try_add_field", 0.3),
        ("RenameField", "try_rename_field", 0.12),
        ("AlterField", "try_alter_field", 0.3),
        ("RemoveField", "try_remove_field", 0.15),
        ("RenameModel", "try_rename_model", 0.05),
        ("AlterModelTable", "try_alter_model_table", 0.04),
        ("AlterModelTableComment", "try_alter_table_comment", 0.03),
        ("AlterModelOptions", "try_alter_options", 0.05),
        ("AlterOrderWithRespectTo", "try_alter_owr", 0.4),
        ("AlterUniqueTogether", "try_alter_unique_together", 0.06),
        ("AddIndex", "try_add_index", 0.3),
        ("RenameIndex", "try_rename_index", 0.15),
        ("AddConstraint", "try_add_constraint", 0.3),
        ("RemoveIndex", "try_remove_index", 0.06),
        ("RemoveConstraint", "try_remove_constraint", 0.06),
    ]

    # ---- plan ----------------------------------------------------------------

    def plan(self):
        rng = self.rng
        st = self.st
        for ai, app in enumerate(st.apps):
            models = self.models(app)
            if self.shape == "initial":
                self.n_migrations[app] = 1
                continue
            n_mig = 3 + min(6, len(models) // 12) + rng.randrange(2)
            self.n_migrations[app] = n_mig
            # late-created models: a suffix of the app (never the hub)
            n_late = min(
                len(models) - 1, max(1 if len(models) >= 4 else 0, len(models) // 8)
            )
            late = models[len(models) - n_late :] if n_late > 0 else []
            migs = sorted(rng.randint(2, n_mig) for _ in late)
            for m, k in zip(late, migs, strict=True):
                ev = CreateModelEv(app, m.mid)
                ev.mig = k
                self.late.add(m.mid)
                self.events[app].append(ev)
                self.counts["CreateModel"] += 1
            # transient models, deleted later
            for t in range(1 + len(models) // 20):
                tm = self.make_transient(ai, app, t)
                if tm is None:
                    continue
                ev = DeleteModelEv(app, tm)
                ev.mig = rng.randint(2, n_mig)
                self.events[app].append(ev)
                self.counts["DeleteModel"] += 1
        if self.shape == "history":
            self.plan_model_events()
        self.plan_runpython()
        return self.events

    def make_transient(self, ai, app, t):
        self.next_mid += 1
        m = ModelSpec(
            self.next_mid, app, f"Archive{ai:02d}x{t:02d}", "Archive", "transient"
        )
        m.fields.append(
            FieldSpec(
                self.fid(),
                "name",
                "CharField",
                {"max_length": lit(100)},
                tags=("marker",),
            )
        )
        for i, cls in enumerate(
            self.rng.sample(
                [
                    "IntegerField",
                    "BooleanField",
                    "TextField",
                    "DateTimeField",
                    "DecimalField",
                ],
                2,
            )
        ):
            m.fields.append(
                FieldSpec(self.fid(), f"value_{i}", cls, scalar_kw(self.rng, cls))
            )
        targets = self.v1_targets(app)
        if targets and self.rng.random() < 0.6:
            m.fields.append(
                FieldSpec(
                    self.fid(),
                    "ref",
                    "ForeignKey",
                    {"null": lit(True), "blank": lit(True), "related_name": lit("+")},
                    to=self.rng.choice(targets),
                    on_delete="SET_NULL",
                )
            )
        if targets and self.rng.random() < 0.3:
            m.fields.append(
                FieldSpec(
                    self.fid(),
                    "refs",
                    "ManyToManyField",
                    {"blank": lit(True), "related_name": lit("+")},
                    to=self.rng.choice(targets),
                )
            )
        return m

    def plan_model_events(self):
        rng = self.rng
        candidates = [
            m
            for app in self.st.apps
            for m in self.models(app)
            if self.editable(m) or (m.kind == "proxy" and m.mid not in self.late)
        ]
        # coverage first: one event of each type if any model allows it
        order = list(candidates)
        rng.shuffle(order)
        for etype, meth, _ in self.ACTIONS:
            if self.counts[etype]:
                continue
            for m in order:
                if m.kind == "proxy" and etype != "AlterModelOptions":
                    continue
                ev = getattr(self, meth)(m)
                if ev is not None:
                    self.schedule(ev)
                    break
        for m in candidates:
            for etype, meth, p in self.ACTIONS:
                if m.kind == "proxy" and etype != "AlterModelOptions":
                    continue
                repeat = 2 if etype in ("AddField", "AlterField") else 1
                for _ in range(repeat):
                    if rng.random() < p:
                        ev = getattr(self, meth)(m)
                        if ev is not None:
                            self.schedule(ev)

    def schedule(self, ev):
        ev.mig = self.rng.randint(2, self.n_migrations[ev.app])
        self.events[ev.app].append(ev)
        self.counts[ev.type] += 1

    def plan_runpython(self):
        apps = self.st.apps
        for r in range(self.runpython):
            app = apps[r % len(apps)]
            ev = RunPythonEv(app, r, self.seed)
            if self.shape == "initial":
                ev.mig = 2
                self.n_migrations[app] = 2
            else:
                ev.mig = self.rng.randint(2, self.n_migrations[app])
            self.events[app].append(ev)


def chronological(events, n_mig):
    """Events of one app as a list of migrations (lists of events) after 0001.

    Planned slot k (2..n_mig) becomes a schema migration, followed by a separate
    data migration when RunPython events were planned at k: PostgreSQL cannot
    ALTER a table with pending deferred-constraint trigger events, so data
    migrations stay out of the schema migrations' transactions.
    """
    rank = {"CreateModel": 0, "DeleteModel": 2}
    slots = {k: ([], []) for k in range(2, n_mig + 1)}
    for i, ev in enumerate(events):
        schema, data = slots[ev.mig]
        if ev.type == "RunPython":
            data.append(ev)
        else:
            key = (rank.get(ev.type, 1), ev.mid if ev.type == "CreateModel" else i)
            schema.append((key, ev))
    out = []
    for k in sorted(slots):
        schema, data = slots[k]
        if schema:
            out.append([ev for _, ev in sorted(schema, key=lambda t: t[0])])
        if data:
            out.append(data)
    return out


# --------------------------------------------------------------------------
# Building all migrations
# --------------------------------------------------------------------------


def fingerprint(st):
    """A canonical rendering of the state, for the final-state check."""
    from .render import MigCtx, create_model_op

    created = {mid: "x" for mid in st.models}
    out = []
    for app in st.apps:
        for m in sorted(st.app_models(app), key=lambda m: m.mid):
            ctx = MigCtx(st, app, created)
            mm = m.copy()
            mm.fields.sort(key=lambda f: f.name)
            mm.options["indexes"].sort(key=lambda x: x.name)
            mm.options["constraints"].sort(key=lambda x: x.name)
            out.append(create_model_op(st, mm, ctx))
    return "\n".join(out)


def migration_name(k, frags):
    if k == 1:
        return "0001_initial"
    frag = frags[0] if frags else "auto"
    if len(frags) > 1:
        frag = frag[:40] + "_and_more"
    return f"{k:04d}_{frag[:52]}"


def build_migrations(final, seed, shape, runpython, fid_start):
    planner = Planner(final, seed, runpython, fid_start, shape)
    events = planner.plan()
    st = planner.st  # copy of final; becomes the v1 state after undo
    grouped = {
        app: chronological(events[app], planner.n_migrations[app]) for app in st.apps
    }
    # undo everything, latest first
    for app in reversed(st.apps):
        for evs in reversed(grouped[app]):
            for ev in reversed(evs):
                ev.undo(st)
    created_in = {}
    result = {}
    stats = {"operations": 0, "migrations": 0, "runpython": 0}
    for app in st.apps:
        # 0001_initial: the app's models as of v1
        ctx = R.MigCtx(st, app, created_in)
        ops, deferred = [], []
        created = set()
        for m in st.app_models(app):
            skip = set()
            for f in m.fields:
                refs = [
                    x for x in (f.to, f.through) if x not in (None, USER, CONTENTTYPE)
                ]
                if any(
                    st.models[x].app == app and x not in created and x != m.mid
                    for x in refs
                ):
                    skip.add(f.fid)
                    deferred.append((m, f))
            ops.append(R.create_model_op(st, m, ctx, skip))
            created.add(m.mid)
            created_in[m.mid] = "0001_initial"
        for m, f in deferred:
            ops.append(R.add_field_op(st, m, f, ctx))
        migs = [("0001_initial", R.migration_source(ctx, ops, None, True))]
        stats["operations"] += len(ops)
        prev = "0001_initial"
        for k, evs in enumerate(grouped[app], start=2):
            ctx = R.MigCtx(st, app, created_in)
            ops, frags = [], []
            for ev in evs:
                ops.extend(ev.redo(st, ctx))
                frags.append(ev.fragment(st))
            name = migration_name(k, frags)
            for ev in evs:
                if ev.type == "CreateModel":
                    created_in[ev.mid] = name
            migs.append((name, R.migration_source(ctx, ops, prev, False)))
            stats["operations"] += len(ops)
            stats["runpython"] += sum(1 for ev in evs if ev.type == "RunPython")
            prev = name
        result[app] = migs
        stats["migrations"] += len(migs)
    if fingerprint(st) != fingerprint(final):
        raise AssertionError(
            "internal error: migration history does not end in the final state"
        )
    stats["events"] = {k: v for k, v in planner.counts.items()}
    return result, stats
