"""
Smoke tests of the asv suite (benchmarks/, asv.conf.json, scripts/bench).

Nothing here is timed: the suite runs once against 20-model projects, in an
"existing" asv environment (no Django build), with results and dashboard in a
temporary directory. The dashboard test needs Chromium and is skipped when it
is missing (.ci/run does not install it; scripts/bench checks the real
dashboard on every run).
"""

import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
sys.path.insert(0, str(SCRIPTS))

import _tooling  # noqa: E402

SMOKE_VENV = _tooling.VENVS_DIR / "bench-smoke"
SMOKE_MODELS = "20"


def load_script(name, path):
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


bench = load_script("bench_script", SCRIPTS / "bench")


def asv_available():
    return importlib.util.find_spec("asv") is not None


needs_asv = pytest.mark.skipif(
    not asv_available(), reason="asv is not installed (pyproject test extras)"
)


def asv(*args, config, home, env=None, check=True):
    """asv from this interpreter; HOME keeps its machine file out of ~."""
    command = [sys.executable, "-m", "asv", *args, "--config", str(config)]
    proc = subprocess.run(
        command,
        cwd=REPO,
        env={**os.environ, "HOME": str(home), **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode:
        raise AssertionError(
            f"asv {' '.join(args)} exited with {proc.returncode}:\n"
            f"{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def smoke_python():
    """
    REPO/.venvs/bench-smoke: Python >= 3.12 with asv's runner and Django's
    dependencies; Django itself is the pristine tree of the cached sdist
    (a .pth file), so nothing is built.
    """
    stock = _tooling.ensure_stock()
    python = _tooling.venv_python(SMOKE_VENV)
    stamp = SMOKE_VENV / "modelstate-smoke.txt"
    wanted = f"{stock}\nasv_runner asgiref sqlparse\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    shutil.rmtree(SMOKE_VENV, ignore_errors=True)
    subprocess.run([_tooling.find_python(), "-m", "venv", str(SMOKE_VENV)], check=True)
    _tooling.pip_install(python, ["asv_runner", "asgiref", "sqlparse"], "smoke venv")
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "modelstate-stock-django.pth").write_text(f"{stock}\n")
    stamp.write_text(wanted)
    return python


def smoke_config(tmp_path, checkout):
    """asv.conf.json with results and html in tmp_path."""
    config = bench.load_config(REPO / "asv.conf.json")
    config.update(
        repo=str(checkout),
        benchmark_dir=str(REPO / "benchmarks"),
        env_dir=str(tmp_path / "env"),
        results_dir=str(tmp_path / "results"),
        html_dir=str(tmp_path / "html"),
    )
    path = tmp_path / "asv.conf.json"
    path.write_text(json.dumps(config, indent=1))
    return path


# Unit tests -------------------------------------------------------------------


GRAPH_DOM = """<div id="main-graph" style="x"><canvas class="flot-base"></canvas>
<div class="flot-text"><div class="flot-y-axis"><div class="flot-tick-label tickLabel"
style="position: absolute;">1.00s</div>
<div class="flot-tick-label tickLabel">2.00s</div>
</div></div></div><div id="overview"></div>"""


def test_graph_problem_accepts_a_drawn_graph():
    assert bench.graph_problem(GRAPH_DOM) is None


@pytest.mark.parametrize(
    "dom, expected",
    [
        ("<html></html>", "no #main-graph"),
        (
            '<div id="main-graph"><p>No graphs to load.</p></div><div id="overview">',
            "No graphs to load",
        ),
        ('<div id="main-graph"></div><div id="overview">', "no plot canvas"),
        (
            '<div id="main-graph"><canvas class="flot-base"></canvas></div>'
            '<div id="overview">',
            "no axis tick labels",
        ),
    ],
)
def test_graph_problem_explains_what_is_missing(dom, expected):
    assert expected in bench.graph_problem(dom)


def test_quick_selects_the_smallest_project(monkeypatch):
    monkeypatch.setenv("BENCH_SHAPES", "history")
    env = bench.asv_env(quick=True)
    assert env["BENCH_MAX_MODELS"] == "100" and env["BENCH_SHAPES"] == "initial"
    env = bench.asv_env(quick=False)
    assert "BENCH_MAX_MODELS" not in env and "BENCH_SHAPES" not in env
    env = bench.asv_env(quick=False, max_models=500)
    assert env["BENCH_MAX_MODELS"] == "500"


@needs_asv
def test_env_names_exist_in_the_configs():
    """The -E names scripts/bench passes are environments of the matrices."""
    from asv import environment
    from asv.config import Config

    def names(config):
        environments = environment.get_environments(Config.load(str(config)), None)
        return {env.name for env in environments}

    series = names(bench.CONFIG)
    assert {bench.env_name(db) for db in _tooling.DATABASES} <= series
    shim = names(bench.SHIM_CONFIG)
    assert set(bench.shim_env_names(quick=False)) == shim
    assert set(bench.shim_env_names(quick=True)) < shim


def test_largest_and_latest_migration(tmp_path):
    sys.path.insert(0, str(REPO))
    from benchmarks import support

    project = tmp_path / "p"
    project.mkdir()
    sys.path.insert(0, str(SCRIPTS))
    from synthproject.cli import generate

    generate(str(project), 20, shape="history")
    app, name = support.largest_migration(project)
    assert name == "0001_initial"
    last_app, latest, previous = support.latest_migration(project)
    names = json.loads((project / "synth-project.json").read_text())
    assert names["migration_names"][last_app][-1] == latest
    assert previous != latest


# asv --------------------------------------------------------------------------


@needs_asv
def test_asv_check(tmp_path):
    """asv discovers the suite in an interpreter without Django."""
    config = smoke_config(tmp_path, REPO)
    proc = asv("check", "--python=same", config=config, home=tmp_path)
    assert "No problems found" in proc.stdout


@needs_asv
def test_every_benchmark_runs_once_and_the_dashboard_renders(tmp_path):
    """
    Each benchmark once on 20-model projects (both shapes), stock Django,
    SQLite; then asv publish, and, with Chromium, the graphs render.
    """
    python = smoke_python()
    checkout = tmp_path / "checkout"
    _tooling.make_checkout(checkout, use_overlay=False, quiet=True)
    release = _tooling.git_out("rev-parse", _tooling.DEFAULT_VERSION, cwd=checkout)
    config = smoke_config(tmp_path, checkout)
    asv("machine", "--yes", "--machine", "smoke", config=config, home=tmp_path)
    env = {
        "BENCH_MODELS": SMOKE_MODELS,
        "BENCH_DB": "sqlite",
        # Not the developer's project cache: the generator may be mid-edit.
        "BENCH_PROJECTS_DIR": str(tmp_path / "projects"),
    }
    proc = asv(
        "run",
        "-E",
        f"existing:{python}",
        f"--set-commit-hash={release}",
        "--machine",
        "smoke",
        "--show-stderr",
        "-a",
        "repeat=1",
        "-a",
        "rounds=1",
        config=config,
        home=tmp_path,
        env=env,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-8000:]
    assert "failed" not in output.lower(), output[-8000:]

    results = list((tmp_path / "results" / "smoke").glob(f"{release[:8]}-*.json"))
    assert len(results) == 1, list((tmp_path / "results").rglob("*"))
    data = json.loads(results[0].read_text())
    names = set(data["results"])
    expected = {
        "migrate.MigrateFromZero.time_migrate",
        "migrate.CreateFinalSchema.time_syncdb",
        "migrate.MigrateBackwards.time_migrate_to_zero",
        "migrate.MigrateLatest.time_migrate",
        "migrate.MigrateNothingToDo.time_migrate",
        "migrate.MigrateMemory.peakmem_migrate",
        "migrate.MigrateCounts.track_renders",
        "migrate.MigrateCounts.track_clones",
        "migrate.MigrateCounts.track_statements",
        "testdb.TestDatabase.time_create_with_migrations",
        "testdb.TestDatabase.time_create_without_migrations",
        "sqlmigrate.SqlMigrate.time_sqlmigrate_largest",
    }
    assert expected <= names
    for name in names:
        values = data["results"][name][0]
        assert values and all(v is not None for v in values), (name, values)
    renders = data["results"]["migrate.MigrateCounts.track_renders"][0]
    assert all(v > 0 for v in renders)  # stock renders: the counters work

    asv("publish", config=config, home=tmp_path)
    assert (tmp_path / "html" / "index.json").exists()
    if bench.find_chromium() is None:
        pytest.skip("chromium is not installed: dashboard not opened")
    bench.make_dashboard_offline(tmp_path / "html")
    index = (tmp_path / "html" / "index.html").read_text()
    assert 'src="vendor/jquery.flot-0.8.3.min.js"' in index
    problems, screenshots = bench.check_dashboard(
        tmp_path / "html", out_dir=tmp_path / "screenshots"
    )
    assert not problems, problems
    assert [path.name for path in screenshots] == [bench.CHECKED_GRAPHS[0] + ".png"]
