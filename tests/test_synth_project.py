"""Tests of scripts/synth-project (the synthetic project generator).

The generator is stdlib-only and runs with this interpreter.  The checks that
need Django run the generated project's manage.py with a Django 6.1.3
interpreter, found in this order:

1. $SYNTH_DJANGO_PYTHON;
2. REPO/.venvs/stock-6.1.3 or REPO/.venvs/stock (made by other scripts), if
   they import Django 6.1.3;
3. REPO/.venvs/synth-django-6.1.3, created on first use from a Python >= 3.12
   (pyenv or PATH) with ``pip install Django==6.1.3``.

If none can be found or made, those tests are skipped with the reason.
"""

import filecmp
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "synth-project"
VENVS = REPO / ".venvs"
OWN_VENV = VENVS / "synth-django-6.1.3"
DJANGO_VERSION = "6.1.3"


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def generate(dest, *args, hashseed="0"):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), str(dest), "-q", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": hashseed},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dest


def tree_files(root):
    return sorted(
        p.relative_to(root).as_posix()
        for p in Path(root).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def venv_python(venv):
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def has_django(python):
    if not Path(python).exists():
        return False
    proc = subprocess.run(
        [str(python), "-c", "import django; print(django.get_version())"],
        capture_output=True,
        text=True,
    )
    return proc.returncode == 0 and proc.stdout.strip() == DJANGO_VERSION


def find_python312():
    candidates = []
    if sys.version_info >= (3, 12):
        candidates.append(sys.executable)
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    versions = Path(pyenv_root) / "versions"
    if versions.is_dir():
        for v in sorted(versions.iterdir()):
            if re.fullmatch(r"3\.(1[2-9])\.\d+", v.name):
                candidates.append(str(v / "bin" / "python"))
    for name in ("python3.12", "python3.13", "python3.14", "python3"):
        found = shutil.which(name)
        if found:
            candidates.append(found)
    for python in candidates:
        proc = subprocess.run(
            [python, "-c", "import sys; print(sys.version_info >= (3, 12))"],
            capture_output=True,
            text=True,
        )
        if proc.returncode == 0 and proc.stdout.strip() == "True":
            return python
    return None


def make_own_venv():
    python = find_python312()
    if python is None:
        return None, "no Python >= 3.12 found (pyenv or PATH) to install Django 6.1.3"
    tmp = OWN_VENV.with_name(OWN_VENV.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    steps = [
        [python, "-m", "venv", str(tmp)],
        [
            str(venv_python(tmp)),
            "-m",
            "pip",
            "install",
            "-q",
            f"Django=={DJANGO_VERSION}",
        ],
    ]
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            return None, f"{' '.join(cmd)} failed: {proc.stderr[-500:]}"
    # pip writes absolute paths into scripts; bin/python still works after rename
    shutil.rmtree(OWN_VENV, ignore_errors=True)
    os.replace(tmp, OWN_VENV)
    return venv_python(OWN_VENV), None


@pytest.fixture(scope="session")
def django_python():
    env = os.environ.get("SYNTH_DJANGO_PYTHON")
    if env:
        if not has_django(env):
            pytest.fail(
                f"SYNTH_DJANGO_PYTHON={env} does not import Django {DJANGO_VERSION}"
            )
        return env
    for name in ("stock-6.1.3", "stock", OWN_VENV.name):
        python = venv_python(VENVS / name)
        if has_django(python):
            return str(python)
    python, reason = make_own_venv()
    if python is None or not has_django(python):
        pytest.skip(f"no Django {DJANGO_VERSION} interpreter: {reason}")
    return str(python)


def manage(python, project, *args, db_name=None, check=True):
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["SYNTH_DB"] = "sqlite"
    env["PYTHONHASHSEED"] = "0"
    env.pop("SYNTH_EXTRA_APPS", None)
    if db_name:
        env["SYNTH_DB_NAME"] = str(db_name)
    proc = subprocess.run(
        [python, "manage.py", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    if check:
        assert (
            proc.returncode == 0
        ), f"manage.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


# --------------------------------------------------------------------------
# generator-only tests (no Django)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["initial", "history"])
def test_deterministic(tmp_path, shape):
    args = [
        "--models",
        60,
        "--apps",
        3,
        "--shape",
        shape,
        "--runpython",
        2,
        "--seed",
        5,
    ]
    a = generate(tmp_path / "a", *args, hashseed="1")
    b = generate(tmp_path / "b", *args, hashseed="2")  # no set-order dependence
    files = tree_files(a)
    assert files == tree_files(b)
    assert "manage.py" in files and "synthproj/settings.py" in files
    match, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert mismatch == [] and errors == []
    c = generate(tmp_path / "c", *args[:-1], 6)
    assert (a / "app01" / "models.py").read_bytes() != (
        c / "app01" / "models.py"
    ).read_bytes()


def test_layout_and_settings(tmp_path):
    dest = generate(tmp_path / "p", "--models", 50)
    summary = json.loads((dest / "synth-project.json").read_text())
    assert summary["apps"] == ["app00", "app01"]  # default A = N // 25
    settings = (dest / "synthproj" / "settings.py").read_text()
    for needle in (
        "SYNTH_DB",
        "SYNTH_DB_NAME",
        "SYNTH_EXTRA_APPS",
        '"django.contrib.contenttypes"',
        '"django.contrib.auth"',
        "USE_TZ = True",
        'DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"',
    ):
        assert needle in settings
    autofield_apps = [
        app
        for app in summary["apps"]
        if "django.db.models.AutoField" in (dest / app / "apps.py").read_text()
    ]
    assert autofield_apps == [summary["autofield_app"]]
    for app in summary["apps"]:
        assert (dest / app / "migrations" / "0001_initial.py").exists()
        assert len(list((dest / app / "migrations").glob("0*.py"))) == 1


FEATURES = [
    "self_fk", "o2o", "fk_cross", "fk_to_field", "nullable_fk", "m2m", "m2m_cross",
    "m2m_self_sym", "m2m_self_asym", "m2m_through", "unique_together", "index",
    "func_index", "cond_index", "check", "unique_constraint", "cond_unique",
    "db_default", "generated", "db_table", "db_comment", "owr", "abstract",
    "auth_fk", "ct_gfk", "cross_app_fk", "kind:mti", "kind:mti_cross", "kind:proxy",
    "kind:uuidpk", "kind:composite", "kind:unmanaged", "on_delete:CASCADE",
    "on_delete:PROTECT", "on_delete:SET_NULL", "on_delete:RESTRICT",
    "on_delete:DO_NOTHING", "on_delete:SET_DEFAULT",
]  # fmt: skip
FIELD_TYPES = [
    "CharField", "TextField", "IntegerField", "BigIntegerField", "DecimalField",
    "BooleanField", "DateField", "DateTimeField", "UUIDField", "JSONField",
    "SlugField", "EmailField", "FloatField", "DurationField", "BinaryField",
    "PositiveIntegerField", "SmallIntegerField",
]  # fmt: skip
OPERATIONS = [
    "CreateModel", "DeleteModel", "AddField", "RemoveField", "RenameField",
    "AlterField", "RenameModel", "AlterModelTable", "AddIndex", "RemoveIndex",
    "AddConstraint", "RemoveConstraint", "AlterUniqueTogether", "RunPython",
]  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_feature_coverage(tmp_path, seed):
    dest = generate(
        tmp_path / "p", "--models", 50, "--shape", "history", "--runpython", 3,
        "--seed", seed,
    )  # fmt: skip
    summary = json.loads((dest / "synth-project.json").read_text())
    missing = [f for f in FEATURES if not summary["features"].get(f)]
    missing += [t for t in FIELD_TYPES if not summary["features"].get(f"field:{t}")]
    assert missing == []
    sources = "".join(p.read_text() for p in dest.glob("app*/migrations/0*.py"))
    assert [op for op in OPERATIONS if f"migrations.{op}(" not in sources] == []
    assert sources.count("migrations.RunPython(") == 3
    models = "".join(p.read_text() for p in dest.glob("app*/models.py"))
    for needle in (
        "GeneratedField(",
        "db_persist=True",
        "CheckConstraint(condition=",
        "order_with_respect_to",
        "through=",
        "to_field='code'",
        "db_table_comment",
        "db_comment=",
        "proxy = True",
    ):
        assert needle in models, needle
    assert re.search(r"models\.Index\((Lower|Upper)\(", models)  # functional index


CONTRIB_NEEDLES = (
    "django.contrib",
    "AUTH_USER_MODEL",
    "contenttypes",
    "ContentType",
    "GenericForeignKey",
)


@pytest.mark.parametrize("shape", ["initial", "history"])
def test_no_contrib(tmp_path, shape):
    dest = generate(
        tmp_path / "p", "--models", 200, "--shape", shape, "--no-contrib"
    )  # fmt: skip
    summary = json.loads((dest / "synth-project.json").read_text())
    assert summary["args"]["no_contrib"] is True
    assert "auth_fk" not in summary["features"]
    assert "ct_gfk" not in summary["features"]
    assert "RunPython" not in summary["operation_types"]
    if shape == "history":
        assert summary["operation_types"]["RenameModel"] > 0
    settings = (dest / "synthproj" / "settings.py").read_text()
    installed = settings.split("INSTALLED_APPS = [", 1)[1].split("]", 1)[0]
    assert installed.split() == [f'"{app}",' for app in summary["apps"]]
    sources = {
        path.relative_to(dest).as_posix(): path.read_text()
        for path in dest.rglob("*.py")
    }
    found = [
        (name, needle)
        for name, text in sources.items()
        for needle in CONTRIB_NEEDLES
        if needle in text
    ]
    assert found == []


def test_no_contrib_leaves_other_projects_alone(tmp_path):
    """Without --no-contrib, the project keeps the contrib apps and features."""
    dest = generate(tmp_path / "p", "--models", 200, "--shape", "history")
    summary = json.loads((dest / "synth-project.json").read_text())
    assert "no_contrib" not in summary["args"]
    assert summary["features"]["auth_fk"] and summary["features"]["ct_gfk"]
    settings = (dest / "synthproj" / "settings.py").read_text()
    assert '"django.contrib.contenttypes",\n    "django.contrib.auth",' in settings
    migrations = "".join(p.read_text() for p in dest.glob("app*/migrations/0*.py"))
    assert "('contenttypes', '0002_remove_content_type_name')" in migrations


def test_generation_is_fast(tmp_path):
    start = time.perf_counter()
    generate(tmp_path / "p", "--models", 1000, "--shape", "history", "--runpython", 10)
    # budget is 5 s; allow for slow shared CI machines
    assert time.perf_counter() - start < 15


def test_refuses_to_overwrite(tmp_path):
    dest = tmp_path / "p"
    dest.mkdir()
    (dest / "keep.txt").write_text("user data")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), str(dest), "--models", "50", "--force"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and "refusing" in proc.stderr
    assert (dest / "keep.txt").exists()
    generate(tmp_path / "q", "--models", 50)
    generate(tmp_path / "q", "--models", 60, "--force")
    assert (
        json.loads((tmp_path / "q" / "synth-project.json").read_text())["args"][
            "models"
        ]
        == 60
    )


# --------------------------------------------------------------------------
# Django tests
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, extra",
    [
        ("initial", []),
        ("history", []),
        ("history", ["--db-on-delete", "--seed", 3]),
        ("initial", ["--no-contrib"]),
        ("history", ["--no-contrib"]),
    ],
)
def test_makemigrations_detects_no_changes(tmp_path, django_python, shape, extra):
    dest = generate(
        tmp_path / "p", "--models", 60, "--apps", 3, "--shape", shape,
        "--runpython", 2, *extra,
    )  # fmt: skip
    manage(django_python, dest, "check", "--fail-level", "WARNING")
    proc = manage(django_python, dest, "makemigrations", "--check", "--dry-run")
    assert "No changes detected" in proc.stdout


def test_initial_written_by_makemigrations(tmp_path, django_python):
    args = ["--models", 50, "--runpython", 1, "--makemigrations", django_python]
    a = generate(tmp_path / "a", *args, hashseed="1")
    b = generate(tmp_path / "b", *args, hashseed="2")
    files = tree_files(a)
    assert files == tree_files(b)
    assert not [f for f in files if f.endswith((".pyc", ".sqlite3"))]
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert mismatch == [] and errors == []
    summary = json.loads((a / "synth-project.json").read_text())
    assert summary["initial_migrations_written_by"] == "makemigrations (Django 6.1.3)"
    assert summary["operation_types"]["RunPython"] == 1
    first = (a / "app00" / "migrations" / "0001_initial.py").read_text()
    assert first.startswith("# Generated by Django 6.1.3 (scripts/synth-project")
    proc = manage(django_python, a, "makemigrations", "--check", "--dry-run")
    assert "No changes detected" in proc.stdout


def test_migrate_roundtrip_sqlite(tmp_path, django_python):
    dest = generate(
        tmp_path / "p", "--models", 30, "--apps", 2, "--shape", "history",
        "--runpython", 2,
    )  # fmt: skip
    db = tmp_path / "db.sqlite3"
    manage(django_python, dest, "migrate", "-v", "0", db_name=db)
    apps = json.loads((dest / "synth-project.json").read_text())["apps"]

    def app_tables():
        with sqlite3.connect(db) as conn:
            rows = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            ).fetchall()
        return sorted(
            name
            for (name,) in rows
            if not name.startswith(("django_", "auth_", "sqlite_"))
        )

    assert len(app_tables()) >= 20
    for app in reversed(apps):
        manage(django_python, dest, "migrate", app, "zero", "-v", "0", db_name=db)
    assert app_tables() == []
    proc = manage(django_python, dest, "showmigrations", *apps, db_name=db)
    assert "[X]" not in proc.stdout


def test_migrate_no_contrib_sqlite(tmp_path, django_python):
    dest = generate(
        tmp_path / "p", "--models", 60, "--apps", 3, "--shape", "history",
        "--no-contrib",
    )  # fmt: skip
    proc = manage(
        django_python,
        dest,
        "shell",
        "-v",
        "0",
        "-c",
        "from django.apps import apps; "
        "print(*sorted(c.name for c in apps.get_app_configs()))",
    )
    apps = json.loads((dest / "synth-project.json").read_text())["apps"]
    assert proc.stdout.split() == apps
    db = tmp_path / "db.sqlite3"
    manage(django_python, dest, "migrate", "-v", "0", db_name=db)
    with sqlite3.connect(db) as conn:
        tables = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
    assert "django_migrations" in tables
    assert not {"django_content_type", "auth_user"} & tables
    with sqlite3.connect(db) as conn:
        migrated = {app for (app,) in conn.execute("SELECT app FROM django_migrations")}
    assert migrated == set(apps)
