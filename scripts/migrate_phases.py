"""CPU time of one ``migrate`` command, by phase.

Run in a fresh interpreter with the Django tree under test first on
PYTHONPATH, from nothing but the standard library and that tree:

    python migrate_phases.py --project DIR [--settings synthproj.settings]
        [MIGRATE_ARG ...]

It runs ``migrate`` once, as ``manage.py migrate MIGRATE_ARG ...`` does
(system checks included unless --skip-checks is among the arguments), with
process-time timers around the functions each phase runs, and prints one
line per phase. "rendering" (every StateApps built, e.g. for RunPython or
post_migrate) and "garbage collection" are measured across all phases, so
they overlap the others and include django.setup(). Works with stock Django
and the series alike.
"""

import argparse
import functools
import gc
import os
import sys
import time

PHASES = [
    # (label, module, owner, attribute)
    ("system checks", "django.core.management.base", "BaseCommand", "check"),
    ("migration loader", "django.db.migrations.loader", "MigrationLoader", "__init__"),
    (
        "project state of the applied migrations",
        "django.db.migrations.executor",
        "MigrationExecutor",
        "_create_project_state",
    ),
    (
        "pre_migrate signal",
        "django.core.management.commands.migrate",
        None,
        "emit_pre_migrate_signal",
    ),
    (
        "executor.migrate()",
        "django.db.migrations.executor",
        "MigrationExecutor",
        "migrate",
    ),
    (
        "post_migrate signal",
        "django.core.management.commands.migrate",
        None,
        "emit_post_migrate_signal",
    ),
]
RENDERING = ("rendering", "django.db.migrations.state", "StateApps", "__init__")


def add_timer(totals, label, module_name, owner_name, attribute):
    module = sys.modules.get(module_name) or __import__(module_name, fromlist=["_"])
    owner = getattr(module, owner_name) if owner_name else module
    original = getattr(owner, attribute)
    totals[label] = 0.0

    @functools.wraps(original)
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] += time.process_time() - start

    setattr(owner, attribute, timed)


def measure_garbage_collection(totals):
    totals["garbage collection"] = 0.0
    started = []

    def callback(phase, info):
        if phase == "start":
            started.append(time.process_time())
        elif started:
            totals["garbage collection"] += time.process_time() - started.pop()

    gc.callbacks.append(callback)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", required=True)
    parser.add_argument("--settings", default="synthproj.settings")
    options, migrate_args = parser.parse_known_args(argv)
    sys.path.insert(0, os.path.abspath(options.project))
    os.chdir(options.project)
    os.environ["DJANGO_SETTINGS_MODULE"] = options.settings

    totals = {}
    measure_garbage_collection(totals)
    start = time.process_time()
    import django

    django.setup()
    setup = time.process_time() - start

    from django.core.management import ManagementUtility

    for phase in [*PHASES, RENDERING]:
        add_timer(totals, *phase)
    start = time.process_time()
    ManagementUtility(["manage.py", "migrate", *migrate_args]).execute()
    command = time.process_time() - start

    print(f"{setup:8.3f} s  django.setup()")
    print(f"{command:8.3f} s  migrate command, of which:")
    for label, *_ in PHASES:
        print(f"{totals[label]:8.3f} s    {label}")
    other = command - sum(totals[label] for label, *_ in PHASES)
    print(f"{other:8.3f} s    other (e.g. rendering for post_migrate receivers)")
    print("across phases, django.setup() included:")
    print(f"{totals['rendering']:8.3f} s    rendering (StateApps)")
    print(f"{totals['garbage collection']:8.3f} s    garbage collection")


if __name__ == "__main__":
    main()
