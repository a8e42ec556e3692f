"""
Tests for scripts/compare-migrate, scripts/migrate_probe.py and
scripts/migrate_phases.py.

The unit tests need nothing but this interpreter. The end-to-end tests run the
real tool (stock Django against itself as "patched") on a small project; they
need Python 3.12 and the Django sdist (downloaded once into build/), and are
skipped when no Python 3.12 is found.
"""

import datetime
import importlib.machinery
import importlib.util
import json
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"


def load_script(name, path):
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up.
    loader.exec_module(module)
    return module


compare = load_script("compare_migrate", SCRIPTS / "compare-migrate")
probe = load_script("migrate_probe", SCRIPTS / "migrate_probe.py")

UTC = datetime.timezone.utc
RUN_START = datetime.datetime(2026, 3, 4, 10, 20, 30, tzinfo=UTC)


def make_normalizer():
    return probe.Normalizer(probe.TimeWindow(RUN_START, RUN_START))


# --- Normalization ----------------------------------------------------------


def test_current_timestamps_are_normalized():
    normalizer = make_normalizer()
    sql = (
        'INSERT INTO "new__app_book" ("id", "added") SELECT "id", '
        "'2026-03-04 10:21:05.123456' FROM \"app_book\""
    )
    assert normalizer.statement(sql, None) == (
        'INSERT INTO "new__app_book" ("id", "added") SELECT "id", '
        "'<NOW>' FROM \"app_book\""
    )
    # Aware datetime params (PostgreSQL), strings (SQLite's adapted values),
    # dates and times of auto_now_add DateField/TimeField.
    params = [
        datetime.datetime(2026, 3, 4, 10, 22, tzinfo=UTC),
        "2026-03-04T10:20:31.5+00:00",
        datetime.date(2026, 3, 4),
        "10:20:40.000001",
    ]
    line = normalizer.statement("INSERT INTO t VALUES (%s, %s, %s, %s)", params)
    assert line == (
        "INSERT INTO t VALUES (%s, %s, %s, %s) -- params: "
        '["datetime:<NOW>", "<NOW>", "date:<TODAY>", "<NOW_TIME>"]'
    )
    assert normalizer.replaced == 5


def test_fixed_timestamps_are_kept():
    """Only values from the run's time window are time-dependent."""
    normalizer = make_normalizer()
    sql = "DEFAULT '2020-01-01 00:00:00' DEFAULT '2020-01-01' DEFAULT '23:59:00'"
    assert normalizer.text(sql) == sql
    assert normalizer.value(datetime.date(2020, 1, 1)) == "date:2020-01-01"
    # A datetime outside the window doesn't leak its time part to TIME_RE.
    assert normalizer.text("'2020-01-01 10:20:30'") == "'2020-01-01 10:20:30'"
    assert normalizer.replaced == 0


def test_savepoint_ids_are_normalized():
    normalizer = make_normalizer()
    assert normalizer.text('SAVEPOINT "s140234954_x12"') == 'SAVEPOINT "s<TID>_x12"'


def test_statement_format():
    normalizer = make_normalizer()
    # None and [] stay distinct: the sqlite backend only interpolates with params.
    assert normalizer.statement("SELECT 1", None) == "SELECT 1"
    assert normalizer.statement("SELECT 1", []) == "SELECT 1 -- params: []"
    assert normalizer.statement("SELECT\n%s", (b"x",), many=False) == (
        "SELECT\\n%s -- params: [\"b'x'\"]"
    )
    assert normalizer.statement("INSERT %s", [(1,), (2,)], many=True) == (
        "INSERT %s -- many params: [[1], [2]]"
    )
    assert normalizer.statement("SELECT %(a)s", {"a": 1}) == (
        'SELECT %(a)s -- params: {"a": 1}'
    )


