"""
Apply a generated history through rendered models and through stand-ins, and
compare.

Each run migrates a fresh database (SQLite in memory, or a PostgreSQL or
MariaDB database on loopback, emptied first) with Django's MigrationExecutor,
one migration at a time, from zero to the last migration and back to zero,
recording every statement with the operation that sent it, and the schema
after every migration (sqlite_master; introspection on the servers).

The rendered-models run is the stock behaviour the way the overlay's tests
(django_tests_overlay/migrations_from_state) get it on the patched checkout:
ProjectState.models_for_schema_editor() patched to return state.apps. Both
runs happen in one process, so with the same PYTHONHASHSEED.
"""

import atexit
import collections
import contextlib
import copy
import dataclasses
import datetime
import functools
import itertools
import os
import re
import sys
from pathlib import Path
from unittest import mock

import django
from django.conf import settings

from .schema import APP_LABELS

DATABASE_ALIAS = "default"
# A project with a custom user model: the generated models with
# swappable=SWAPPABLE_SETTING are swapped out for SWAPPED_IN_MODEL, which a
# history may create, and so is the installed fuzzing.swapped_user.User (as
# django.contrib.auth's User is), which makes relations to the swapped-in
# model deconstruct, and migration files refer to it, through the setting.
SWAPPABLE_SETTING = "AUTH_USER_MODEL"
SWAPPED_IN_MODEL = f"{APP_LABELS[1]}.SwappedIn"
# The database the runs use on the servers, one per process (runs empty it
# first); dropped when the process ends.
SERVER_DATABASE_NAME = f"fuzz_{os.getpid()}"
# HStoreField needs hstore; exclusion constraints with equality on scalar
# columns need btree_gist.
POSTGRESQL_EXTENSIONS = ("hstore", "btree_gist")
POSTGRESQL_EXTENSIONS_SCHEMA = "fuzz_extensions"
DATABASES = {
    "sqlite": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    "postgresql": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": SERVER_DATABASE_NAME,
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": "5432",
        # The runs' databases are thrown away: don't wait for commits to
        # reach the disk (most of a run's time otherwise). The extensions
        # live in a schema of their own, which emptying the database keeps.
        "OPTIONS": {
            "options": (
                "-c synchronous_commit=off -c search_path=public,%s"
                % POSTGRESQL_EXTENSIONS_SCHEMA
            )
        },
    },
    # No server: SQL is generated offline (apply_history_offline()).
    "oracle": {
        "ENGINE": "django.db.backends.oracle",
        "NAME": "offline",
        "USER": "fuzz",
        "PASSWORD": "fuzz",
    },
    "mysql": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": SERVER_DATABASE_NAME,
        "USER": "root",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": "3306",
    },
}


def setup_django(db="sqlite", installed_apps=()):
    if not settings.configured:
        settings.configure(
            DATABASES={DATABASE_ALIAS: DATABASES[db]},
            INSTALLED_APPS=[
                # Its fields' migration serializers and psycopg type handlers.
                *(["django.contrib.postgres"] if db == "postgresql" else []),
                "fuzzing.swapped_user",
                *installed_apps,
            ],
            USE_TZ=True,
            # What StateApps gives models without an explicit primary key (the
            # through models of many-to-many fields).
            DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
            SECRET_KEY="fuzz",
            **{SWAPPABLE_SETTING: SWAPPED_IN_MODEL},
        )
        django.setup()
        from django.db import connections

        if db == "oracle":
            work_offline(connections[DATABASE_ALIAS])
        elif db != "sqlite":
            create_server_database(connections[DATABASE_ALIAS])
            atexit.register(drop_server_database, connections[DATABASE_ALIAS])


def rendered_models():
    """
    The overlay's rendered_models (stock behaviour: operations get rendered
    models from state.apps), from the tests/ directory of the Django tree in
    use; the patched checkout and the shim trees both have the overlay.
    """
    tests_dir = Path(django.__file__).resolve().parent.parent / "tests"
    if str(tests_dir) not in sys.path:
        sys.path.append(str(tests_dir))
    from migrations_from_state.tests import rendered_models

    return rendered_models


# Statement log -------------------------------------------------------------

# A timestamp as SQLite's backend writes it into SQL or parameters.
TIMESTAMP_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:?\d{2}|Z)?"
)
NOW = "<now>"


