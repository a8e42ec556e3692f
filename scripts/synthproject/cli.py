"""Command line interface of scripts/synth-project."""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
        "--force",
        action="store_true",
        help="replace DEST if it is a project previously written by synth-project",
    )
    p.add_argument(
        "--quiet", "-q", action="store_true", help="print nothing on success"
    )
    args = p.parse_args(argv)
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
    dest, models, apps=None, shape="initial", runpython=0, seed=0, db_on_delete=False
):
    """Generate into an existing empty directory; returns the summary dict."""
    if apps is None:
        apps = max(1, models // 25)
    final, features = build_final(models, apps, seed, db_on_delete)
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
        "apps": final.apps,
        "autofield_app": final.autofield_app,
        "model_kinds": dict(sorted(kinds.items())),
        "features": dict(sorted(features.items())),
        "migrations": stats["migrations"],
        "operations": stats["operations"],
        "runpython_operations": stats["runpython"],
        "history_events": dict(sorted((k, v) for k, v in stats["events"].items() if v)),
        "migration_names": {
            app: [name for name, _ in migs] for app, migs in migrations.items()
        },
    }
    write_project(
        dest, final, migrations, json.dumps(summary, indent=2, sort_keys=False) + "\n"
    )
    return summary


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