def test_statement_log_copies_parameters():
    log = probe.StatementLog()
    log.start()
    params, rows = [1], iter([(1,), (2,)])
    context = {"connection": type("C", (), {"alias": "default"})}
    seen = []

    def execute(sql, params, many, context):
        seen.append(params)

    log(execute, "SELECT %s", params, False, context)
    log(execute, "INSERT %s", rows, True, context)
    params.append(2)  # Mutated after execution: the log keeps what ran.
    entries = log.stop()
    assert entries == [
        ("default", "SELECT %s", [1], False),
        ("default", "INSERT %s", [[1], [2]], True),
    ]
    # An iterator for executemany() is consumed once and passed on as a list.
    assert seen[1] == [(1,), (2,)]


# --- Comparison -------------------------------------------------------------


def fake_result(statements, schema=("table t",)):
    direction = {
        "seconds": 1.0,
        "cpu_seconds": 0.9,
        "statements": list(statements),
        "schema": list(schema),
        "renders": {"pre_migrate": 0, "executor": 5, "post_migrate": 2, "total": 7},
        "clones": {"pre_migrate": 0, "executor": 3, "post_migrate": 0, "total": 3},
    }
    return {"forward": direction, "backward": {**direction, "statements": []}}


def test_identical_results_have_no_differences():
    result = fake_result(["CREATE TABLE a", "CREATE TABLE b"])
    assert compare.compare_results(result, json.loads(json.dumps(result))) == []


def test_different_statement_log_is_reported():
    stock = fake_result(["CREATE TABLE a", "CREATE TABLE b", "CREATE INDEX i"])
    patched = fake_result(["CREATE TABLE a", "CREATE TABLE b2", "CREATE INDEX i"])
    (difference,) = compare.compare_results(stock, patched, "stock", "patched")
    assert difference.what == "forward statements"
    assert difference.index == 1
    assert "-CREATE TABLE b" in difference.excerpt
    assert "+CREATE TABLE b2" in difference.excerpt
    assert difference.excerpt[0] == "--- stock forward statements"


def test_extra_statement_and_schema_difference_are_reported():
    stock = fake_result(["A", "B"])
    patched = fake_result(["A", "B", "C"], schema=["table t", "index i"])
    differences = compare.compare_results(stock, patched)
    assert [(d.what, d.index) for d in differences] == [
        ("forward statements", 2),
        ("forward schema", 1),
        ("backward schema", 1),
    ]


def test_long_changed_lines_show_where_they_differ():
    columns = ", ".join('"c%d" integer NOT NULL' % i for i in range(40))
    stock = fake_result(['CREATE TABLE "t" (%s, "x" bigint)' % columns])
    patched = fake_result(['CREATE TABLE "t" (%s, "x" integer)' % columns])
    (difference,) = compare.compare_results(stock, patched)
    removed, added = difference.excerpt[3:5]
    assert removed.startswith("-...") and removed.endswith('"x" bigint)')
    assert added.startswith("+...") and added.endswith('"x" integer)')


def test_migrate_errors_are_compared():
    stock, patched = fake_result(["A"]), fake_result(["A"])
    stock["backward"]["error"] = "ValueError: Cannot query"
    assert compare.compare_results(stock, json.loads(json.dumps(stock))) == []
    (difference,) = compare.compare_results(stock, patched, "stock", "patched")
    assert difference.what == "backward error"
    assert difference.excerpt[2:] == ["-ValueError: Cannot query", "+(no error)"]
    summaries = [
        compare.Summary(compare.Target("stock", Path("s")), [stock]),
        compare.Summary(
            compare.Target("patched", Path("p")), [patched], differences=[difference]
        ),
    ]
    assert summaries[1].identical("statements") is False
    assert summaries[1].identical("schema") is True
    table = compare.format_table(summaries, [])
    assert table[2].split()[1:5] == ["1.00", "s", "failed", "1.00x"]
    assert table[3].split()[1:7] == ["1.00", "s", "1.00", "s", "1.00x", "/"]
    assert table[3].split()[7] == "-"


def test_repeats_must_agree():
    first, second = fake_result(["A"]), fake_result(["A"])
    assert compare.check_repeats([first, second]) == []
    second["forward"]["renders"] = {**second["forward"]["renders"], "total": 8}
    assert compare.check_repeats([first, second]) == ["forward renders"]


