"""Model description and deterministic generation of the final project state.

Everything here is plain data: a ``State`` holds ``ModelSpec`` objects (keyed by
a stable model id, ``mid``) which hold ``FieldSpec`` objects (stable field id,
``fid``).  Names can change over a migration history (RenameModel,
RenameField), ids never do; references between models are by id and are
turned into names only when rendering.
"""

from __future__ import annotations

import random

# --------------------------------------------------------------------------
# Code fragments
# --------------------------------------------------------------------------


class Code:
    """A Python expression, as written in models.py (``m``) and in a migration (``g``).

    ``mimp``/``gimp`` are the import lines the expression needs in each file.
    """

    __slots__ = ("m", "g", "mimp", "gimp")

    def __init__(self, m, g=None, mimp=(), gimp=None):
        self.m = m
        self.g = m if g is None else g
        self.mimp = tuple(mimp)
        self.gimp = self.mimp if gimp is None else tuple(gimp)

    def __repr__(self):
        return f"Code({self.m!r})"


def lit(value):
    return Code(repr(value))


IMP_UUID = "import uuid"
IMP_DATETIME = "import datetime"
IMP_DECIMAL_M = "from decimal import Decimal"
IMP_DECIMAL_G = "import decimal"
IMP_SETTINGS = "from django.conf import settings"
IMP_DELETION = "import django.db.models.deletion"

DEC0 = Code(
    "Decimal('0.00')", "decimal.Decimal('0.00')", [IMP_DECIMAL_M], [IMP_DECIMAL_G]
)
UUID4 = Code("uuid.uuid4", mimp=[IMP_UUID])
DICT = Code("dict")
TD0 = Code("datetime.timedelta(0)", mimp=[IMP_DATETIME])
NOW = Code(
    "Now()",
    "django.db.models.functions.datetime.Now()",
    ["from django.db.models.functions import Now"],
    ["import django.db.models.functions.datetime"],
)


def lower_expr(field_name):
    return Code(
        f"Lower({field_name!r})",
        f"django.db.models.functions.text.Lower({field_name!r})",
        ["from django.db.models.functions import Lower"],
        ["import django.db.models.functions.text"],
    )


def upper_expr(field_name):
    return Code(
        f"Upper({field_name!r})",
        f"django.db.models.functions.text.Upper({field_name!r})",
        ["from django.db.models.functions import Upper"],
        ["import django.db.models.functions.text"],
    )


def q(**lookups):
    inner = ", ".join(f"{k}={v!r}" for k, v in lookups.items())
    return Code(f"models.Q({inner})")


# Python-level on_delete handlers live in django.db.models.deletion; this is how
# makemigrations serializes them.
PY_ON_DELETE = {
    "CASCADE",
    "PROTECT",
    "RESTRICT",
    "SET_NULL",
    "SET_DEFAULT",
    "DO_NOTHING",
}


def on_delete_code(name):
    if name in PY_ON_DELETE:
        return Code(
            f"models.{name}", f"django.db.models.deletion.{name}", (), [IMP_DELETION]
        )
    return Code(f"models.{name}")  # DB_CASCADE, DB_SET_NULL (Django >= 6.1)


# --------------------------------------------------------------------------
# Specs
# --------------------------------------------------------------------------

USER = "user"  # FieldSpec.to for settings.AUTH_USER_MODEL
CONTENTTYPE = "contenttype"  # FieldSpec.to for contenttypes.ContentType

RELATION_CLASSES = ("ForeignKey", "OneToOneField", "ManyToManyField")


class FieldSpec:
    """One model field.

    tags:
      frozen    - referenced by something (index, constraint, unique_together,
                  generated expression, to_field, order_with_respect_to, pk ...):
                  history events never touch it.
      locked    - part of a structure (M2M through, late-created model links).
      inherited - comes from an abstract base class in models.py.
      pk        - explicit primary key.
      marker    - the model's own "name" CharField (RunPython markers).
      transient - exists only in history (removed later).
    """

    __slots__ = (
        "fid",
        "name",
        "cls",
        "kw",
        "args",
        "to",
        "on_delete",
        "through",
        "tags",
    )

    def __init__(
        self,
        fid,
        name,
        cls,
        kw=None,
        *,
        args=(),
        to=None,
        on_delete=None,
        through=None,
        tags=(),
    ):
        self.fid = fid
        self.name = name
        self.cls = cls
        self.kw = dict(kw or {})
        self.args = tuple(args)
        self.to = to
        self.on_delete = on_delete
        self.through = through
        self.tags = set(tags)

    def copy(self):
        c = FieldSpec(
            self.fid,
            self.name,
            self.cls,
            self.kw,
            args=self.args,
            to=self.to,
            on_delete=self.on_delete,
            through=self.through,
            tags=self.tags,
        )
        return c

    @property
    def is_m2m(self):
        return self.cls == "ManyToManyField"

    @property
    def is_relation(self):
        return self.to is not None

    def kwval(self, key):
        c = self.kw.get(key)
        return None if c is None else c.m

    @property
    def null(self):
        return self.kwval("null") == "True"

    @property
    def concrete(self):
        return not self.is_m2m and self.cls not in ("CompositePrimaryKey",)