def is_recent(value):
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    now = datetime.datetime.now(datetime.timezone.utc)
    return abs(now - value) < datetime.timedelta(days=1)


def normalize_timestamps(text):
    """
    Replace the timestamps of "now" in text: auto_now, auto_now_add and
    timezone.now defaults are evaluated when a column is added or altered
    (DESIGN.md section 4, trap 4).
    """

    def replace(match):
        try:
            value = datetime.datetime.fromisoformat(match.group(0))
        except ValueError:
            return match.group(0)
        return NOW if is_recent(value) else match.group(0)

    return TIMESTAMP_RE.sub(replace, text)


def normalize_param(value):
    if isinstance(value, datetime.datetime):
        return NOW if is_recent(value) else value
    if isinstance(value, str):
        return normalize_timestamps(value)
    return value


@dataclasses.dataclass(frozen=True)
class Step:
    """One migration applied ("forwards") or unapplied ("backwards")."""

    direction: str
    index: int  # In the history.


@dataclasses.dataclass(frozen=True)
class Where:
    step: Step
    # The operation's index in its migration; None: the executor, before the
    # first operation; "deferred": the schema editor's deferred statements.
    operation: object


@dataclasses.dataclass(frozen=True)
class Statement:
    where: Where
    sql: str
    params: str  # repr() of the normalized parameters.


class StatementLog:
    def __init__(self):
        self.statements = []
        self.where = None  # None: not recording (schema snapshots).

    def record(self, execute, sql, params, many, context):
        if self.where is not None and "django_migrations" not in sql:
            self.add(sql, params)
        return execute(sql, params, many, context)

    def add(self, sql, params):
        if params is not None:
            params = tuple(normalize_param(param) for param in params)
        self.statements.append(
            Statement(self.where, normalize_timestamps(sql), repr(params))
        )


# Running a history ---------------------------------------------------------------


def make_loader_class():
    from django.db.migrations.loader import MigrationLoader

    class HistoryLoader(MigrationLoader):
        """A loader whose migrations are those of a history, not modules."""

        def __init__(self, connection, history_migrations):
            self.history_migrations = history_migrations
            super().__init__(connection, ignore_no_migrations=True)

        def load_disk(self):
            self.disk_migrations = {
                (migration.app_label, migration.name): migration
                for migration in self.history_migrations
            }
            self.unmigrated_apps = set()
            self.migrated_apps = set(label for label, _ in self.disk_migrations)

    return HistoryLoader


def make_stock_rendering_executor_class():
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.migration import Migration

    class StockRenderingExecutor(MigrationExecutor):
        """
        The executor rendering states where stock Django's does: "Render
        all" before applying a migration, and before unapplying one (which
        patch 0004 removes). Without this, the first operation of each
        migration would render its to_state before its from_state, and the
        SQLite schema editor would order a rebuilt table's columns by those
        renders (field creation counters) unlike stock.
        """

        def apply_migration(self, state, migration, *args, **kwargs):
            if "apps" not in state.__dict__:
                state.apps
            return super().apply_migration(state, migration, *args, **kwargs)

        def _migrate_all_backwards(self, *args, **kwargs):
            # Stock renders each state that a migration to unapply is
            # computed from, right before it calls mutate_state(preserve=True)
            # on it; that is the only call with preserve=True here.
            mutate_state = Migration.mutate_state

            def rendering_mutate_state(migration, project_state, preserve=True):
                if preserve and "apps" not in project_state.__dict__:
                    project_state.apps
                return mutate_state(migration, project_state, preserve)

            with mock.patch.object(Migration, "mutate_state", rendering_mutate_state):
                return super()._migrate_all_backwards(*args, **kwargs)

    return StockRenderingExecutor


def migration_objects(history):
    """Fresh Migration instances for a run: state changes mutate operations."""
    from django.db.migrations.migration import Migration

    objects = []
    for spec in copy.deepcopy(history.migrations):
        migration = Migration(spec.name, spec.app_label)
        migration.dependencies = [
            loaded_dependency(dependency) for dependency in spec.dependencies
        ]
        migration.operations = list(spec.operations)
        objects.append(migration)
    return objects