def test_stock_may_differ_from_a_baseline_reference():
    """With --baseline-upto N, stock differing is reported, not a failure."""
    baseline = fake_result(["A"])
    stock = compare.Summary(
        compare.Target("stock", Path("s")),
        [fake_result(["B"])],
        differences=compare.compare_results(baseline, fake_result(["B"])),
        reference="upto-1",
    )
    reference = compare.Summary(compare.Target("upto-1", Path("u")), [baseline])
    assert not stock.failed
    table = compare.format_table([stock, reference], [])
    assert table[2].split()[-4:] == ["no", "(by", "design)", "yes"]
    assert "(reference)" in table[3]


def test_table_marks_differences():
    stock = compare.Summary(compare.Target("stock", Path("s")), [fake_result(["A"])])
    patched = compare.Summary(
        compare.Target("patched", Path("p")),
        [fake_result(["B"])],
        differences=compare.compare_results(fake_result(["A"]), fake_result(["B"])),
    )
    table = compare.format_table([stock, patched], [("shim", "no shim")])
    assert table[0].split()[:3] == ["target", "forward", "backward"]
    assert table[2].startswith("stock ") and "(reference)" in table[2]
    assert table[3].split()[-2:] == ["no", "yes"]
    assert table[4].split()[:2] == ["shim", "skipped:"]


def test_same_statements_in_another_order_are_told_apart():
    """A reordered log is still a difference, labelled "order only"."""
    stock = compare.Summary(
        compare.Target("stock", Path("s")), [fake_result(["A", "B", "C"])]
    )
    reordered = compare.compare_results(
        fake_result(["A", "B", "C"]), fake_result(["A", "C", "B"])
    )
    changed = compare.compare_results(
        fake_result(["A", "B", "C"]), fake_result(["A", "C", "C"])
    )
    assert [d.reordered for d in reordered] == [True]
    assert [d.reordered for d in changed] == [False]
    patched = compare.Summary(
        compare.Target("patched", Path("p")),
        [fake_result(["A", "C", "B"])],
        differences=reordered,
    )
    shim = compare.Summary(
        compare.Target("shim", Path("h")),
        [fake_result(["A", "C", "C"])],
        differences=changed,
    )
    assert patched.failed and shim.failed
    table = compare.format_table([stock, patched, shim], [])
    assert table[3].split()[-4:] == ["no", "(order", "only)", "yes"]
    assert table[4].split()[-2:] == ["no", "yes"]
    for summary in (stock, patched, shim):
        summary.results[0].update(
            django_path="d", django_version="6.1.3", installed_apps=[]
        )
    args = compare.parse_args(["--models", "10"])
    data = compare.summary_data(args, [stock, patched, shim], [])
    assert data["targets"]["patched"]["sql_order_only"] is True
    assert data["targets"]["shim"]["sql_order_only"] is False
    assert data["identical"] is False


def test_shim_target_only_when_the_shim_exists(tmp_path, monkeypatch):
    stock = tmp_path / "stock"
    monkeypatch.setattr(compare, "ensure_stock_tree", lambda version: stock)
    monkeypatch.setattr(compare, "SHIM_DIR", tmp_path / "shim")
    args = compare.parse_args(["--targets", "stock,shim"])
    targets, skipped, reference = compare.make_targets(args)
    assert [target.name for target in targets] == ["stock"]
    assert [name for name, _reason in skipped] == ["shim"]
    assert reference == "stock"
    (tmp_path / "shim" / "src").mkdir(parents=True)
    targets, skipped, reference = compare.make_targets(args)
    assert [target.name for target in targets] == ["stock", "shim"]
    assert skipped == []
    # The shim runs on stock Django, with its package and app added.
    assert targets[1].env() == {
        "PYTHONPATH": os.pathsep.join([str(stock), str(tmp_path / "shim" / "src")]),
        "SYNTH_EXTRA_APPS": "modelstate_migrate",
    }