class IndexSpec:
    __slots__ = ("name", "fields", "expr", "condition")

    def __init__(self, name, fields=None, expr=None, condition=None):
        self.name = name
        self.fields = list(fields or [])
        self.expr = expr
        self.condition = condition

    def copy(self):
        return IndexSpec(self.name, self.fields, self.expr, self.condition)

    @property
    def plain(self):
        return self.expr is None and self.condition is None

    def code(self):
        mparts, gparts, mimp, gimp = [], [], [], []
        if self.expr is not None:
            mparts.append(self.expr.m)
            gparts.append(self.expr.g)
            mimp += self.expr.mimp
            gimp += self.expr.gimp
        if self.fields:
            mparts.append(f"fields={self.fields!r}")
            gparts.append(f"fields={self.fields!r}")
        if self.condition is not None:
            mparts.append(f"condition={self.condition.m}")
            gparts.append(f"condition={self.condition.g}")
        mparts.append(f"name={self.name!r}")
        gparts.append(f"name={self.name!r}")
        return Code(
            f"models.Index({', '.join(mparts)})",
            f"models.Index({', '.join(gparts)})",
            mimp,
            gimp,
        )


class ConstraintSpec:
    __slots__ = ("kind", "name", "fields", "condition")

    def __init__(self, kind, name, fields=None, condition=None):
        self.kind = kind  # "check" | "unique"
        self.name = name
        self.fields = list(fields or [])
        self.condition = condition

    def copy(self):
        return ConstraintSpec(self.kind, self.name, self.fields, self.condition)

    def code(self):
        if self.kind == "check":
            name = f"name={self.name!r}"
            return Code(
                f"models.CheckConstraint(condition={self.condition.m}, {name})",
                f"models.CheckConstraint(condition={self.condition.g}, {name})",
            )
        parts = [f"fields={self.fields!r}"]
        gparts = list(parts)
        if self.condition is not None:
            parts.append(f"condition={self.condition.m}")
            gparts.append(f"condition={self.condition.g}")
        parts.append(f"name={self.name!r}")
        gparts.append(f"name={self.name!r}")
        return Code(
            f"models.UniqueConstraint({', '.join(parts)})",
            f"models.UniqueConstraint({', '.join(gparts)})",
        )


class ModelSpec:
    """One model.

    kind: regular | hub | uuidpk | composite | unmanaged | through | mti | proxy |
          transient | dbroot | dbleaf
    parent: mid of the concrete parent (mti) or of the proxied model (proxy).
    options keys used: db_table, db_table_comment, verbose_name,
          verbose_name_plural, ordering, unique_together (list of tuples),
          order_with_respect_to, managed, indexes (list), constraints (list).
    """

    __slots__ = (
        "mid",
        "app",
        "name",
        "noun",
        "kind",
        "fields",
        "parent",
        "options",
        "abstract_base",
        "gfk",
        "tags",
        "depth",
    )

    def __init__(self, mid, app, name, noun, kind):
        self.mid = mid
        self.app = app
        self.name = name
        self.noun = noun
        self.kind = kind
        self.fields = []
        self.parent = None
        self.options = {"indexes": [], "constraints": []}
        self.abstract_base = None
        self.gfk = None  # (name, ct_field, fk_field) - models.py only
        self.tags = set()
        self.depth = 0  # MTI depth

    def copy(self):
        c = ModelSpec(self.mid, self.app, self.name, self.noun, self.kind)
        c.fields = [f.copy() for f in self.fields]
        c.parent = self.parent
        opts = dict(self.options)
        opts["indexes"] = [i.copy() for i in self.options["indexes"]]
        opts["constraints"] = [x.copy() for x in self.options["constraints"]]
        if "unique_together" in opts:
            opts["unique_together"] = list(opts["unique_together"])
        if "ordering" in opts:
            opts["ordering"] = list(opts["ordering"])
        c.options = opts
        c.abstract_base = self.abstract_base
        c.gfk = self.gfk
        c.tags = set(self.tags)
        c.depth = self.depth
        return c

    @property
    def lower(self):
        return self.name.lower()

    @property
    def concrete(self):
        return self.kind not in ("proxy",)

    def field(self, fid):
        for f in self.fields:
            if f.fid == fid:
                return f
        raise KeyError(fid)

    def field_by_name(self, name):
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def explicit_pk(self):
        return any("pk" in f.tags for f in self.fields)

    @property
    def marker(self):
        for f in self.fields:
            if "marker" in f.tags:
                return f
        return None


class State:
    """All models of the project, plus per-app creation order."""

    def __init__(self, apps, autofield_app, contrib=True):
        self.apps = list(apps)
        self.autofield_app = autofield_app
        # False: contrib.contenttypes and contrib.auth aren't installed, and
        # nothing refers to them.
        self.contrib = contrib
        self.models = {}
        self.order = {a: [] for a in self.apps}

    def copy(self):
        s = State(self.apps, self.autofield_app, self.contrib)
        s.models = {mid: m.copy() for mid, m in self.models.items()}
        s.order = {a: list(v) for a, v in self.order.items()}
        return s

    def add(self, model):
        self.models[model.mid] = model
        self.order[model.app].append(model.mid)

    def remove(self, mid):
        m = self.models.pop(mid)
        self.order[m.app].remove(mid)
        return m

    def app_models(self, app):
        return [self.models[mid] for mid in self.order[app]]

    def root(self, mid):
        m = self.models[mid]
        while m.kind in ("mti", "proxy") and m.parent is not None:
            m = self.models[m.parent]
        return m.mid

    def ancestors(self, mid):
        out = []
        m = self.models[mid]
        while m.kind == "mti":
            m = self.models[m.parent]
            out.append(m)
        return out


# --------------------------------------------------------------------------
# Final-project generation
# --------------------------------------------------------------------------

