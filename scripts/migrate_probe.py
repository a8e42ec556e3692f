"""In-process driver for scripts/compare-migrate.

Run once per measurement in a fresh interpreter (the app registry is global),
with the Django tree under test first on PYTHONPATH and a fixed PYTHONHASHSEED
(statement order depends on set iteration, DESIGN §4 trap 3):

    python migrate_probe.py --project DIR --out result.json [--label NAME]
        [--settings synthproj.settings] [--recreate-db] [--profile PREFIX]

On a fresh empty database it runs ``migrate`` from zero, snapshots the schema,
then runs ``migrate <app> zero`` for every migrated app (contrib apps too, see
backward_app_order()) and snapshots the schema again. For each direction it
records the wall time, the calls to ``ModelState.render`` and
``ProjectState.clone`` (split into pre_migrate / executor / post_migrate
phases) and the normalized statement log of every connection. The result is
one JSON file.

Determinism: timestamps of the run (auto_now defaults, django_migrations.applied)
and savepoint ids are normalized in the logs; uuid.uuid4 is replaced by a
seeded generator so that callable UUID defaults are the same in every run.

The normalization helpers at the top import nothing from Django, so the tests
(and compare-migrate) can use them from any Python version.
"""

import argparse
import contextlib
import datetime
import decimal
import io
import json
import os
import re
import sys
import time
import traceback

RESULT_FORMAT = 1

# Savepoint ids embed the thread id: "s140245_x3" (base.py, _savepoint()).
SAVEPOINT_RE = re.compile(r"\bs\d+_x(\d+)\b")
# Quoted or bare ISO-8601 literals as Django's backends print them.
DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}(?::?\d{2})?)?"
)
DATE_RE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d:-]|[ T]\d)")
TIME_RE = re.compile(
    r"(?<!\d{4}-\d{2}-\d{2}[ T])(?<![\d:.-])\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?![\d:])"
)

NOW = "<NOW>"
TODAY = "<TODAY>"
NOW_TIME = "<NOW_TIME>"

# How far outside the run a "current" timestamp may lie (clock skew, rounding).
WINDOW_SLACK = datetime.timedelta(minutes=5)