def test_other_django_release_without_the_series(tmp_path, monkeypatch):
    """On another release than the series' base, stock and shim are compared."""
    trees = []
    monkeypatch.setattr(
        compare,
        "ensure_stock_tree",
        lambda version: trees.append(version) or tmp_path / version,
    )
    (tmp_path / "shim" / "src").mkdir(parents=True)
    monkeypatch.setattr(compare, "SHIM_DIR", tmp_path / "shim")
    targets, skipped, _ = compare.make_targets(
        compare.parse_args(["--django", "5.2.19"])
    )
    assert [target.name for target in targets] == ["stock", "shim"]
    assert targets[1].django_tree == tmp_path / "5.2.19"
    assert skipped == [("patched", "the series applies to 6.1.3")]
    for argv in (
        ["--targets", "patched"],
        ["--baseline-upto", "1"],
        ["--patched-tree", str(tmp_path)],
    ):
        args = compare.parse_args(["--django", "6.0.10", *argv])
        with pytest.raises(
            compare.Failure,
            match="the patch series applies to Django 6.1.3, not 6.0.10",
        ):
            compare.make_targets(args)
    assert trees == ["5.2.19"]  # Refused arguments download nothing.


def test_synth_project_options_are_passed_on(tmp_path, monkeypatch):
    commands = []
    monkeypatch.setattr(
        compare, "run", lambda command, **kwargs: commands.append(command)
    )
    args = compare.parse_args(["--models", "50", "--no-contrib", "--db-on-delete"])
    project = compare.make_project(args, tmp_path, {})
    assert project == tmp_path / "project"
    (command,) = commands
    assert command[-2:] == ["--db-on-delete", "--no-contrib"]
    args = compare.parse_args(["--models", "50"])
    compare.make_project(args, tmp_path, {})
    assert "--no-contrib" not in commands[-1]


# --- End to end -------------------------------------------------------------

SETTINGS = """
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "tiny"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "app00",
    "app01",
] + [app for app in os.environ.get("SYNTH_EXTRA_APPS", "").split(",") if app]
DB = os.environ.get("SYNTH_DB", "sqlite")
if DB == "sqlite":
    NAME = os.environ.get("SYNTH_DB_NAME") or os.path.join(BASE_DIR, "db.sqlite3")
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": NAME}}
elif DB == "postgresql":
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1",
        "PORT": "5432", "USER": "postgres",
        "NAME": os.environ.get("SYNTH_DB_NAME", "synth"),
    }}
else:
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.mysql", "HOST": "127.0.0.1", "PORT": "3306",
        "USER": "root", "PASSWORD": "",
        "NAME": os.environ.get("SYNTH_DB_NAME", "synth"),
    }}
"""

APP00_0001 = """
from django.db import migrations, models

class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel("Author", [
            ("id", models.BigAutoField(primary_key=True)),
            ("name", models.CharField(max_length=50)),
        ]),
        migrations.CreateModel("Tag", [
            ("id", models.BigAutoField(primary_key=True)),
            ("label", models.CharField(max_length=20, unique=True)),
        ]),
    ]
"""

# AddField of NOT NULL auto_now_add and uuid4-default columns: the schema
# editor embeds the current time (DESIGN §4 trap 4) or a random UUID in the SQL.
APP00_0002 = """
import uuid

from django.db import migrations, models

class Migration(migrations.Migration):
    dependencies = [("app00", "0001_initial")]
    operations = [
        migrations.AddField(
            "author", "joined", models.DateTimeField(auto_now_add=True)
        ),
        migrations.AddField("author", "since", models.DateField(auto_now_add=True)),
        migrations.AddField("tag", "uid", models.UUIDField(default=uuid.uuid4)),
        migrations.AlterField("author", "name", models.CharField(max_length=80)),
    ]
"""

