"""Command line interface of scripts/synth-project."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

from . import __version__
from .history import build_migrations
from .render import write_project
from .spec import build_final

MARKER = "synth-project.json"

DESCRIPTION = """\
Write a deterministic synthetic Django project (same arguments -> byte-identical
files) for migration benchmarks: DEST/manage.py, DEST/synthproj/settings.py and
apps app00.. with models.py and migrations.  The project needs Django >= 5.2
(>= 6.1 with --db-on-delete).  Select the database with SYNTH_DB=sqlite|postgresql|mysql
(see DEST/synthproj/settings.py); add apps with SYNTH_EXTRA_APPS=a,b.
"""


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="synth-project",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dest", metavar="DEST", help="output directory (created if missing)")
    p.add_argument(
        "--models",
        "-n",
        type=int,
        required=True,
        metavar="N",
        help="total number of models (50..1000 are the supported sizes)",
    )
    p.add_argument(
        "--apps",
        "-a",
        type=int,
        default=None,
        metavar="A",
        help="number of apps (default: max(1, N // 25))",
    )
    p.add_argument(
        "--shape",
        choices=("initial", "history"),
        default="initial",
        help="initial: one 0001_initial per app; history: an evolving history "
        "(default: initial)",
    )
    p.add_argument(
        "--runpython",
        type=int,
        default=0,
        metavar="K",
        help="insert K RunPython data migrations (bulk_create + query, reversible); "
        "with --shape initial they go into a 0002 migration of the app",
    )
    p.add_argument(
        "--seed", type=int, default=0, metavar="S", help="random seed (default 0)"
    )
    p.add_argument(
        "--db-on-delete",
        action="store_true",
        help="also use DB_CASCADE / DB_SET_NULL foreign keys (Django >= 6.1 only)",
    )
    p.add_argument(
        "--no-contrib",
        action="store_true",
        help="leave django.contrib.contenttypes and django.contrib.auth out of "
        "INSTALLED_APPS, and everything that needs them (FKs to AUTH_USER_MODEL "
        "and ContentType, GenericForeignKey): no migration then has a RunPython "
        "unless --runpython asks for one",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace DEST if it is a project previously written by synth-project",
    )
    p.add_argument(
        "--quiet", "-q", action="store_true", help="print nothing on success"
    )
    p.add_argument(
        "--makemigrations",
        metavar="PYTHON",
        default=None,
        help="with --shape initial: let Django's makemigrations (run with this "
        "interpreter) write the 0001_initial migrations instead of synth-project; "
        "output then depends on the Django version (header date removed)",
    )
    args = p.parse_args(argv)
    if args.makemigrations and args.shape != "initial":
        p.error("--makemigrations requires --shape initial")
    if args.models < 1:
        p.error("--models must be >= 1")
    if args.apps is None:
        args.apps = max(1, args.models // 25)
    if args.apps < 1 or args.apps > args.models:
        p.error("--apps must be between 1 and --models")
    if args.apps > 100:
        p.error("--apps must be <= 100")
    if args.runpython < 0:
        p.error("--runpython must be >= 0")
    return args


def prepare_dest(dest, force):
    if os.path.lexists(dest):
        if not os.path.isdir(dest):
            raise SystemExit(f"synth-project: {dest} exists and is not a directory")
        entries = os.listdir(dest)
        if entries:
            if not force:
                raise SystemExit(
                    f"synth-project: {dest} is not empty (use --force to replace "
                    "a previously generated project)"
                )
            if MARKER not in entries:
                raise SystemExit(
                    f"synth-project: refusing to replace {dest}: no {MARKER} in it, "
                    "it was not written by synth-project"
                )
            shutil.rmtree(dest)
    os.makedirs(dest, exist_ok=True)


def generate(
    dest,
    models,
    apps=None,
    shape="initial",
    runpython=0,
    seed=0,
    db_on_delete=False,
    makemigrations_python=None,
    contrib=True,
):
    """Generate into an existing empty directory; returns the summary dict."""
    if apps is None:
        apps = max(1, models // 25)
    final, features = build_final(models, apps, seed, db_on_delete, contrib)
    fid_start = max(f.fid for m in final.models.values() for f in m.fields) + 1
    migrations, stats = build_migrations(final, seed, shape, runpython, fid_start)
    kinds = {}
    for m in final.models.values():
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
    summary = {
        "generator": f"synth-project {__version__}",
        "args": {
            "models": models,
            "apps": apps,
            "shape": shape,
            "runpython": runpython,
            "seed": seed,
            "db_on_delete": db_on_delete,
        },
        "initial_migrations_written_by": "synth-project",
        "apps": final.apps,
        "autofield_app": final.autofield_app,
        "model_kinds": dict(sorted(kinds.items())),
        "features": dict(sorted(features.items())),
        "migrations": stats["migrations"],
        "operations": None,
        "operation_types": None,
        "runpython_operations": stats["runpython"],
        "history_events": dict(sorted((k, v) for k, v in stats["events"].items() if v)),
        "migration_names": {
            app: [name for name, _ in migs] for app, migs in migrations.items()
        },
    }
    if not contrib:
        # Only when given: the summary of other projects stays as it was.
        summary["args"]["no_contrib"] = True
    write_project(dest, final, migrations, "")
    if makemigrations_python:
        version = run_makemigrations(dest, final.apps, makemigrations_python)
        summary["initial_migrations_written_by"] = f"makemigrations (Django {version})"
    summary["operation_types"] = count_operations(dest, final.apps)
    summary["operations"] = sum(summary["operation_types"].values())
    with open(os.path.join(dest, MARKER), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(json.dumps(summary, indent=2) + "\n")
    return summary


OPERATION_RE = re.compile(r"^        migrations\.([A-Z]\w*)\(", re.MULTILINE)


def count_operations(dest, apps):
    counts = {}
    for app in apps:
        mdir = os.path.join(dest, app, "migrations")
        for name in sorted(os.listdir(mdir)):
            if name[:4].isdigit() and name.endswith(".py"):
                with open(os.path.join(mdir, name), encoding="utf-8") as fh:
                    for op in OPERATION_RE.findall(fh.read()):
                        counts[op] = counts.get(op, 0) + 1
    return dict(sorted(counts.items()))


def run_makemigrations(dest, apps, python):
    """Replace every 0001_initial.py by what Django's makemigrations writes.

    Deterministic for a given Django version: fixed hash seed, no bytecode
    files, and the "Generated by Django X on <date>" header loses its date.
    Later migrations (RunPython data migrations) are set aside meanwhile.
    """
    aside = {}
    for app in apps:
        mdir = os.path.join(dest, app, "migrations")
        for name in sorted(os.listdir(mdir)):
            if name[:4].isdigit() and name.endswith(".py"):
                path = os.path.join(mdir, name)
                if name != "0001_initial.py":
                    with open(path, encoding="utf-8") as fh:
                        aside[path] = fh.read()
                os.remove(path)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "SYNTH_EXTRA_APPS", "PYTHONPATH")
    }
    env.update(
        SYNTH_DB="sqlite",
        SYNTH_DB_NAME=":memory:",
        PYTHONHASHSEED="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    proc = subprocess.run(
        [python, "manage.py", "makemigrations", "-v", "0", "--no-input", *apps],
        cwd=dest,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(
            f"synth-project: makemigrations failed:\n{proc.stdout}{proc.stderr}"
        )
    version = None
    for app in apps:
        mdir = os.path.join(dest, app, "migrations")
        made = sorted(n for n in os.listdir(mdir) if n[:4].isdigit())
        if made != ["0001_initial.py"]:
            raise SystemExit(f"synth-project: makemigrations wrote {made} for {app}")
        path = os.path.join(mdir, "0001_initial.py")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        m = HEADER_RE.match(text)
        if m is None:
            raise SystemExit(f"synth-project: unexpected header in {path}")
        version = m.group(1)
        text = HEADER_RE.sub(
            r"# Generated by Django \1 (scripts/synth-project --makemigrations)",
            text,
            count=1,
        )
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    for path, text in aside.items():
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    return version


HEADER_RE = re.compile(r"# Generated by Django (\S+) on [^\n]*")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    t0 = time.perf_counter()
    prepare_dest(args.dest, args.force)
    summary = generate(
        args.dest,
        args.models,
        args.apps,
        args.shape,
        args.runpython,
        args.seed,
        args.db_on_delete,
        args.makemigrations,
        contrib=not args.no_contrib,
    )
    if not args.quiet:
        print(
            f"synth-project: wrote {args.dest}: {args.models} models in "
            f"{args.apps} apps, "
            f"{summary['migrations']} migrations, {summary['operations']} operations "
            f"({summary['runpython_operations']} RunPython) in "
            f"{time.perf_counter() - t0:.2f}s"
        )
    return 0
