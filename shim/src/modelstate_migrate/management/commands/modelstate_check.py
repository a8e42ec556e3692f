import difflib
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState

import modelstate_migrate

from ... import fallbacks
from ...state import render_on_demand
from ...verify import frozen_clock, running_as_stock

IDENTICAL, DIFFERS, FELL_BACK = "identical", "differs", "fell back"


class MigrationSQL:
    """What one path generated for one migration in one direction."""

    def __init__(self, statements=(), error=None, fallbacks=()):
        self.statements = list(statements)
        self.error = error
        self.fallbacks = list(fallbacks)

    def lines(self):
        if self.error is not None:
            return ["raised %s" % self.error]
        return [str(statement) for statement in self.statements]


class Command(BaseCommand):
    help = (
        "Generate the SQL of every migration forwards and backwards, in "
        "collect-SQL mode (as sqlmigrate does), once with rendered models as "
        "stock Django does and once with stand-ins, and report per migration "
        "whether it is identical. Exits with status 1 on any difference."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "app_label",
            nargs="*",
            help="Only report the migrations of these apps (all are run).",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help='The database to generate SQL for. Defaults to "default".',
        )

    def handle(self, **options):
        app_labels = options["app_label"]
        if not modelstate_migrate.django_version_is_supported():
            raise CommandError(modelstate_migrate.unsupported_version_message())
        connection = connections[options["database"]]
        executor = MigrationExecutor(connection)
        loader = executor.loader
        for app_label in app_labels:
            if app_label not in loader.migrated_apps:
                raise CommandError("App '%s' does not have migrations." % app_label)
        plan = executor.migration_plan(loader.graph.leaf_nodes(), clean_start=True)
        reported = [
            migration
            for migration, _ in plan
            if not app_labels or migration.app_label in app_labels
        ]
        # Installed for the comparison when switched off, e.g. by
        # MODELSTATE_MIGRATE=0.
        was_installed = modelstate_migrate.is_installed()
        modelstate_migrate.install()
        try:
            with frozen_clock():
                with running_as_stock():
                    stock = self.collect(loader, plan, "rendered models")
                # As migrate runs with the shim.
                with render_on_demand():
                    stand_ins = self.collect(loader, plan, "stand-ins")
        finally:
            if not was_installed:
                modelstate_migrate.uninstall()
        return self.report(reported, stock, stand_ins, options["verbosity"])

    def collect(self, loader, plan, path):
        """
        Return {(migration key, direction): MigrationSQL} for every migration
        of the plan, forwards and then backwards.
        """
        results = {}
        state = ProjectState(real_apps=loader.unmigrated_apps)
        if path == "rendered models":
            state.apps  # Render all, as stock migrate does.
        states_before = {}
        total = 2 * len(plan)
        for index, (migration, _) in enumerate(plan):
            self.progress(index, total, path, migration)
            states_before[migration] = state.clone()
            result, state = self.run(loader, migration, "apply", state)
            results[migration.app_label, migration.name, "forwards"] = result
        for index, (migration, _) in enumerate(reversed(plan), len(plan)):
            self.progress(index, total, path, migration)
            result, _ = self.run(loader, migration, "unapply", states_before[migration])
            results[migration.app_label, migration.name, "backwards"] = result
        self.progress(total, total, path, None)
        return results

    def run(self, loader, migration, method, state):
        messages = []
        with fallbacks.reporting_to(messages.append):
            try:
                with loader.connection.schema_editor(
                    collect_sql=True, atomic=migration.atomic
                ) as schema_editor:
                    state = getattr(migration, method)(
                        state, schema_editor, collect_sql=True
                    )
            except Exception as e:
                return MigrationSQL(error="%s: %s" % (type(e).__name__, e)), state
        return (
            MigrationSQL(schema_editor.collected_sql, fallbacks=messages),
            state,
        )

    def progress(self, done, total, path, migration):
        if not sys.stderr.isatty():
            return
        width = 30
        filled = width * done // total if total else width
        label = "%s.%s" % (migration.app_label, migration.name) if migration else ""
        sys.stderr.write(
            "\r[%s%s] %d/%d %s: %s\033[K"
            % ("#" * filled, "." * (width - filled), done, total, path, label)
        )
        if migration is None:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def report(self, migrations, stock, stand_ins, verbosity):
        counts = {IDENTICAL: 0, DIFFERS: 0, FELL_BACK: 0}
        for migration in migrations:
            for direction in ("forwards", "backwards"):
                key = migration.app_label, migration.name, direction
                label = "%s.%s %s" % key
                expected, actual = stock[key].lines(), stand_ins[key].lines()
                if expected != actual:
                    counts[DIFFERS] += 1
                    self.stdout.write("%s: %s" % (label, self.style.ERROR(DIFFERS)))
                    for line in difflib.unified_diff(
                        expected,
                        actual,
                        "rendered models (stock Django)",
                        "stand-ins",
                        lineterm="",
                    ):
                        self.stdout.write(line)
                elif stand_ins[key].fallbacks:
                    counts[FELL_BACK] += 1
                    self.stdout.write("%s: %s" % (label, self.style.WARNING(FELL_BACK)))
                    for message in stand_ins[key].fallbacks:
                        self.stdout.write("   %s" % message.strip())
                else:
                    counts[IDENTICAL] += 1
                    if verbosity >= 2:
                        self.stdout.write("%s: %s" % (label, IDENTICAL))
        self.stdout.write(
            "%d migrations, forwards and backwards: %d identical, %d fell back to "
            "rendered models (identical SQL), %d differ."
            % (len(migrations), counts[IDENTICAL], counts[FELL_BACK], counts[DIFFERS])
        )
        if counts[DIFFERS]:
            sys.exit(1)