class TimeWindow:
    """
    The wall-clock interval of a run. Only literals inside it are replaced, so
    fixed defaults such as date(2020, 1, 1) still take part in the comparison
    (DESIGN §4 trap 4: auto_now/auto_now_add defaults embed the current time).
    """

    def __init__(self, start, end):
        # Aware UTC datetimes.
        self.start = start - WINDOW_SLACK
        self.end = end + WINDOW_SLACK

    @classmethod
    def around_now(cls):
        now = datetime.datetime.now(datetime.timezone.utc)
        return cls(now, now)

    def extend_to_now(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.end = max(self.end, now + WINDOW_SLACK)

    def _bounds(self):
        # Naive values may be local time or UTC (USE_TZ=False/True).
        yield self.start, self.end
        yield self.start.astimezone(), self.end.astimezone()

    def contains_datetime(self, value):
        if value.tzinfo is not None:
            return self.start <= value <= self.end
        for start, end in self._bounds():
            if start.replace(tzinfo=None) <= value <= end.replace(tzinfo=None):
                return True
        return False

    def contains_date(self, value):
        return any(start.date() <= value <= end.date() for start, end in self._bounds())

    def contains_time(self, value):
        seconds = _seconds_of_day(value)
        for start, end in self._bounds():
            if end - start >= datetime.timedelta(days=1):
                return True
            low, high = _seconds_of_day(start.time()), _seconds_of_day(end.time())
            if low <= high:
                if low <= seconds <= high:
                    return True
            elif seconds >= low or seconds <= high:  # Crosses midnight.
                return True
        return False


def _seconds_of_day(value):
    return (
        value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    )


def _parse_datetime(text):
    text = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{2}$", text):
        text += ":00"
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


class Normalizer:
    """Replace time-dependent values in statements; count what was replaced."""

    def __init__(self, window):
        self.window = window
        self.replaced = 0

    def text(self, text):
        text = SAVEPOINT_RE.sub(r"s<TID>_x\1", text)
        text = DATETIME_RE.sub(self._datetime_match, text)
        text = DATE_RE.sub(self._date_match, text)
        return TIME_RE.sub(self._time_match, text)

    def _replace(self, placeholder):
        self.replaced += 1
        return placeholder

    def _datetime_match(self, match):
        value = _parse_datetime(match.group())
        if value is not None and self.window.contains_datetime(value):
            return self._replace(NOW)
        return match.group()

    def _date_match(self, match):
        try:
            value = datetime.date.fromisoformat(match.group())
        except ValueError:
            return match.group()
        return (
            self._replace(TODAY) if self.window.contains_date(value) else match.group()
        )

    def _time_match(self, match):
        try:
            value = datetime.time.fromisoformat(match.group())
        except ValueError:
            return match.group()
        if self.window.contains_time(value):
            return self._replace(NOW_TIME)
        return match.group()

    def value(self, value):
        """Return a JSON-compatible, normalized form of one query parameter."""
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {str(key): self.value(item) for key, item in value.items()}
        if isinstance(value, datetime.datetime):
            if self.window.contains_datetime(value):
                return "datetime:" + self._replace(NOW)
            return "datetime:" + value.isoformat()
        if isinstance(value, datetime.date):
            if self.window.contains_date(value):
                return "date:" + self._replace(TODAY)
            return "date:" + value.isoformat()
        if isinstance(value, datetime.time):
            if self.window.contains_time(value):
                return "time:" + self._replace(NOW_TIME)
            return "time:" + value.isoformat()
        if isinstance(value, decimal.Decimal):
            return "decimal:" + str(value)
        if isinstance(value, memoryview):
            value = bytes(value)
        # bytes, UUID, adapter objects (psycopg Jsonb, ...): repr is stable.
        return self.text(repr(value))

    def statement(self, sql, params, many=False):
        """
        Format one executed statement as a single line: newlines in the SQL are
        escaped so that a unified diff of two logs lines up statement by
        statement. params=None and params=[] stay distinct (the sqlite backend
        skips %-interpolation for None).
        """
        line = self.text(str(sql)).replace("\\", "\\\\").replace("\n", "\\n")
        if params is not None:
            if not isinstance(params, (list, tuple, dict)):
                params = list(params)
            label = "many params" if many else "params"
            line += " -- %s: %s" % (
                label,
                json.dumps(self.value(params), ensure_ascii=False),
            )
        return line


def make_uuid4_deterministic(seed=0):
    """
    Replace uuid.uuid4 by a seeded generator before any model or migration is
    imported: AddField(UUIDField(default=uuid.uuid4)) puts a fresh value in
    the SQL, which no normalization could tell from a real difference.
    """
    import random
    import uuid

    generator = random.Random(seed)

    def uuid4():
        return uuid.UUID(int=generator.getrandbits(128), version=4)

    uuid4.__module__, uuid4.__qualname__ = "uuid", "uuid4"
    uuid.uuid4 = uuid4


# ---------------------------------------------------------------------------
# Everything below needs Django.


class Counters:
    """Count calls of a few methods, per direction and migrate phase."""

    PHASES = ("pre_migrate", "executor", "post_migrate")

    def __init__(self):
        self.direction = None  # None = not recording.
        self.phase = "pre_migrate"
        self.counts = {}

    def reset(self, direction):
        self.direction = direction
        self.phase = "pre_migrate"
        self.counts[direction] = {
            "renders": dict.fromkeys(self.PHASES, 0),
            "clones": dict.fromkeys(self.PHASES, 0),
        }

    def bump(self, name):
        if self.direction is not None:
            self.counts[self.direction][name][self.phase] += 1

    def summary(self, direction):
        result = {}
        for name, phases in self.counts[direction].items():
            result[name] = {**phases, "total": sum(phases.values())}
        return result


def install_counters(counters):
    """
    Wrap ModelState.render, ProjectState.clone and MigrationExecutor.migrate.
    Wrapping the class attributes catches every caller, including render_multiple
    and any new code path the patches add.
    """
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.state import ModelState, ProjectState

    original_render = ModelState.render
    original_clone = ProjectState.clone
    original_migrate = MigrationExecutor.migrate

    def render(self, *args, **kwargs):
        counters.bump("renders")
        return original_render(self, *args, **kwargs)

    def clone(self, *args, **kwargs):
        counters.bump("clones")
        return original_clone(self, *args, **kwargs)

    def migrate(self, *args, **kwargs):
        counters.phase = "executor"
        try:
            return original_migrate(self, *args, **kwargs)
        finally:
            # Whatever the command does after the executor is post_migrate work.
            counters.phase = "post_migrate"

    ModelState.render = render
    ProjectState.clone = clone
    MigrationExecutor.migrate = migrate


def copy_params(params):
    # Named parameters (a mapping) are allowed by most backends.
    return dict(params) if isinstance(params, dict) else list(params)


class StatementLog:
    """An execute_wrapper that keeps raw statements; normalized afterwards."""

    def __init__(self):
        self.entries = None  # None = not recording.

    def __call__(self, execute, sql, params, many, context):
        if many and params is not None and not isinstance(params, (list, tuple)):
            # executemany() may get an iterator; consume it once, for both.
            params = list(params)
        if self.entries is not None:
            alias = context["connection"].alias
            # Copy: callers may reuse and mutate their parameter lists.
            if params is None:
                snapshot = None
            elif many:
                snapshot = [copy_params(p) for p in params]
            else:
                snapshot = copy_params(params)
            self.entries.append((alias, sql, snapshot, many))
        return execute(sql, params, many, context)

    def start(self):
        self.entries = []

    def stop(self):
        entries, self.entries = self.entries, None
        return entries


def format_log(entries, normalizer):
    aliases = {alias for alias, *_ in entries}
    lines = []
    for alias, sql, params, many in entries:
        line = normalizer.statement(sql, params, many)
        # Only prefix the alias when a project uses several databases.
        lines.append(line if aliases == {"default"} else "[%s] %s" % (alias, line))
    return lines


def recreate_database(connection, expected_name):
    """
    Drop and create the test database. Refuse unless the settings' NAME is the
    one compare-migrate chose (SYNTH_DB_NAME), so a project whose settings
    ignore the variable can't lose its real database.
    """
    name = connection.settings_dict["NAME"]
    if str(name) != expected_name:
        raise SystemExit(
            "migrate_probe: DATABASES['default']['NAME'] is %r but SYNTH_DB_NAME is "
            "%r; refusing to recreate it (the settings must honour SYNTH_DB_NAME)."
            % (name, expected_name)
        )
    connection.close()
    if connection.vendor == "sqlite":
        if name != ":memory:" and "mode=memory" not in str(name):
            for suffix in ("", "-journal", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(str(name) + suffix)
        return
    quoted = connection.ops.quote_name(name)
    with connection._nodb_cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % quoted)
        else:
            cursor.execute("DROP DATABASE IF EXISTS %s" % quoted)
        cursor.execute("CREATE DATABASE %s" % quoted)


def drop_database(connection):
    connection.close()
    if connection.vendor == "sqlite":
        return
    quoted = connection.ops.quote_name(connection.settings_dict["NAME"])
    with connection._nodb_cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % quoted)
        else:
            cursor.execute("DROP DATABASE IF EXISTS %s" % quoted)