APP01_0001 = """
from django.db import migrations, models

def touch(apps, schema_editor):
    apps.get_model("app01", "Book").objects.count()

class Migration(migrations.Migration):
    initial = True
    dependencies = [("app00", "0002_more")]
    operations = [
        migrations.CreateModel("Book", [
            ("id", models.BigAutoField(primary_key=True)),
            ("title", models.CharField(max_length=50, db_index=True)),
            ("author", models.ForeignKey("app00.Author", models.CASCADE)),
            ("tags", models.ManyToManyField("app00.Tag")),
        ]),
        migrations.RunPython(touch, migrations.RunPython.noop),
        migrations.AddIndex(
            "book", models.Index(fields=["title", "author"], name="bk_ta")
        ),
    ]
"""

MODELS = {
    "app00": """
import uuid

from django.db import models

class Author(models.Model):
    name = models.CharField(max_length=80)
    joined = models.DateTimeField(auto_now_add=True)
    since = models.DateField(auto_now_add=True)

class Tag(models.Model):
    label = models.CharField(max_length=20, unique=True)
    uid = models.UUIDField(default=uuid.uuid4)
""",
    "app01": """
from django.db import models

class Book(models.Model):
    title = models.CharField(max_length=50, db_index=True)
    author = models.ForeignKey("app00.Author", models.CASCADE)
    tags = models.ManyToManyField("app00.Tag")

    class Meta:
        indexes = [models.Index(fields=["title", "author"], name="bk_ta")]
""",
}


def write_tiny_project(dest):
    """A hand-made project of synth-project's shape (settings, env variables)."""
    files = {
        "synthproj/__init__.py": "",
        "synthproj/settings.py": SETTINGS,
        "app00/__init__.py": "",
        "app00/models.py": MODELS["app00"],
        "app00/migrations/__init__.py": "",
        "app00/migrations/0001_initial.py": APP00_0001,
        "app00/migrations/0002_more.py": APP00_0002,
        "app01/__init__.py": "",
        "app01/models.py": MODELS["app01"],
        "app01/migrations/__init__.py": "",
        "app01/migrations/0001_initial.py": APP01_0001,
    }
    for name, text in files.items():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return dest


def have_python312():
    try:
        compare.python312()
    except compare.Failure:
        return False
    return True


needs_python312 = pytest.mark.skipif(
    not have_python312(), reason="no Python 3.12 for Django 6.1"
)


