"""
What the benchmarks share: synthetic projects, databases, the driver.

Environment variables (asv passes the caller's environment through):

- BENCH_DB: sqlite (default), postgresql or mysql; set per asv environment by
  the ``env_nobuild`` matrix of asv.conf.json.
- BENCH_EXTRA_APPS: apps appended to INSTALLED_APPS (the shim's config sets
  ``modelstate_migrate``).
- BENCH_MAX_MODELS, BENCH_SHAPES: skip the sizes above it, the shapes not
  in this comma-separated list (``scripts/bench --quick``).
- BENCH_MODELS: comma-separated sizes replacing the default parameters; only
  for smoke runs, whose results are never kept (the dashboard needs stable
  parameters).
- BENCH_PYTHON: the interpreter that runs the driver (default: asv's).
- BENCH_PROJECTS_DIR: where generated projects are kept (default:
  REPO/.asv/projects).
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import driver

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
DRIVER = Path(__file__).resolve().with_name("driver.py")
GENERATOR = SCRIPTS / "synthproject"

DEFAULT_SIZES = [100, 500, 1000]
SHAPES = ["initial", "history"]
# Statement order depends on set iteration (DESIGN.md section 4, trap 3):
# the same seed everywhere keeps the counts deterministic.
HASHSEED = "0"


def model_sizes():
    sizes = os.environ.get("BENCH_MODELS")
    if sizes:
        return [int(size) for size in sizes.split(",")]
    return list(DEFAULT_SIZES)


def suite_version():
    """
    asv's benchmark version: results measured with other benchmark code or
    another generator (other projects) are not compared with new ones.
    """
    digest = hashlib.sha256(generator_digest().encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def database():
    return os.environ.get("BENCH_DB", "sqlite")


def skip_unless_enabled(models, shape):
    """asv records a benchmark whose setup raises NotImplementedError as skipped."""
    limit = os.environ.get("BENCH_MAX_MODELS")
    if limit and models > int(limit):
        raise NotImplementedError(f"BENCH_MAX_MODELS={limit}")
    shapes = os.environ.get("BENCH_SHAPES")
    if shapes and shape not in shapes.split(","):
        raise NotImplementedError(f"BENCH_SHAPES={shapes}")


# Projects -------------------------------------------------------------------


def generator_digest():
    """Identifies the generator's code: a changed generator means a new project."""
    digest = hashlib.sha256()
    for path in sorted(GENERATOR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def ensure_project(models, shape):
    """
    The synthetic project for (models, shape), generated once into
    .asv/projects/ and shared by every commit and run: the projects are
    byte-identical for the same generator (scripts/synthproject), whose
    digest is in the path.
    """
    projects = os.environ.get("BENCH_PROJECTS_DIR") or REPO / ".asv" / "projects"
    project = Path(projects) / generator_digest() / f"m{models}-{shape}"
    if (project / "synth-project.json").exists():
        return project
    if str(SCRIPTS) not in sys.path:
        sys.path.append(str(SCRIPTS))
    from synthproject.cli import generate

    project.parent.mkdir(parents=True, exist_ok=True)
    # Generate beside it and rename: concurrent runs never see half a project.
    with tempfile.TemporaryDirectory(dir=project.parent) as scratch:
        work = Path(scratch) / "project"
        work.mkdir()
        generate(str(work), models, shape=shape)
        # Compile now, or the first timed run pays for it.
        subprocess.run(
            [python(), "-m", "compileall", "-q", str(work)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        try:
            work.rename(project)
        except OSError:
            if not (project / "synth-project.json").exists():
                raise
    return project


def project_summary(project):
    return json.loads((project / "synth-project.json").read_text())


OPERATION_RE = re.compile(r"^        migrations\.[A-Z]\w*\(", re.MULTILINE)


def largest_migration(project):
    """(app, name) of the migration with the most operations."""
    best = None
    for app, names in project_summary(project)["migration_names"].items():
        for name in names:
            source = (project / app / "migrations" / f"{name}.py").read_text()
            size = len(OPERATION_RE.findall(source))
            if best is None or size > best[0]:
                best = (size, app, name)
    return best[1], best[2]


def latest_migration(project):
    """(app, latest, the one before or "zero") of the project's last app."""
    names = project_summary(project)["migration_names"]
    app = list(names)[-1]
    previous = names[app][-2] if len(names[app]) > 1 else "zero"
    return app, names[app][-1], previous


# Databases ------------------------------------------------------------------


class SQLite:
    """Databases are files in the run's cache directory; copies are cheap."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def name(self, label):
        return str(self.directory / f"{label}.sqlite3")

    def drop(self, label):
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(self.name(label) + suffix).unlink(missing_ok=True)

    def create(self, label):
        self.drop(label)  # SQLite creates the file on first connection.

    def copy(self, source, label):
        self.drop(label)
        shutil.copyfile(self.name(source), self.name(label))


class Server:
    """PostgreSQL or MariaDB through their command-line clients."""

    def __init__(self, directory, vendor):
        self.vendor = vendor
        # One prefix per run: runs never share databases.
        key = hashlib.sha256(str(directory).encode()).hexdigest()[:8]
        self.prefix = f"asvbench_{key}_"

    def name(self, label):
        return self.prefix + re.sub(r"\W", "_", label)

    def sql(self, statement, database=None):
        if self.vendor == "postgresql":
            command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q"]
            command += ["-v", "ON_ERROR_STOP=1", "-d", database or "postgres"]
            command += ["-c", statement]
        else:
            command = ["mysql", "-h", "127.0.0.1", "-u", "root", "-e", statement]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def drop(self, label):
        if self.vendor == "postgresql":
            self.sql(f'DROP DATABASE IF EXISTS "{self.name(label)}" WITH (FORCE)')
        else:
            self.sql(f"DROP DATABASE IF EXISTS `{self.name(label)}`")

    def create(self, label):
        self.drop(label)
        if self.vendor == "postgresql":
            self.sql(f'CREATE DATABASE "{self.name(label)}"')
        else:
            self.sql(f"CREATE DATABASE `{self.name(label)}`")

    def copy(self, source, label):
        if self.vendor == "postgresql":
            self.drop(label)
            self.sql(
                f'CREATE DATABASE "{self.name(label)}"'
                f' TEMPLATE "{self.name(source)}"'
            )
            return
        # MariaDB has no template databases: dump and restore.
        self.create(label)
        dump = subprocess.run(
            ["mysqldump", "-h", "127.0.0.1", "-u", "root", self.name(source)],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            ["mysql", "-h", "127.0.0.1", "-u", "root", self.name(label)],
            input=dump,
            check=True,
        )


def make_database(directory, vendor):
    if vendor == "sqlite":
        return SQLite(directory)
    if vendor in ("postgresql", "mysql"):
        return Server(directory, vendor)
    raise ValueError(f"BENCH_DB={vendor!r}: use sqlite, postgresql or mysql")


# Running the driver ---------------------------------------------------------


def python():
    return os.environ.get("BENCH_PYTHON") or sys.executable


def driver_env(project, db_name):
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # A deployed project runs from cached bytecode: time migrate, not the
    # compiling of the project's migration modules in every sample.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(project)] + [p for p in [env.get("PYTHONPATH")] if p]
    )
    env["PYTHONHASHSEED"] = HASHSEED
    env["SYNTH_DB"] = database()
    env["SYNTH_DB_NAME"] = db_name
    env["SYNTH_EXTRA_APPS"] = os.environ.get("BENCH_EXTRA_APPS", "")
    return env


class Workspace:
    """
    One project and its databases in the run's cache directory (made by
    setup_cache, one per commit and environment). Template databases are made
    on first use and reused by every later sample: "migrated" (the whole
    project applied) and "before-latest" (all but the last migration).
    """

    def __init__(self, cache_dir, models, shape):
        self.models, self.shape = models, shape
        self.project = ensure_project(models, shape)
        self.key = f"m{models}-{shape}"
        self.directory = Path(cache_dir)
        self.db = make_database(self.directory, database())

    def label(self, role):
        return f"{self.key}-{role}"

    def run(self, action, *args, role="target", counts=None):
        """Run the driver in a fresh interpreter against the role's database."""
        command = [python(), str(DRIVER), "--project", str(self.project)]
        if counts:
            command += ["--counts", str(counts)]
        command += [action, *args]
        proc = subprocess.run(
            command,
            env=driver_env(self.project, self.db.name(self.label(role))),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if proc.returncode:
            raise RuntimeError(
                f"driver {action} {' '.join(args)} failed ({proc.returncode}) on"
                f" {self.key}:\n{proc.stderr[-3000:]}"
            )

    def in_process(self, action, *args, role="target"):
        """The driver in this process (peakmem_: asv forks one per benchmark)."""
        os.environ.update(driver_env(self.project, self.db.name(self.label(role))))
        driver.run(self.project, action, list(args))

    def empty(self, role="target"):
        self.db.create(self.label(role))

    def copy(self, template, role="target"):
        self.db.copy(self.label(self.template(template)), self.label(role))

    def drop(self, role="target"):
        self.db.drop(self.label(role))

    def marker(self, name):
        return self.directory / f"{self.key}-{name}.json"

    def template(self, name):
        """Make the template database `name` unless it exists; return its role."""
        marker = self.marker(name)
        if marker.exists():
            return name
        started = time.monotonic()
        if name == "migrated":
            # The instrumented run that makes it also gives the counts.
            self.empty(name)
            self.run("migrate", role=name, counts=self.marker("counts-forward"))
        elif name == "before-latest":
            app, _latest, previous = latest_migration(self.project)
            self.copy("migrated", role=name)
            self.run("migrate", app, previous, role=name)
        else:
            raise ValueError(name)
        marker.write_text(json.dumps({"seconds": time.monotonic() - started}))
        return name

    def counts(self, direction):
        """Renders, clones and statements of migrate from zero or back to zero."""
        marker = self.marker(f"counts-{direction}")
        if not marker.exists():
            if direction == "forward":
                self.template("migrated")
            else:
                self.copy("migrated", role="counting")
                self.run("unmigrate", role="counting", counts=marker)
                self.drop("counting")
        return json.loads(marker.read_text())


def setup_cache():
    """
    Runs once per commit and environment, in the directory asv keeps for that
    run (and deletes afterwards): generate the projects the run will use, so
    that no sample pays for it.
    """
    for models in model_sizes():
        for shape in SHAPES:
            try:
                skip_unless_enabled(models, shape)
            except NotImplementedError:
                continue
            ensure_project(models, shape)
    return os.path.abspath(".")