NOUNS = [
    "Author",
    "Book",
    "Invoice",
    "Order",
    "Customer",
    "Product",
    "Shipment",
    "Ticket",
    "Project",
    "Task",
    "Comment",
    "Tag",
    "Category",
    "Account",
    "Payment",
    "Address",
    "Review",
    "Event",
    "Venue",
    "Session",
    "Device",
    "Report",
    "Document",
    "Folder",
    "Team",
    "Member",
    "Message",
    "Thread",
    "Coupon",
    "Warehouse",
    "Supplier",
    "Vehicle",
    "Route",
    "Station",
    "Lesson",
    "Course",
    "Grade",
    "Badge",
    "Policy",
    "Claim",
]

# field class -> candidate names
SCALAR_TYPES = [
    ("CharField", ["title", "label", "status", "city", "reference", "headline"]),
    ("TextField", ["body", "notes", "description", "summary"]),
    ("IntegerField", ["count", "position", "rank", "votes"]),
    ("BigIntegerField", ["views", "bytes_total", "external_id"]),
    ("DecimalField", ["price", "amount", "balance", "tax"]),
    ("BooleanField", ["is_active", "is_public", "archived", "flagged"]),
    ("DateField", ["published_on", "due_date", "birth_date"]),
    ("DateTimeField", ["created_at", "happened_at", "modified_at"]),
    ("UUIDField", ["external_uuid", "token", "public_id"]),
    ("JSONField", ["payload", "metadata", "extra"]),
    ("SlugField", ["slug", "handle"]),
    ("EmailField", ["email", "contact_email"]),
    ("FloatField", ["ratio", "weight", "latitude"]),
    ("DurationField", ["duration", "timeout"]),
    ("BinaryField", ["blob", "signature"]),
    ("PositiveIntegerField", ["stock", "visits"]),
    ("SmallIntegerField", ["priority", "level"]),
]
SCALAR_NAMES = dict(SCALAR_TYPES)

KIND_COVERAGE = [
    "mti",
    "proxy",
    "through",
    "uuidpk",
    "composite",
    "unmanaged",
    "mti_cross",
    "proxy_cross",
    "mti2",
]
KIND_WEIGHTS = [
    ("regular", 72),
    ("mti", 5),
    ("mti_cross", 3),
    ("proxy", 4),
    ("proxy_cross", 1),
    ("through", 6),
    ("uuidpk", 4),
    ("composite", 2),
    ("unmanaged", 2),
    ("mti2", 1),
]

ADDONS = [
    "self_fk",
    "o2o",
    "fk_cross",
    "fk_to_field",
    "nullable_fk",
    "m2m",
    "m2m_cross",
    "m2m_self_sym",
    "m2m_self_asym",
    "m2m_db_table",
    "unique_together",
    "index",
    "func_index",
    "cond_index",
    "check",
    "unique_constraint",
    "cond_unique",
    "db_default",
    "generated",
    "db_table",
    "db_comment",
    "owr",
    "abstract",
    "auth_fk",
    "ct_gfk",
    "options",
    "help_text",
    "db_index",
]
RESERVED_NAMES = {"id", "pk", "name", "code", "objects"}
# hubs stay valid RunPython targets: no required relations
HUB_EXCLUDED_ADDONS = {"owr", "ct_gfk", "o2o", "fk_cross"}
# Need contrib.auth or contrib.contenttypes (left out by --no-contrib).
CONTRIB_ADDONS = {"auth_fk", "ct_gfk"}
ADDON_PROB = 0.05

ON_DELETE_REQUIRED = [
    "CASCADE",
    "CASCADE",
    "CASCADE",
    "PROTECT",
    "RESTRICT",
    "DO_NOTHING",
]
ON_DELETE_NULLABLE = ["SET_NULL", "SET_NULL", "CASCADE", "SET_DEFAULT"]


def scalar_kw(rng, cls, addable_only=False):
    """Keyword arguments for a scalar field of class ``cls`` (final form)."""
    r = rng.random()
    kw = {}
    if cls == "CharField":
        kw["max_length"] = lit(rng.choice([40, 64, 100, 150, 200, 255]))
        if r < 0.3:
            kw["blank"] = lit(True)
        elif r < 0.5 or addable_only:
            kw["default"] = lit(rng.choice(["", "draft", "n/a", "unknown"]))
            if kw["default"].m == "''":
                kw["blank"] = lit(True)
    elif cls == "TextField":
        kw["blank"] = lit(True)
        if r < 0.4:
            kw["default"] = lit("")
    elif cls in (
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
    ):
        if r < 0.6 or addable_only:
            kw["default"] = lit(rng.choice([0, 0, 1, 10]))
        elif r < 0.85:
            kw["null"] = lit(True)
            kw["blank"] = lit(True)
    elif cls == "DecimalField":
        kw["max_digits"] = lit(rng.choice([10, 12]))
        kw["decimal_places"] = lit(2)
        if r < 0.6 or addable_only:
            kw["default"] = DEC0
        else:
            kw["null"] = lit(True)
            kw["blank"] = lit(True)
    elif cls == "BooleanField":
        kw["default"] = lit(r < 0.6)
    elif cls == "DateField":
        if r < 0.7 or addable_only:
            kw["null"] = lit(True)
            kw["blank"] = lit(True)
    elif cls == "DateTimeField":
        if r < 0.35:
            kw["auto_now_add"] = lit(True)
        elif r < 0.55:
            kw["auto_now"] = lit(True)
        elif r < 0.9 or addable_only:
            kw["null"] = lit(True)
            kw["blank"] = lit(True)
    elif cls == "UUIDField":
        kw["default"] = UUID4
        kw["editable"] = lit(False)
        if r < 0.3 and not addable_only:
            kw["unique"] = lit(True)
    elif cls == "JSONField":
        if r < 0.6 or addable_only:
            kw["default"] = DICT
            kw["blank"] = lit(True)
        else:
            kw["null"] = lit(True)
            kw["blank"] = lit(True)
    elif cls == "SlugField":
        kw["max_length"] = lit(rng.choice([50, 80]))
        kw["blank"] = lit(True)
    elif cls == "EmailField":
        kw["max_length"] = lit(254)
        kw["blank"] = lit(True)
    elif cls == "FloatField":
        if r < 0.5 or addable_only:
            kw["default"] = lit(0.0)
        else:
            kw["null"] = lit(True)
            kw["blank"] = lit(True)
    elif cls == "DurationField":
        if r < 0.5 or addable_only:
            kw["default"] = TD0
        else:
            kw["null"] = lit(True)
            kw["blank"] = lit(True)
    elif cls == "BinaryField":
        kw["null"] = lit(True)
        kw["blank"] = lit(True)
    else:  # pragma: no cover
        raise ValueError(cls)
    return kw