def loaded_dependency(dependency):
    """
    A dependency as a migration file read from disk has it: a swappable one,
    ("__setting__", name) as makemigrations writes it, is what
    migrations.swappable_dependency(settings.<name>) returns.
    """
    from django.db.migrations import swappable_dependency

    if dependency[0] == "__setting__":
        return swappable_dependency(getattr(settings, dependency[1]))
    return dependency


def instrument(migration, log, inject_difference=None):
    """
    Make each operation of migration tell log it is running (and, for
    testing the fuzzer, add a statement after operations whose class is
    named inject_difference).
    """
    for position, operation in enumerate(migration.operations):
        operation_name = type(operation).__name__
        for method in ("database_forwards", "database_backwards"):
            original = getattr(operation, method)

            def wrapper(
                *args,
                _original=original,
                _position=position,
                _name=operation_name,
                **kwargs,
            ):
                step = log.where.step
                log.where = Where(step, _position)
                try:
                    return _original(*args, **kwargs)
                except NeedsServer:
                    log.add(NEEDS_SERVER.format(_name), None)
                finally:
                    if _name == inject_difference:
                        log.add("-- difference injected by --inject-difference", None)
                    log.where = Where(step, "deferred")

            setattr(operation, method, wrapper)


# Offline (Oracle) -----------------------------------------------------------


ORACLE_VERSION = (19,)


class NeedsServer(Exception):
    """Raised offline where the schema editor queries the database."""


# What the log gets instead of the statements of an operation that needs the
# server offline.
NEEDS_SERVER = "-- {} needs the server"
# As compare_runs() finds it in a statement group.
RENAME_MODEL_NEEDS_SERVER = (NEEDS_SERVER.format("RenameModel"), "None")


def work_offline(connection):
    """
    Make connection generate SQL without a server: the server version is
    set, and anything that needs a database cursor raises NeedsServer.
    """
    connection.__dict__["oracle_version"] = ORACLE_VERSION
    # Asked of the server (MAX_STRING_SIZE = EXTENDED): collations are
    # generated, as on the other databases.
    connection.features.__dict__["supports_collation_on_charfield"] = True

    def cursor():
        raise NeedsServer

    connection.cursor = cursor


class CollectedSQL(list):
    """A schema editor's collected_sql that also logs each statement."""

    def __init__(self, log):
        super().__init__()
        self.log = log

    def append(self, sql):
        super().append(sql)
        if self.log.where is not None:
            self.log.add(sql, None)


class OfflineRecorder:
    """A MigrationRecorder that keeps the applied migrations in memory."""

    def __init__(self):
        self.applied = {}

    def ensure_schema(self):
        pass

    def applied_migrations(self):
        return dict(self.applied)

    def record_applied(self, app, name):
        self.applied[app, name] = True

    def record_unapplied(self, app, name):
        self.applied.pop((app, name), None)


@contextlib.contextmanager
def offline(connection, log, recorder):
    """
    Let MigrationExecutor run without a server: schema editors collect
    their SQL (into log), transactions are skipped, recorder stands in for
    the django_migrations table.
    """
    schema_editor = connection.schema_editor

    def collecting_schema_editor(*args, **kwargs):
        editor = schema_editor(collect_sql=True, atomic=False)
        editor.collected_sql = CollectedSQL(log)
        return editor

    with (
        mock.patch.object(connection, "schema_editor", collecting_schema_editor),
        mock.patch(
            "django.db.migrations.migration.atomic",
            lambda *args, **kwargs: contextlib.nullcontext(),
        ),
        mock.patch(
            "django.db.migrations.executor.MigrationRecorder", lambda _: recorder
        ),
        mock.patch("django.db.migrations.loader.MigrationRecorder", lambda _: recorder),
    ):
        yield


def create_server_database(connection):
    """Create the runs' database on PostgreSQL or MariaDB if it is missing."""
    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        if connection.vendor == "mysql":
            quoted_name = connection.ops.quote_name(name)
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS {quoted_name}")
            return
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            return
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    # Before Django's first connection, whose type handlers look for hstore.
    database = connection.get_new_connection(connection.get_connection_params())
    database.autocommit = True
    with database.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {POSTGRESQL_EXTENSIONS_SCHEMA}")
        for extension in POSTGRESQL_EXTENSIONS:
            cursor.execute(
                f"CREATE EXTENSION {extension} SCHEMA {POSTGRESQL_EXTENSIONS_SCHEMA}"
            )
    database.close()