# Schema snapshots: lists of lines, ordered by name so that creation order
# doesn't matter but column order (inside the definitions) does.

PG_SNAPSHOT_QUERIES = [
    (
        "relation",
        """
        SELECT c.relname, c.relkind, obj_description(c.oid, 'pg_class')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema()
            AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        ORDER BY c.relname
        """,
    ),
    (
        "column",
        """
        SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
            CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END,
            pg_get_expr(d.adbin, d.adrelid), NULLIF(a.attidentity, ''),
            NULLIF(a.attgenerated, ''), col_description(c.oid, a.attnum),
            CASE WHEN a.attcollation <> t.typcollation THEN coll.collname END
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_collation coll ON coll.oid = a.attcollation
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum
        """,
    ),
    (
        "constraint",
        """
        SELECT cl.relname, con.conname, con.contype, pg_get_constraintdef(con.oid, true)
        FROM pg_constraint con
        JOIN pg_class cl ON cl.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = cl.relnamespace
        WHERE n.nspname = current_schema()
        ORDER BY cl.relname, con.conname
        """,
    ),
    (
        "index",
        """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() ORDER BY tablename, indexname
        """,
    ),
    (
        "sequence",
        """
        SELECT sequencename, data_type, start_value, increment_by, min_value,
            max_value, cycle
        FROM pg_sequences WHERE schemaname = current_schema() ORDER BY sequencename
        """,
    ),
    (
        "view",
        """
        SELECT viewname, definition FROM pg_views
        WHERE schemaname = current_schema() ORDER BY viewname
        """,
    ),
    (
        "trigger",
        """
        SELECT c.relname, tg.tgname, pg_get_triggerdef(tg.oid, true)
        FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND NOT tg.tgisinternal
        ORDER BY c.relname, tg.tgname
        """,
    ),
    ("extension", "SELECT extname FROM pg_extension ORDER BY extname"),
]


