"""
Run one migration command of a synthetic project in this process.

The benchmarks start it as a script, one fresh interpreter per timed sample
(Django's app registry is global):

    python driver.py --project DIR [--counts FILE] ACTION [ARG...]

ACTION is one of

    migrate [ARG...]   ``manage.py migrate ARG...``
    unmigrate          every migrated app back to zero, dependents first
                       (the order scripts/compare-migrate uses)
    testdb             create and destroy the test databases the way Django's
                       test runner does; ``--no-migrate`` sets TEST MIGRATE=False
    sqlmigrate APP NAME
    syncdb             ``manage.py migrate --run-syncdb`` with every app's
                       migrations disabled: the final schema from the models

The database comes from the project's settings (SYNTH_DB, SYNTH_DB_NAME),
extra apps from SYNTH_EXTRA_APPS. With --counts, ModelState.render and
ProjectState.clone calls and executed statements are counted with
scripts/migrate_probe.py's instruments and written to FILE as JSON.
"""

import argparse
import contextlib
import io
import json
import os
import sys

SCRIPTS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"
)


def migrate_probe():
    """scripts/migrate_probe.py: the render/clone counters compare-migrate uses."""
    if SCRIPTS not in sys.path:
        sys.path.append(SCRIPTS)
    import migrate_probe

    return migrate_probe


def setup_django(project, settings="synthproj.settings"):
    project = os.path.abspath(project)
    if project not in sys.path:
        sys.path.insert(0, project)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    import django

    django.setup()


def call(name, *args, **options):
    from django.core.management import call_command

    out = io.StringIO()
    call_command(name, *args, verbosity=0, stdout=out, **options)
    return out.getvalue()


def unmigrate(before_command=None):
    from django.db import DEFAULT_DB_ALIAS, connections

    for app in migrate_probe().backward_app_order(connections[DEFAULT_DB_ALIAS]):
        if before_command:
            before_command()
        call("migrate", app, "zero", interactive=False)


def create_test_databases(migrate):
    from django.db import connections
    from django.test.runner import DiscoverRunner

    for connection in connections.all():
        connection.settings_dict["TEST"]["MIGRATE"] = migrate
    runner = DiscoverRunner(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    runner.teardown_databases(old_config)


def create_final_schema():
    from django.apps import apps
    from django.test.utils import override_settings

    without_migrations = {app.label: None for app in apps.get_app_configs()}
    with override_settings(MIGRATION_MODULES=without_migrations):
        call("migrate", run_syncdb=True, interactive=False)


def run(project, action, args, counts=None):
    """Set Django up for the project and run one action; return the counts."""
    setup_django(project)
    counters = statements = None
    stack = contextlib.ExitStack()
    if counts:
        probe = migrate_probe()
        counters = probe.Counters()
        probe.install_counters(counters)
        counters.reset(action)
        statements = probe.StatementLog()
        from django.db import connections

        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(statements))
        statements.start()

    def new_command():
        if counters:
            counters.phase = "pre_migrate"

    with stack:
        if action == "migrate":
            call("migrate", *args, interactive=False)
        elif action == "unmigrate":
            unmigrate(new_command)
        elif action == "testdb":
            create_test_databases(migrate="--no-migrate" not in args)
        elif action == "sqlmigrate":
            call("sqlmigrate", *args)
        elif action == "syncdb":
            create_final_schema()
        else:
            raise SystemExit(f"driver: unknown action {action!r}")
    if not counts:
        return None
    summary = counters.summary(action)
    return {
        "renders": summary["renders"]["total"],
        "clones": summary["clones"]["total"],
        "statements": len(statements.stop()),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", required=True)
    parser.add_argument("--counts", metavar="FILE", help="write counts here (JSON)")
    parser.add_argument("action")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    result = run(options.project, options.action, options.args, options.counts)
    if options.counts:
        with open(options.counts, "w") as out:
            json.dump(result, out)


if __name__ == "__main__":
    main()