def drop_server_database(connection):
    close_connection(connection)
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")


def close_connection(connection):
    from django.db.backends.base.base import BaseDatabaseWrapper

    # SQLite's DatabaseWrapper.close() keeps in-memory databases open; this
    # frees them.
    BaseDatabaseWrapper.close(connection)
    if connection.connection is not None:
        # Lost inside a transaction (e.g. the server closed it), the
        # connection is only marked closed_in_transaction and would never be
        # opened again: give the next run a new one.
        connection.connection = None
        connection.in_atomic_block = False
        connection.closed_in_transaction = False
        connection.needs_rollback = False
        connection.savepoint_ids = []
        connection.atomic_blocks = []


# Emptying a PostgreSQL database leaves the rows of the dropped tables dead
# in the system catalogs, which every later statement searches; on a server
# without autovacuum (this machine's) a run's pace fell by half within an
# hour. Vacuum the database every so many emptyings.
POSTGRESQL_VACUUM_INTERVAL = 100
POSTGRESQL_EMPTYINGS = itertools.count(1)


def empty_database(connection):
    """Give the next run an empty database on a new connection."""
    close_connection(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
            if next(POSTGRESQL_EMPTYINGS) % POSTGRESQL_VACUUM_INTERVAL == 0:
                cursor.execute("VACUUM")
        elif connection.vendor == "mysql":
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            cursor.execute(f"DROP DATABASE {name}")
            cursor.execute(f"CREATE DATABASE {name}")
            cursor.execute(f"USE {name}")


# Introspecting a MariaDB table takes several information_schema queries,
# half the time of a history there. The introspection of a table is a
# function of its definition, which SHOW CREATE TABLE gives whole in one
# query: the snapshots of tables defined as before are looked up by their
# definition. Emptied when full.
MYSQL_TABLE_SNAPSHOTS = {}
MYSQL_TABLE_SNAPSHOTS_SIZE = 10_000


def schema_snapshot(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master"
                " WHERE tbl_name NOT IN ('django_migrations', 'sqlite_sequence')"
                " ORDER BY type, name"
            )
            return cursor.fetchall()
        return [
            table_snapshot(connection, cursor, table)
            for table in sorted(connection.introspection.table_names(cursor))
            if table != "django_migrations"
        ]


def table_snapshot(connection, cursor, table):
    if connection.vendor == "mysql":
        cursor.execute(f"SHOW CREATE TABLE {connection.ops.quote_name(table)}")
        definition = cursor.fetchone()[1]
        if (snapshot := MYSQL_TABLE_SNAPSHOTS.get(definition)) is not None:
            return snapshot
    introspection = connection.introspection
    snapshot = (
        table,
        introspection.get_table_description(cursor, table),
        # By name: MariaDB's come in no particular order.
        sorted(introspection.get_constraints(cursor, table).items()),
        introspection.get_sequences(cursor, table),
    )
    if connection.vendor == "mysql":
        if len(MYSQL_TABLE_SNAPSHOTS) >= MYSQL_TABLE_SNAPSHOTS_SIZE:
            MYSQL_TABLE_SNAPSHOTS.clear()
        MYSQL_TABLE_SNAPSHOTS[definition] = snapshot
    return snapshot


@dataclasses.dataclass
class Run:
    statements: list
    # [(Step, repr(schema_snapshot()) after it)]
    snapshots: list
    # "ExceptionClass: message" of an exception that stopped the run.
    error: str | None


def run_to_json(run):
    def step(step):
        return [step.direction, step.index]

    return {
        "statements": [
            [step(s.where.step), s.where.operation, s.sql, s.params]
            for s in run.statements
        ],
        "snapshots": [[step(at), schema] for at, schema in run.snapshots],
        "error": run.error,
    }


def run_from_json(data):
    return Run(
        [
            Statement(Where(Step(*step), operation), sql, params)
            for step, operation, sql, params in data["statements"]
        ],
        [(Step(*step), schema) for step, schema in data["snapshots"]],
        data["error"],
    )


def apply_history(history, stand_ins, inject_difference=None):
    """
    Migrate from zero through history and back to zero, with stand-ins or
    with rendered models; return the Run.
    """
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.state import ProjectState

    connection = connections[DATABASE_ALIAS]
    is_offline = connection.vendor == "oracle"
    loader_class = make_loader_class()
    objects = migration_objects(history)
    log = StatementLog()
    for migration in objects:
        instrument(migration, log, inject_difference if stand_ins else None)

    def migrate(step, target):
        log.where = Where(step, None)
        executor = executor_class(connection)
        executor.loader = loader_class(connection, objects)
        executor.migrate([target])
        log.where = None
        if not is_offline:
            # repr(): comparable with a worker's (fuzzing.worker).
            snapshots.append((step, repr(schema_snapshot(connection))))

    executor_class = (
        MigrationExecutor if stand_ins else make_stock_rendering_executor_class()
    )
    snapshots = []
    error = None
    patch = (
        contextlib.nullcontext()
        if stand_ins
        else mock.patch.object(
            ProjectState, "models_for_schema_editor", rendered_models()
        )
    )
    if is_offline:
        stack = offline(connection, log, OfflineRecorder())
    else:
        empty_database(connection)
        stack = connection.execute_wrapper(log.record)
    try:
        with patch, stack:
            for index, migration in enumerate(objects):
                migrate(Step("forwards", index), (migration.app_label, migration.name))
            for index in reversed(range(len(objects))):
                migration = objects[index]
                earlier = [
                    other.name
                    for other in objects[:index]
                    if other.app_label == migration.app_label
                ]
                target = (migration.app_label, earlier[-1] if earlier else None)
                migrate(Step("backwards", index), target)
    except Exception as e:
        error = f"{type(e).__name__}: {e}"
    finally:
        if not is_offline:
            close_connection(connection)
    return Run(log.statements, snapshots, error)


# Comparing -------------------------------------------------------------------


@dataclasses.dataclass
class Difference:
    where: str
    what: str  # "statements", "statements (order-insensitive)", "schema", "error"
    stock: list
    stand_ins: list
    # The Where of statement differences.
    location: object = None


@dataclasses.dataclass
class Comparison:
    differences: list
    # The reference: rendered models (in this process) or stock Django.
    stock: Run
    # The run compared with it: stand-ins (in this process) or the shim.
    stand_ins: Run
    # What stand_ins ran: "stand-ins" or "shim".
    target: str = "stand-ins"
    # What stock ran.
    reference: str = "rendered models (stock)"

    @property
    def invalid(self):
        """The history fails through rendered models: a generator bug."""
        return self.stock.error is not None and not self.stock_fails_alone

    @property
    def stock_fails_alone(self):
        """
        Stock Django fails on the history and stand-ins don't: a bug of the
        rendered models that the new path doesn't have (reported, not a
        difference; what both paths ran before it is compared).
        """
        return self.stock.error is not None and self.stand_ins.error is None


def operation_at(history, where):
    if not isinstance(where.operation, int):
        return None
    return history.migrations[where.step.index].operations[where.operation]


def describe(history, where):
    migration = history.migrations[where.step.index]
    text = f"{where.step.direction} {migration.app_label}.{migration.name}"
    if where.operation is None:
        return text + ", executor"
    if where.operation == "deferred":
        return text + ", deferred statements"
    if where.operation == RENAME_MODEL:
        return text + ", " + RENAME_MODEL
    operation = operation_at(history, where)
    return text + f", operation {where.operation} ({type(operation).__name__})"


def operation_kind(history, difference):
    """The class name of the operation where difference is, if any."""
    where = difference.location
    if where is None:
        return None
    if where.operation == RENAME_MODEL:
        return "RenameModel"
    operation = operation_at(history, where)
    return type(operation).__name__ if operation is not None else where.operation


def is_rename_model(operation):
    from django.db.migrations import RenameModel

    return isinstance(operation, RenameModel)


# The group of a migration's RenameModel operations and the index statements
# that run after them.
RENAME_MODEL = "RenameModel and the index statements after it"


def runs_after_rename_model(history, where):
    """
    Whether the statement position where comes after a RenameModel of its
    migration: a later operation (in the order of where.step.direction) or
    the deferred statements.
    """
    operations = history.migrations[where.step.index].operations
    positions = [
        position
        for position, operation in enumerate(operations)
        if is_rename_model(operation)
    ]
    if not positions or where.operation is None:
        return False
    if where.operation == "deferred":
        return True
    if where.step.direction == "forwards":
        return where.operation > min(positions)
    return where.operation < max(positions)


def group(history, statements):
    """
    The statements by Where; a migration's RenameModel operations and the
    CREATE INDEX statements that run after them (in later operations or
    deferred) form one group, Where(step, RENAME_MODEL).
    """
    groups = collections.defaultdict(list)
    for statement in statements:
        where = statement.where
        if is_rename_model(operation_at(history, where)) or (
            CREATE_INDEX_RE.match(statement.sql)
            and runs_after_rename_model(history, where)
        ):
            where = Where(where.step, RENAME_MODEL)
        groups[where].append((statement.sql, statement.params))
    from django.db import connections

    if connections[DATABASE_ALIAS].vendor == "mysql":
        for where, grouped in groups.items():
            groups[where] = with_foreign_key_drops_sorted(grouped)
    return groups


DROP_FOREIGN_KEY_RE = re.compile(r"ALTER TABLE `([^`]+)` DROP FOREIGN KEY ")


def with_foreign_key_drops_sorted(statements):
    """
    statements with each run of consecutive DROP FOREIGN KEY statements on
    one table sorted: the MariaDB schema editor drops the foreign keys of a
    column in the order information_schema lists them, which is unspecified
    and differs between two databases made by the same statements.
    """
    result, drops = [], []
    for statement in statements:
        match = DROP_FOREIGN_KEY_RE.match(statement[0])
        if drops and (
            not match or DROP_FOREIGN_KEY_RE.match(drops[0][0])[1] != match[1]
        ):
            result += sorted(drops)
            drops = []
        (drops if match else result).append(statement)
    return result + sorted(drops)


CREATE_INDEX_RE = re.compile(r'CREATE (?:UNIQUE )?INDEX "[^"]+" ON "([^"]+)" \((.*)\)')
DROP_TABLE_RE = re.compile(r'DROP TABLE "([^"]+)"$')


def tables_dropped_after_rename_model(history, statements, step):
    """
    The tables that operations of step's migration running after its
    RenameModel drop (e.g. a RenameField of a many-to-many field rebuilding
    its table under the new name).
    """
    return {
        match.group(1)
        for statement in statements
        if statement.where.step == step
        and isinstance(statement.where.operation, int)
        and runs_after_rename_model(history, statement.where)
        and (match := DROP_TABLE_RE.match(statement.sql))
    }


def without_short_lived_indexes(statements, dropped_later=frozenset()):
    """
    statements without the CREATE INDEX statements for tables that are
    dropped later in the same statements or by a later operation
    (dropped_later): where the RenameModel rebuilds the tables in the other
    order, pending deferred index statements run on a table before it is
    rebuilt or dropped (README "Known differences"). They leave nothing in
    the schema (which is compared on its own).
    """
    kept = []
    for position, (sql, params) in enumerate(statements):
        match = CREATE_INDEX_RE.match(sql)
        if match:
            if match.group(1) in dropped_later:
                continue
            dropped_later_here = ('DROP TABLE "%s"' % match.group(1), "()")
            if dropped_later_here in statements[position:]:
                continue
        # Deferred statements run with no parameters (None) at the end of a
        # migration, and with () when the SQLite schema editor runs them
        # early (_remake_table()): the same statement.
        kept.append((sql, "None" if params == "()" else params))
    return kept


def completed_part(run, steps):
    """The statements and schemas of run's steps among steps."""
    return Run(
        [statement for statement in run.statements if statement.where.step in steps],
        [(step, schema) for step, schema in run.snapshots if step in steps],
        None,
    )


def compare_runs(history, stock, stand_ins):
    differences = []
    if stock.error is not None and stand_ins.error is None:
        # Comparison.stock_fails_alone: compare the migrations stock completed.
        completed = {step for step, _ in stock.snapshots}
        stock = completed_part(stock, completed)
        stand_ins = completed_part(stand_ins, completed)
    stock_groups = group(history, stock.statements)
    stand_in_groups = group(history, stand_ins.statements)
    # Offline, a RenameModel that stopped at a query leaves the statements
    # after it in its migration depending on which of its statements ran
    # (e.g. deferred statements naming a table it renamed or not): only
    # whether it stopped is compared, and nothing after it.
    stopped = {
        where.step
        for groups in (stock_groups, stand_in_groups)
        for where, statements in groups.items()
        if where.operation == RENAME_MODEL and RENAME_MODEL_NEEDS_SERVER in statements
    }
    for where in dict.fromkeys([*stock_groups, *stand_in_groups]):
        expected, got = stock_groups.get(where, []), stand_in_groups.get(where, [])
        if (
            where.step in stopped
            and where.operation != RENAME_MODEL
            and runs_after_rename_model(history, where)
        ):
            continue
        if where.operation == RENAME_MODEL and (
            RENAME_MODEL_NEEDS_SERVER in expected or RENAME_MODEL_NEEDS_SERVER in got
        ):
            # Which of its statements come before the query depends on their
            # order: the known difference.
            if (RENAME_MODEL_NEEDS_SERVER in expected) != (
                RENAME_MODEL_NEEDS_SERVER in got
            ):
                differences.append(
                    Difference(
                        describe(history, where), "statements", expected, got, where
                    )
                )
        elif where.operation == RENAME_MODEL or (
            where.operation == "deferred" and runs_after_rename_model(history, where)
        ):
            # The documented difference (README "Known differences",
            # DESIGN.md section 4, trap 2): RenameModel re-creates the foreign
            # keys to the renamed table (on SQLite: rebuilds the tables that
            # hold them) in another order, which also moves pending deferred
            # CREATE INDEX statements to another point after it; some then
            # run on a table that is rebuilt later, and are run again. Whether
            # any are left at the end also decides whether the executor
            # records the migration before the schema editor's closing
            # statements or after them (apply_migration()).
            dropped_later = tables_dropped_after_rename_model(
                history, stock.statements, where.step
            ) | tables_dropped_after_rename_model(
                history, stand_ins.statements, where.step
            )
            if collections.Counter(
                without_short_lived_indexes(expected, dropped_later)
            ) != collections.Counter(without_short_lived_indexes(got, dropped_later)):
                differences.append(
                    Difference(
                        describe(history, where),
                        "statements (order-insensitive)",
                        expected,
                        got,
                        where,
                    )
                )
        elif expected != got:
            differences.append(
                Difference(describe(history, where), "statements", expected, got, where)
            )
    stock_schemas, stand_in_schemas = dict(stock.snapshots), dict(stand_ins.snapshots)
    for step in dict.fromkeys([*stock_schemas, *stand_in_schemas]):
        expected, got = stock_schemas.get(step), stand_in_schemas.get(step)
        if expected != got:
            differences.append(
                Difference(
                    describe(history, Where(step, None)).replace(", executor", ""),
                    "schema",
                    expected or [],
                    got or [],
                )
            )
    if stock.error != stand_ins.error:
        differences.append(
            Difference("the run", "error", [stock.error], [stand_ins.error])
        )
    return differences


def rendered_models_run(history):
    return apply_history(history, stand_ins=False)


def stand_ins_run(history, inject_difference=None):
    return apply_history(history, stand_ins=True, inject_difference=inject_difference)


def compare_history(history, inject_difference=None, reference=None, targets=None):
    """
    Run history through the reference (default: rendered models in this
    process) and each target (default: stand-ins in this process) and
    compare; return a Comparison, of the first target that differs.
    reference and the values of the targets dict are callables taking a
    history and returning its Run (fuzzing.worker.Worker for another
    process).
    """
    reference_name = "stock Django" if reference else "rendered models (stock)"
    reference = reference or rendered_models_run
    targets = targets or {
        "stand-ins": functools.partial(
            stand_ins_run, inject_difference=inject_difference
        )
    }
    stock = reference(history)
    # The target compared last is the one reported.
    for target, run_target in targets.items():  # noqa: B007
        run = run_target(history)
        differences = compare_runs(history, stock, run)
        if differences:
            # The first queries of a connection's features and introspection
            # are cached (the overlay's tests warm up the same way): check
            # again.
            stock = reference(history)
            run = run_target(history)
            differences = compare_runs(history, stock, run)
        if differences:
            break
    return Comparison(differences, stock, run, target, reference_name)