def snapshot_schema(connection, normalizer):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master "
                "ORDER BY type, name, tbl_name"
            )
            lines = ["%s %s (%s): %s" % row for row in cursor.fetchall()]
        elif connection.vendor == "postgresql":
            lines = []
            for kind, query in PG_SNAPSHOT_QUERIES:
                cursor.execute(query)
                for row in cursor.fetchall():
                    lines.append(kind + " " + " | ".join(map(str, row)))
        elif connection.vendor == "mysql":
            cursor.execute("SHOW FULL TABLES")
            lines = []
            for name, table_type in sorted(cursor.fetchall()):
                quoted = connection.ops.quote_name(name)
                if table_type == "VIEW":
                    cursor.execute("SHOW CREATE VIEW %s" % quoted)
                else:
                    cursor.execute("SHOW CREATE TABLE %s" % quoted)
                definition = cursor.fetchone()[1]
                # The AUTO_INCREMENT counter reflects inserted rows, not schema.
                definition = re.sub(r" AUTO_INCREMENT=\d+", "", definition)
                lines.append("%s %s:" % (table_type, name))
                lines.extend("  " + line for line in definition.splitlines())
        else:
            raise SystemExit("migrate_probe: no schema snapshot for %s" % connection)
    return [normalizer.text(line).replace("\n", "\\n") for line in lines]


def backward_app_order(connection):
    """
    Migrated apps, in reverse order of their first migration in the full
    forward plan (dependents before what they depend on, so each `migrate
    <app> zero` undoes that app only, in the common case), apps shipped with
    Django last: the project's apps are unapplied while contenttypes and auth
    still exist, so their post_migrate handlers do their usual work.
    """
    from django.apps import apps
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    plan = executor.migration_plan(graph.leaf_nodes(), clean_start=True)
    order = []
    for migration, _backwards in plan:
        if migration.app_label not in order:
            order.append(migration.app_label)
    order.reverse()

    def shipped_with_django(label):
        try:
            return apps.get_app_config(label).name.startswith("django.")
        except LookupError:
            return False

    return sorted(order, key=shipped_with_django)  # Stable: keeps the order.


ADDRESS_RE = re.compile(r"\b0x[0-9a-fA-F]+\b")


def describe_error(exception, normalizer):
    """One line, without memory addresses, so that two runs can compare it."""
    message = "%s: %s" % (type(exception).__name__, exception)
    return normalizer.text(ADDRESS_RE.sub("0x?", message)).replace("\n", "\\n")


def skipped_direction(reason):
    zero = {phase: 0 for phase in (*Counters.PHASES, "total")}
    return {
        "error": None,
        "skipped": reason,
        "seconds": 0.0,
        "cpu_seconds": 0.0,
        "commands": [],
        "renders": dict(zero),
        "clones": dict(zero),
        "statements": [],
        "schema": [],
    }


def progress(label, message, started):
    print(
        "  [%s +%.1fs] %s" % (label, time.monotonic() - started, message),
        file=sys.stderr,
        flush=True,
    )