def run_compare(*args, timeout=300):
    stock = compare.ensure_stock_tree()
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "compare-migrate")]
        + ["--patched-tree", str(stock), "--targets", "stock,patched", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@needs_python312
def test_stock_against_itself_on_tiny_project(tmp_path):
    project = write_tiny_project(tmp_path / "project")
    keep = tmp_path / "work"
    completed = run_compare("--project", str(project), "--keep", str(keep))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    (patched,) = [line for line in lines if line.startswith("patched ")]
    assert patched.split()[-2:] == ["yes", "yes"]
    assert "time-dependent values normalized" in completed.stdout
    stock = json.loads((keep / "results" / "stock-1.json").read_text())
    assert stock["forward"]["renders"]["total"] > 0
    assert stock["forward"]["clones"]["executor"] > 0
    # Backward: contrib apps are unmigrated too, only django_migrations remains.
    tables = [line for line in stock["backward"]["schema"] if line.startswith("table")]
    assert [line.split()[1] for line in tables] == [
        "django_migrations",
        "sqlite_sequence",
    ]
    assert any('"bk_ta"' in line for line in stock["forward"]["schema"])
    # The uuid4 default in the SQL is the seeded one, hence equal in all runs.
    seeded = uuid.UUID(int=random.Random(0).getrandbits(128), version=4)
    assert any(seeded.hex in line for line in stock["forward"]["statements"])
    assert (keep / "logs" / "patched.forward.sql").exists()


@needs_python312
def test_migrate_phases_on_tiny_project(tmp_path):
    """
    migrate_phases.py migrates the project with the given arguments and
    prints the CPU time of each phase, the phases adding up to the command.
    """
    project = write_tiny_project(tmp_path / "project")
    completed = subprocess.run(
        [
            compare.ensure_venv("sqlite"),
            SCRIPTS / "migrate_phases.py",
            "--project",
            project,
            "app00",
            "-v0",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(compare.ensure_stock_tree())},
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    seconds = {}
    for line in completed.stdout.splitlines():
        if " s  " in line:
            value, label = line.split(" s  ", 1)
            seconds[label.strip()] = float(value)
    phases = [
        "system checks",
        "migration loader",
        "project state of the applied migrations",
        "pre_migrate signal",
        "executor.migrate()",
        "post_migrate signal",
        "other (e.g. rendering for post_migrate receivers)",
    ]
    assert list(seconds) == [
        "django.setup()",
        "migrate command, of which:",
        *phases,
        "rendering (StateApps)",
        "garbage collection",
    ]
    total = sum(seconds[phase] for phase in phases)
    assert total == pytest.approx(seconds["migrate command, of which:"], abs=0.002)
    assert seconds["rendering (StateApps)"] > 0
    with sqlite3.connect(project / "db.sqlite3") as connection:
        applied = connection.execute(
            "SELECT app, name FROM django_migrations WHERE app LIKE 'app%'"
        ).fetchall()
    assert sorted(applied) == [("app00", "0001_initial"), ("app00", "0002_more")]


def shadow_tree(stock, dest, path, old, new):
    """
    A Django tree that is stock except for one edited file: real directories
    along `path`, symlinks for everything else (copying django/ is 41 MB).
    """
    source, target = stock / "django", dest / "django"
    parts = Path(path).parts
    for depth in range(len(parts)):
        source_dir = source.joinpath(*parts[:depth])
        target_dir = target.joinpath(*parts[:depth])
        target_dir.mkdir(parents=True, exist_ok=True)
        for entry in source_dir.iterdir():
            if entry.name != parts[depth] and entry.name != "__pycache__":
                (target_dir / entry.name).symlink_to(entry)
    edited = source / path
    text = edited.read_text()
    assert old in text
    (target / path).write_text(text.replace(old, new))
    return dest


@needs_python312
def test_differences_fail_the_run(tmp_path):
    """A "patched" tree that spells DROP TABLE differently is caught."""
    stock = compare.ensure_stock_tree()
    patched = shadow_tree(
        stock,
        tmp_path / "patched",
        "db/backends/sqlite3/schema.py",
        'sql_delete_table = "DROP TABLE %(table)s"',
        'sql_delete_table = "drop table %(table)s"',
    )
    project = write_tiny_project(tmp_path / "project")
    completed = subprocess.run(
        [sys.executable, str(SCRIPTS / "compare-migrate"), "--project", str(project)]
        + ["--patched-tree", str(patched), "--targets", "stock,patched"],
        capture_output=True,
        text=True,
        timeout=300,
        # The work directory is kept on differences: keep it in tmp_path.
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    (row,) = [
        line for line in completed.stdout.splitlines() if line.startswith("patched ")
    ]
    assert row.split()[-2:] == ["no", "yes"]
    assert (
        "patched: forward statements: first difference from stock" in completed.stdout
    )
    assert (
        "patched: backward statements: first difference from stock" in completed.stdout
    )
    assert '+drop table "app00_author" -- params: []' in completed.stdout
    (logs,) = [
        line for line in completed.stdout.splitlines() if line.startswith("full logs:")
    ]
    logs = Path(logs.split(":", 1)[1].strip())
    assert logs.parent.parent == tmp_path
    assert (logs / "patched.forward.sql").exists()


@needs_python312
@pytest.mark.skipif(
    not (SCRIPTS / "synth-project").exists(), reason="scripts/synth-project missing"
)
def test_synthetic_project_20_models(tmp_path):
    completed = run_compare("--models", "20", "--keep", str(tmp_path / "work"))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (patched,) = [
        line for line in completed.stdout.splitlines() if line.startswith("patched ")
    ]
    assert patched.split()[-2:] == ["yes", "yes"]