def is_addable(f):
    """Can AddField/RemoveField-backwards add this field to a table that has rows?"""
    kw = f.kw
    if "unique" in kw or "primary_key" in kw or f.cls == "GeneratedField":
        return False
    if f.is_m2m:
        return True
    if f.is_relation:
        return f.null
    if (
        f.null
        or "default" in kw
        or "db_default" in kw
        or "auto_now" in kw
        or "auto_now_add" in kw
    ):
        return True
    return "blank" in kw and f.cls in (
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
    )


# Add-ons that must not meet on one model.  db_default + conditional unique:
# stock Django (5.2, 6.1) defers constraint.create_sql() when CREATE TABLE has
# parameters (a db_default) and MariaDB's create_sql() for an unsupported
# UniqueConstraint(condition=...) is None, so migrate executes "None".
ADDON_CONFLICTS = [{"db_default", "cond_unique"}]


def conflicts(addon, chosen):
    return any(
        addon in pair and (pair - {addon}) & set(chosen) for pair in ADDON_CONFLICTS
    )


class Builder:
    """Builds the final State for N models over A apps."""

    def __init__(self, n_models, n_apps, seed=0, db_on_delete=False, contrib=True):
        if n_models < 1:
            raise ValueError("--models must be >= 1")
        if n_apps < 1:
            raise ValueError("--apps must be >= 1")
        self.n = n_models
        self.a = n_apps
        self.seed = seed
        self.db_on_delete = db_on_delete
        self.rng = random.Random(seed * 7919 + 17)
        self.apps = [f"app{i:02d}" for i in range(n_apps)]
        autofield_app = self.apps[min(1, n_apps - 1)]
        self.state = State(self.apps, autofield_app, contrib)
        self.next_fid = 1
        self.relkeys = set()
        self.kind_queue = list(KIND_COVERAGE)
        self.addon_queue = [a for a in ADDONS]
        self.type_queue = [cls for cls, _ in SCALAR_TYPES]
        # every on_delete handler appears early (coverage), then random
        self.on_delete_queue = {
            True: ["SET_NULL", "SET_DEFAULT"],
            False: ["PROTECT", "RESTRICT", "DO_NOTHING", "CASCADE"],
        }
        self.features = {}  # feature -> count, for the summary

    # ---- helpers -------------------------------------------------------

    def fid(self):
        v = self.next_fid
        self.next_fid += 1
        return v

    def note(self, feature):
        self.features[feature] = self.features.get(feature, 0) + 1

    def uniq(self, model, base):
        taken = {f.name for f in model.fields} | RESERVED_NAMES
        p = model.parent if model.kind == "mti" else None
        while p is not None:
            pm = self.state.models[p]
            taken |= {f.name for f in pm.fields}
            taken.add(f"{pm.lower}_ptr")
            p = pm.parent if pm.kind == "mti" else None
        if model.gfk:
            taken.add(model.gfk[0])
        name = base
        i = 2
        while name in taken:
            name = f"{base}_{i}"
            i += 1
        return name

    def add_field(self, model, name, cls, kw=None, **extra):
        f = FieldSpec(self.fid(), name, cls, kw, **extra)
        model.fields.append(f)
        return f

    def prefix(self, model):
        # short, unique prefix for index / constraint names (<= 30 chars total)
        return model.lower

    def related_name_for(self, src, target_key, field_name):
        key = (src.mid, target_key)
        if key in self.relkeys:
            return f"{field_name}_{src.lower}"
        self.relkeys.add(key)
        return None

    def add_relation(
        self,
        model,
        cls,
        target,
        base_name,
        on_delete=None,
        kw=None,
        tags=(),
        through=None,
    ):
        """target: mid, USER or CONTENTTYPE."""
        kw = dict(kw or {})
        if target in (USER, CONTENTTYPE):
            tkey = target
        elif target == model.mid:
            tkey = (
                self.state.root(model.mid)
                if model.mid in self.state.models
                else model.mid
            )
        else:
            tkey = self.state.root(target)
        name = self.uniq(model, base_name)
        is_self_sym = (
            cls == "ManyToManyField" and target == model.mid and "symmetrical" not in kw
        )
        if not is_self_sym and "related_name" not in kw:
            rn = self.related_name_for(model, tkey, name)
            if rn:
                kw["related_name"] = lit(rn)
        return self.add_field(
            model,
            name,
            cls,
            kw,
            to=target,
            on_delete=on_delete,
            through=through,
            tags=tags,
        )

    def target_candidates(self, ai, same_app=True, cross_app=True, kinds=None):
        kinds = kinds or ("regular", "hub", "uuidpk", "mti")
        out = []
        for aj in range(ai + 1):
            if aj == ai and not same_app:
                continue
            if aj < ai and not cross_app:
                continue
            for m in self.state.app_models(self.apps[aj]):
                if m.kind in kinds:
                    out.append(m.mid)
        return out

    def pick_target(self, ai, model=None, cross=None):
        """Pick a FK target: same app (65%) or an earlier app."""
        own = model.mid if model is not None else None
        same = [
            mid for mid in self.target_candidates(ai, cross_app=False) if mid != own
        ]
        other = self.target_candidates(ai, same_app=False) if ai > 0 else []
        if cross is True:
            pool = other
        elif cross is False:
            pool = same
        else:
            pool = same if (same and (not other or self.rng.random() < 0.65)) else other
        if not pool:
            return None
        return self.rng.choice(pool)

    def noun_field_name(self, target):
        if target == USER:
            return "owner"
        if target == CONTENTTYPE:
            return "content_type"
        return self.state.models[target].noun.lower()

    # ---- generation ----------------------------------------------------

    def counts(self):
        base, extra = divmod(self.n, self.a)
        return [base + (1 if i < extra else 0) for i in range(self.a)]

    def build(self):
        g = 0
        counts = self.counts()
        for ai, app in enumerate(self.apps):
            reserved = (
                2 if (self.db_on_delete and ai == self.a - 1 and counts[ai] >= 4) else 0
            )
            for j in range(counts[ai]):
                if reserved and j == counts[ai] - 2:
                    self.build_dbroot(ai, app, g)
                elif reserved and j == counts[ai] - 1:
                    self.build_dbleaf(ai, app, g)
                else:
                    self.build_model(ai, app, j, g)
                g += 1
        return self.state

    def choose_kind(self, ai, j):
        if j == 0:
            return "hub"
        for i, kind in enumerate(self.kind_queue):
            if self.kind_applicable(kind, ai):
                del self.kind_queue[i]
                return kind
        total = sum(w for _, w in KIND_WEIGHTS)
        r = self.rng.randrange(total)
        for kind, w in KIND_WEIGHTS:
            if r < w:
                return kind if self.kind_applicable(kind, ai) else "regular"
            r -= w
        return "regular"  # pragma: no cover

    def kind_applicable(self, kind, ai):
        if kind in ("uuidpk", "composite", "unmanaged", "regular"):
            return True
        if kind in ("mti", "proxy"):
            return bool(self.target_candidates(ai, cross_app=False))
        if kind in ("mti_cross", "proxy_cross"):
            return ai > 0 and bool(self.target_candidates(ai, same_app=False))
        if kind == "mti2":
            return bool(self.target_candidates(ai, cross_app=False, kinds=("mti",)))
        if kind == "through":
            owners = self.target_candidates(
                ai, cross_app=False, kinds=("regular", "hub", "uuidpk")
            )
            return bool(owners) and len(self.target_candidates(ai)) >= 2
        return False  # pragma: no cover

    def new_model(self, ai, app, g, kind, noun=None):
        noun = noun or NOUNS[g % len(NOUNS)]
        m = ModelSpec(g + 1, app, f"{noun}{g:04d}", noun, kind)
        return m

    def build_model(self, ai, app, j, g):
        kind = self.choose_kind(ai, j)
        base_kind = {"mti_cross": "mti", "mti2": "mti", "proxy_cross": "proxy"}.get(
            kind, kind
        )
        m = self.new_model(ai, app, g, base_kind)
        rng = self.rng
        self.note(f"kind:{kind}")
        if base_kind == "proxy":
            cands = (
                self.target_candidates(ai, same_app=False)
                if kind == "proxy_cross"
                else self.target_candidates(ai, cross_app=False)
            )
            m.parent = rng.choice(cands)
            m.options["proxy"] = True
            parent = self.state.models[m.parent]
            if rng.random() < 0.5 and self.has_marker_chain(parent):
                m.options["ordering"] = [self.marker_name(parent)]
            self.state.add(m)
            return
        if base_kind == "mti":
            if kind == "mti2":
                cands = self.target_candidates(ai, cross_app=False, kinds=("mti",))
            elif kind == "mti_cross":
                cands = self.target_candidates(ai, same_app=False)
            else:
                cands = self.target_candidates(ai, cross_app=False)
            m.parent = rng.choice(cands)
            m.depth = self.state.models[m.parent].depth + 1
            self.relkeys.add((m.mid, self.state.root(m.parent)))
            self.state.add(m)
            self.add_field(
                m,
                f"name{m.depth}",
                "CharField",
                {"max_length": lit(100), "blank": lit(True)},
                tags=("marker", "frozen"),
            )
            self.add_scalars(m, rng.randint(1, 3))
            if rng.random() < 0.4:
                self.add_fk(m, ai)
            self.add_addons(
                m,
                ai,
                allowed={
                    "db_table",
                    "db_comment",
                    "db_default",
                    "generated",
                    "check",
                    "index",
                    "help_text",
                    "nullable_fk",
                    "fk_cross",
                    "self_fk",
                },
            )
            return
        if base_kind == "through":
            self.build_through(m, ai)
            return
        self.state.add(m)
        if base_kind == "uuidpk":
            self.add_field(
                m,
                "id",
                "UUIDField",
                {
                    "primary_key": lit(True),
                    "default": UUID4,
                    "editable": lit(False),
                    "serialize": lit(False),
                },
                tags=("pk", "frozen"),
            )
        if base_kind == "composite":
            self.add_field(
                m,
                "pk",
                "CompositePrimaryKey",
                {
                    "blank": lit(True),
                    "editable": lit(False),
                    "primary_key": lit(True),
                    "serialize": lit(False),
                },
                args=(lit("region"), lit("number")),
                tags=("pk", "frozen"),
            )
            self.add_field(
                m, "region", "CharField", {"max_length": lit(20)}, tags=("frozen",)
            )
            self.add_field(m, "number", "IntegerField", {}, tags=("frozen",))
        addons = (
            self.take_addons(m, ai) if base_kind in ("regular", "hub", "uuidpk") else []
        )
        if "abstract" in addons:
            m.abstract_base = "TimestampedModel"
            self.add_field(
                m,
                "created_at",
                "DateTimeField",
                {"auto_now_add": lit(True)},
                tags=("inherited", "frozen"),
            )
            self.add_field(
                m,
                "updated_at",
                "DateTimeField",
                {"auto_now": lit(True)},
                tags=("inherited", "frozen"),
            )
            self.note("abstract")
        self.add_field(
            m,
            "name",
            "CharField",
            {"max_length": lit(rng.choice([50, 100, 120, 200, 255]))},
            tags=("marker", "frozen"),
        )
        if base_kind == "hub":
            self.add_field(
                m,
                "code",
                "CharField",
                {"max_length": lit(32), "unique": lit(True)},
                tags=("frozen",),
            )
        if base_kind == "unmanaged":
            m.options["managed"] = False
            m.options["db_table"] = f"external_{m.lower}"
            self.add_scalars(m, rng.randint(1, 2))
            return
        self.add_scalars(m, rng.randint(1, 6))
        if base_kind not in ("composite", "hub"):
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
                self.add_fk(m, ai)
        if base_kind == "hub" and ai > 0 and rng.random() < 0.5:
            self.add_fk(m, ai, nullable=True)
        if base_kind == "hub" and app == self.state.autofield_app:
            # trap 5: an auto-created M2M through table in the AutoField app
            self.addon_m2m_self_sym(m, ai)
        for addon in addons:
            if addon != "abstract":
                getattr(self, f"addon_{addon}")(m, ai)
                self.note(addon)

    def take_addons(self, m, ai, allowed=None):
        out = []
        for addon in list(self.addon_queue):
            if len(out) >= 2:
                break
            if allowed is not None and addon not in allowed:
                continue
            if self.addon_applicable(addon, m, ai) and not conflicts(addon, out):
                self.addon_queue.remove(addon)
                out.append(addon)
        for addon in ADDONS:
            if addon in out or (allowed is not None and addon not in allowed):
                continue
            if (
                self.rng.random() < ADDON_PROB
                and self.addon_applicable(addon, m, ai)
                and not conflicts(addon, out)
            ):
                out.append(addon)
        return out

    def add_addons(self, m, ai, allowed):
        for addon in self.take_addons(m, ai, allowed):
            if addon != "abstract":
                getattr(self, f"addon_{addon}")(m, ai)
                self.note(addon)

    def addon_applicable(self, addon, m, ai):
        if m.kind == "composite" and addon in (
            "self_fk",
            "m2m",
            "m2m_cross",
            "m2m_self_sym",
            "m2m_self_asym",
            "m2m_db_table",
            "owr",
            "o2o",
            "ct_gfk",
            "fk_to_field",
            "abstract",
        ):
            return False
        if m.kind == "hub" and addon in HUB_EXCLUDED_ADDONS:
            return False
        if addon in CONTRIB_ADDONS and not self.state.contrib:
            return False
        if addon in ("fk_cross", "m2m_cross"):
            return ai > 0
        if addon == "fk_to_field":
            return bool(self.target_candidates(ai, kinds=("hub",)))
        if addon in ("o2o", "m2m", "owr", "m2m_db_table"):
            cands = self.target_candidates(ai, cross_app=(addon != "owr"))
            return any(t != m.mid for t in cands)
        return True

    def add_scalars(self, m, count):
        for _ in range(count):
            if self.type_queue:
                cls = self.type_queue.pop(0)
            else:
                cls = self.rng.choice(SCALAR_TYPES)[0]
            name = self.uniq(m, self.rng.choice(SCALAR_NAMES[cls]))
            kw = scalar_kw(self.rng, cls)
            if name in ("created_at",) and cls == "DateTimeField":
                kw = {"auto_now_add": lit(True)}
            self.add_field(m, name, cls, kw)
            self.note(f"field:{cls}")

    def add_fk(
        self, m, ai, nullable=None, cross=None, cls="ForeignKey", target=None, tags=()
    ):
        rng = self.rng
        if target is None:
            target = self.pick_target(ai, m, cross=cross)
        if target is None:
            return None
        if nullable is None:
            nullable = rng.random() < 0.45
        if nullable:
            on_delete = self.pick_on_delete(True)
            kw = {"null": lit(True), "blank": lit(True)}
            if on_delete == "SET_DEFAULT":
                kw["default"] = lit(None)
        else:
            on_delete = self.pick_on_delete(False)
            kw = {}
        f = self.add_relation(
            m, cls, target, self.noun_field_name(target), on_delete, kw, tags=tags
        )
        self.note(f"on_delete:{on_delete}")
        if self.state.models[target].app != m.app:
            self.note("cross_app_fk")
        return f

    def pick_on_delete(self, nullable):
        queue = self.on_delete_queue[nullable]
        if queue:
            return queue.pop(0)
        return self.rng.choice(ON_DELETE_NULLABLE if nullable else ON_DELETE_REQUIRED)

    def has_marker_chain(self, model):
        return self.marker_name(model) is not None

    def marker_name(self, model):
        m = model
        while True:
            mk = m.marker
            if mk is not None:
                return mk.name
            if m.parent is None:
                return None
            m = self.state.models[m.parent]

    # ---- special kinds ---------------------------------------------------

    def build_through(self, m, ai):
        rng = self.rng
        owners = self.target_candidates(
            ai, cross_app=False, kinds=("regular", "hub", "uuidpk")
        )
        owner = rng.choice(owners)
        targets = [t for t in self.target_candidates(ai) if t != owner]
        target = rng.choice(targets)
        self.state.add(m)
        fo = self.add_relation(
            m,
            "ForeignKey",
            owner,
            self.noun_field_name(owner),
            "CASCADE",
            tags=("locked", "frozen"),
        )
        ft = self.add_relation(
            m,
            "ForeignKey",
            target,
            self.noun_field_name(target),
            "CASCADE",
            tags=("locked", "frozen"),
        )
        self.add_field(
            m, "joined_on", "DateField", {"null": lit(True), "blank": lit(True)}
        )
        self.add_field(
            m, "role", "CharField", {"max_length": lit(30), "blank": lit(True)}
        )
        if rng.random() < 0.5:
            m.options["constraints"].append(
                ConstraintSpec(
                    "unique", f"{self.prefix(m)}_uniq_link", [fo.name, ft.name]
                )
            )
        om = self.state.models[owner]
        self.add_relation(
            om,
            "ManyToManyField",
            target,
            f"via_{m.lower}",
            kw={"blank": lit(True)},
            through=m.mid,
            tags=("locked", "frozen"),
        )
        self.note("m2m_through")

    def build_dbroot(self, ai, app, g):
        m = self.new_model(ai, app, g, "dbroot", noun="Vault")
        self.state.add(m)
        self.add_field(
            m, "name", "CharField", {"max_length": lit(100)}, tags=("marker", "frozen")
        )
        self.add_scalars(m, 2)

    def build_dbleaf(self, ai, app, g):
        m = self.new_model(ai, app, g, "dbleaf", noun="VaultItem")
        self.state.add(m)
        root = m.mid - 1
        self.add_field(
            m, "name", "CharField", {"max_length": lit(100)}, tags=("marker", "frozen")
        )
        self.add_relation(
            m, "ForeignKey", root, "vault", "DB_CASCADE", tags=("frozen",)
        )
        self.add_relation(
            m,
            "ForeignKey",
            root,
            "backup_vault",
            "DB_SET_NULL",
            {"null": lit(True), "blank": lit(True)},
            tags=("frozen",),
        )
        self.note("db_on_delete")

    # ---- add-ons ---------------------------------------------------------

    def addon_self_fk(self, m, ai):
        self.add_relation(
            m,
            "ForeignKey",
            m.mid,
            "parent_" + m.noun.lower(),
            "SET_NULL",
            {"null": lit(True), "blank": lit(True)},
        )

    def addon_o2o(self, m, ai):
        t = self.pick_target(ai, m)
        self.add_relation(
            m,
            "OneToOneField",
            t,
            self.noun_field_name(t) + "_profile",
            self.rng.choice(["CASCADE", "PROTECT"]),
        )

    def addon_fk_cross(self, m, ai):
        self.add_fk(m, ai, cross=True)

    def addon_nullable_fk(self, m, ai):
        self.add_fk(m, ai, nullable=True)

    def addon_fk_to_field(self, m, ai):
        t = self.rng.choice(self.target_candidates(ai, kinds=("hub",)))
        self.add_relation(
            m,
            "ForeignKey",
            t,
            self.noun_field_name(t) + "_code",
            "PROTECT",
            {"to_field": lit("code"), "null": lit(True), "blank": lit(True)},
            tags=("frozen",),
        )

    def addon_m2m(self, m, ai):
        t = self.pick_target(ai, m)
        self.add_relation(
            m,
            "ManyToManyField",
            t,
            self.noun_field_name(t) + "s",
            kw={"blank": lit(True)},
        )

    def addon_m2m_cross(self, m, ai):
        t = self.pick_target(ai, m, cross=True)
        self.add_relation(
            m,
            "ManyToManyField",
            t,
            self.noun_field_name(t) + "s",
            kw={"blank": lit(True)},
        )

    def addon_m2m_db_table(self, m, ai):
        t = self.pick_target(ai, m)
        f = self.add_relation(
            m,
            "ManyToManyField",
            t,
            "linked_" + self.noun_field_name(t),
            kw={"blank": lit(True)},
        )
        f.kw["db_table"] = lit(f"m2m_{m.lower}_{f.name}"[:60])

    def addon_m2m_self_sym(self, m, ai):
        self.add_relation(m, "ManyToManyField", m.mid, "peers", kw={"blank": lit(True)})

    def addon_m2m_self_asym(self, m, ai):
        self.add_relation(
            m,
            "ManyToManyField",
            m.mid,
            "follows",
            kw={
                "symmetrical": lit(False),
                "blank": lit(True),
                "related_name": lit(f"followers_{m.lower}"),
            },
        )

    def addon_unique_together(self, m, ai):
        f = self.add_field(
            m,
            self.uniq(m, "external_ref"),
            "CharField",
            {"max_length": lit(40), "blank": lit(True)},
            tags=("frozen",),
        )
        m.options.setdefault("unique_together", []).append(("name", f.name))

    def addon_index(self, m, ai):
        f = self.add_field(
            m,
            self.uniq(m, "sort_key"),
            "IntegerField",
            {"default": lit(0)},
            tags=("frozen",),
        )
        mk = m.marker.name
        m.options["indexes"].append(
            IndexSpec(f"{self.prefix(m)}_sort", [f.name, f"-{mk}"])
        )

    def addon_func_index(self, m, ai):
        mk = m.marker.name
        expr = lower_expr(mk) if self.rng.random() < 0.6 else upper_expr(mk)
        m.options["indexes"].append(IndexSpec(f"{self.prefix(m)}_fn", expr=expr))

    def addon_cond_index(self, m, ai):
        f = self.add_field(
            m,
            self.uniq(m, "is_featured"),
            "BooleanField",
            {"default": lit(False)},
            tags=("frozen",),
        )
        m.options["indexes"].append(
            IndexSpec(
                f"{self.prefix(m)}_feat", [m.marker.name], condition=q(**{f.name: True})
            )
        )

    def addon_check(self, m, ai):
        f = self.add_field(
            m,
            self.uniq(m, "score"),
            "IntegerField",
            {"default": lit(0)},
            tags=("frozen",),
        )
        m.options["constraints"].append(
            ConstraintSpec(
                "check",
                f"{self.prefix(m)}_score_gte0",
                condition=q(**{f"{f.name}__gte": 0}),
            )
        )

    def addon_unique_constraint(self, m, ai):
        f = self.add_field(
            m,
            self.uniq(m, "sku"),
            "CharField",
            {"max_length": lit(40), "blank": lit(True)},
            tags=("frozen",),
        )
        m.options["constraints"].append(
            ConstraintSpec("unique", f"{self.prefix(m)}_uniq_sku", ["name", f.name])
        )

    def addon_cond_unique(self, m, ai):
        f = self.add_field(
            m,
            self.uniq(m, "is_primary"),
            "BooleanField",
            {"default": lit(False)},
            tags=("frozen",),
        )
        m.options["constraints"].append(
            ConstraintSpec(
                "unique",
                f"{self.prefix(m)}_one_primary",
                [m.marker.name],
                condition=q(**{f.name: True}),
            )
        )

    def addon_db_default(self, m, ai):
        choice = self.rng.randrange(3)
        if choice == 0:
            self.add_field(
                m,
                self.uniq(m, "state"),
                "CharField",
                {"max_length": lit(20), "db_default": lit("new")},
            )
        elif choice == 1:
            self.add_field(
                m, self.uniq(m, "hits"), "IntegerField", {"db_default": lit(0)}
            )
        else:
            self.add_field(
                m, self.uniq(m, "stamped_at"), "DateTimeField", {"db_default": NOW}
            )
        if self.rng.random() < 0.5:
            self.add_field(
                m, self.uniq(m, "enabled"), "BooleanField", {"db_default": lit(True)}
            )

    def addon_generated(self, m, ai):
        qf = self.add_field(
            m,
            self.uniq(m, "quantity"),
            "IntegerField",
            {"default": lit(1)},
            tags=("frozen",),
        )
        pf = self.add_field(
            m,
            self.uniq(m, "unit_price"),
            "IntegerField",
            {"default": lit(0)},
            tags=("frozen",),
        )
        expr = f"models.F({qf.name!r}) * models.F({pf.name!r})"
        self.add_field(
            m,
            self.uniq(m, "total"),
            "GeneratedField",
            {
                "expression": Code(expr),
                "output_field": Code("models.IntegerField()"),
                "db_persist": lit(True),
            },
            tags=("frozen",),
        )

    def addon_db_table(self, m, ai):
        m.options["db_table"] = f"custom_{m.app}_{m.lower}"

    def addon_db_comment(self, m, ai):
        m.options["db_table_comment"] = f"Synthetic {m.noun.lower()} records"
        m.marker.kw["db_comment"] = lit("Display name")

    def addon_owr(self, m, ai):
        t = self.pick_target(ai, m, cross=False)
        f = self.add_relation(
            m,
            "ForeignKey",
            t,
            "group_" + self.noun_field_name(t),
            "CASCADE",
            tags=("frozen",),
        )
        m.options["order_with_respect_to"] = f.name
        m.options.pop("ordering", None)

    def addon_auth_fk(self, m, ai):
        self.add_relation(
            m,
            "ForeignKey",
            USER,
            "owner",
            "SET_NULL",
            {"null": lit(True), "blank": lit(True)},
        )

    def addon_ct_gfk(self, m, ai):
        ct = self.add_relation(
            m, "ForeignKey", CONTENTTYPE, "content_type", "CASCADE", tags=("frozen",)
        )
        oid = self.add_field(
            m, self.uniq(m, "object_id"), "PositiveIntegerField", {}, tags=("frozen",)
        )
        m.gfk = (self.uniq(m, "content_object"), ct.name, oid.name)
        m.options["indexes"].append(
            IndexSpec(f"{self.prefix(m)}_gfk", [ct.name, oid.name])
        )

    def addon_options(self, m, ai):
        if "order_with_respect_to" not in m.options:
            m.options["ordering"] = [m.marker.name]
        m.options["verbose_name"] = f"{m.noun.lower()} entry"
        m.options["verbose_name_plural"] = f"{m.noun.lower()} entries"

    def addon_help_text(self, m, ai):
        cands = [
            f for f in m.fields if not f.is_relation and not f.tags & {"frozen", "pk"}
        ]
        if cands:
            self.rng.choice(cands).kw["help_text"] = lit("Synthetic help text.")

    def addon_db_index(self, m, ai):
        cands = [
            f
            for f in m.fields
            if f.cls in ("CharField", "IntegerField", "BigIntegerField")
            and not f.tags & {"frozen", "pk"}
            and "unique" not in f.kw
        ]
        if cands:
            self.rng.choice(cands).kw["db_index"] = lit(True)


def build_final(n_models, n_apps, seed=0, db_on_delete=False, contrib=True):
    b = Builder(n_models, n_apps, seed, db_on_delete, contrib)
    state = b.build()
    return state, b.features