def run(args):
    started = time.monotonic()
    sys.path.insert(0, os.path.abspath(args.project))
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    make_uuid4_deterministic()

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[DEFAULT_DB_ALIAS]
    if args.recreate_db:
        recreate_database(connection, os.environ.get("SYNTH_DB_NAME", ""))

    counters = Counters()
    install_counters(counters)
    statement_log = StatementLog()
    window = TimeWindow.around_now()
    normalizer = Normalizer(window)

    result = {
        "format": RESULT_FORMAT,
        "label": args.label,
        "django_version": django.get_version(),
        "django_path": os.path.dirname(os.path.abspath(django.__file__)),
        "python": sys.version.split()[0],
        "hashseed": os.environ.get("PYTHONHASHSEED"),
        "vendor": connection.vendor,
        "installed_apps": [],
    }
    from django.apps import apps

    result["installed_apps"] = [config.name for config in apps.get_app_configs()]

    with contextlib.ExitStack() as stack:
        for conn in connections.all():
            stack.enter_context(conn.execute_wrapper(statement_log))

        def migrate(direction, commands):
            counters.reset(direction)
            statement_log.start()
            stdout = io.StringIO()
            profiler = None
            if args.profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            error = None
            t0, cpu0 = time.perf_counter(), time.process_time()
            try:
                for command_args in commands:
                    counters.phase = "pre_migrate"
                    call_command(
                        "migrate",
                        *command_args,
                        verbosity=0,
                        interactive=False,
                        stdout=stdout,
                    )
            except Exception as exception:
                # A failure is a result to compare too (stock itself fails
                # backwards on some projects): record it and carry on.
                error = describe_error(exception, normalizer)
                traceback.print_exc()
                for conn in connections.all():
                    conn.close()  # Don't snapshot through a broken transaction.
            seconds = time.perf_counter() - t0
            # This process only (not the database server): steadier than wall
            # time on a loaded machine.
            cpu_seconds = time.process_time() - cpu0
            if profiler:
                profiler.disable()
                profiler.dump_stats("%s-%s.prof" % (args.profile, direction))
            counters.direction = None
            entries = statement_log.stop()
            window.extend_to_now()
            if error:
                progress(args.label, "%s FAILED: %s" % (direction, error), started)
            return {
                "error": error,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "commands": [["migrate", *command_args] for command_args in commands],
                **counters.summary(direction),
                "statements": format_log(entries, normalizer),
            }

        progress(args.label, "forward migrate from zero...", started)
        forward = migrate("forward", [[]])
        progress(args.label, "forward done in %.2fs" % forward["seconds"], started)
        forward["schema"] = snapshot_schema(connection, normalizer)

        if args.forward_only or forward["error"]:
            reason = "--forward-only" if args.forward_only else "forward failed"
            backward = skipped_direction(reason)
        else:
            apps_order = backward_app_order(connection)
            progress(
                args.label,
                "backward migrate to zero (%d apps)..." % len(apps_order),
                started,
            )
            backward = migrate("backward", [[app, "zero"] for app in apps_order])
            progress(
                args.label, "backward done in %.2fs" % backward["seconds"], started
            )
            backward["schema"] = snapshot_schema(connection, normalizer)

    result["forward"] = forward
    result["backward"] = backward
    result["normalized_values"] = normalizer.replaced
    if args.recreate_db and not args.keep_db:
        drop_database(connection)
    with open(args.out, "w") as out:
        json.dump(result, out, indent=1)
        out.write("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", required=True, help="Directory on sys.path.")
    parser.add_argument("--settings", default="synthproj.settings")
    parser.add_argument("--out", required=True, help="JSON result file.")
    parser.add_argument("--label", default="probe", help="Name in progress lines.")
    parser.add_argument(
        "--recreate-db",
        action="store_true",
        help="Drop and create the database named by SYNTH_DB_NAME first.",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="Don't drop a recreated database."
    )
    parser.add_argument(
        "--forward-only", action="store_true", help="Don't migrate back to zero."
    )
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="Write cProfile stats to PREFIX-forward.prof and PREFIX-backward.prof.",
    )
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
