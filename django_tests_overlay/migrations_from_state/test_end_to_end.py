import sys
import unittest
from unittest import mock

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState
from django.test import TransactionTestCase, override_settings

from .tests import APP_LABEL, app_tables, drop_app_tables, rendered_models


def schema_snapshot():
    """The schema and the rows of the app's tables."""
    tables = app_tables()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master "
                "WHERE tbl_name IN (%s) ORDER BY type, name"
                % ", ".join(["%s"] * len(tables)),
                tables,
            )
            schema = cursor.fetchall()
        else:
            introspection = connection.introspection
            schema = [
                (
                    table,
                    introspection.get_table_description(cursor, table),
                    introspection.get_constraints(cursor, table),
                    introspection.get_sequences(cursor, table),
                )
                for table in tables
            ]
        rows = {}
        for table in tables:
            cursor.execute(
                "SELECT * FROM %s ORDER BY 1" % connection.ops.quote_name(table)
            )
            rows[table] = cursor.fetchall()
    return schema, rows


MIGRATIONS = ["0001_initial", "0002_fields", "0003_data", "0004_cleanup"]


class MigrateAppTestCase(TransactionTestCase):
    """Drops the app's tables and forgets its applied migrations after tests."""

    available_apps = [APP_LABEL]

    def tearDown(self):
        drop_app_tables()
        MigrationExecutor(connection).recorder.migration_qs.filter(
            app=APP_LABEL
        ).delete()
        super().tearDown()


@override_settings(
    MIGRATION_MODULES={APP_LABEL: "migrations_from_state.migrations_e2e"}
)
class EndToEndTests(MigrateAppTestCase):
    maxDiff = None

    def migrate(self, target):
        """
        Migrate the app to target, returning the statements sent to the
        database, except those recording applied migrations (whose rows hold
        the time they were applied at).
        """
        statements = []

        def record(execute, sql, params, many, context):
            if "django_migrations" not in sql:
                statements.append((sql, params if params is None else tuple(params)))
            return execute(sql, params, many, context)

        executor = MigrationExecutor(connection)
        with connection.execute_wrapper(record):
            executor.migrate([(APP_LABEL, target)])
        return statements

    def migrate_forwards_and_back(self, target="0004_cleanup"):
        forwards = self.migrate(target)
        migrated = schema_snapshot()
        backwards = self.migrate(None)
        unmigrated = schema_snapshot()
        return forwards, migrated, backwards, unmigrated

    def assertSameMigrations(self):
        # Warm up the connection's cached features and introspection.
        with mock.patch.object(
            ProjectState, "models_for_schema_editor", rendered_models
        ):
            self.migrate_forwards_and_back()
            rendered = self.migrate_forwards_and_back()
        stand_ins = self.migrate_forwards_and_back()
        for name, stand_in_value, rendered_value in zip(
            ["forwards", "migrated", "backwards", "unmigrated"],
            stand_ins,
            rendered,
            strict=True,
        ):
            with self.subTest(name):
                self.assertEqual(stand_in_value, rendered_value)
        forwards, migrated, backwards, unmigrated = stand_ins
        self.assertNotEqual(forwards, [])
        self.assertNotEqual(backwards, [])
        schema, rows = migrated
        self.assertEqual(len(rows["mfs_e2e_books"]), 1)
        schema, rows = unmigrated
        self.assertEqual(rows, {})
        return stand_ins, rendered

    def test_migrate_forwards_and_back(self):
        """
        Migrating an app from zero and back to zero sends the same statements
        to the database, and leaves the same schema and rows behind, whether
        operations get stand-ins or rendered models.
        """
        self.assertSameMigrations()

    def collect_sql(self):
        """
        Collect the SQL of each migration forwards and backwards, as sqlmigrate
        does, the database migrated to the migration before it, or to it.
        Applying or unapplying some operations introspects the database.
        """
        collected = {}
        for name in MIGRATIONS:
            # Collecting the SQL of 0002_fields fails (with rendered models
            # too): the statements aren't executed, and AlterUniqueTogether
            # looks for a unique constraint on a column that an earlier
            # operation would have renamed.
            if name != "0002_fields":
                loader = MigrationExecutor(connection).loader
                migration = loader.graph.nodes[APP_LABEL, name]
                collected[name, False] = loader.collect_sql([(migration, False)])
            self.migrate(name)
            if name != "0002_fields":
                loader = MigrationExecutor(connection).loader
                migration = loader.graph.nodes[APP_LABEL, name]
                collected[name, True] = loader.collect_sql([(migration, True)])
        self.migrate(None)
        return collected

    @unittest.skipIf(
        connection.vendor == "mysql",
        "MySQL's schema editor introspects tables that collecting SQL doesn't "
        "create, with rendered models too.",
    )
    def test_sqlmigrate(self):
        """
        Collecting the SQL of migrations (sqlmigrate) gives the same statements
        whether operations get stand-ins or rendered models.
        """
        with mock.patch.object(
            ProjectState, "models_for_schema_editor", rendered_models
        ):
            rendered = self.collect_sql()
        stand_ins = self.collect_sql()
        self.assertEqual(len(rendered), 6)
        for key, statements in rendered.items():
            with self.subTest(key):
                self.assertNotEqual(statements, [])
                self.assertEqual(stand_ins[key], statements)


@override_settings(
    MIGRATION_MODULES={APP_LABEL: "migrations_from_state.migrations_e2e_to_field"}
)
class ToFieldRenameEndToEndTests(MigrateAppTestCase):
    """
    Unapplying a RenameField of a field that a foreign key's to_field refers
    to, along with the CreateModel of the referencing model.
    """

    def setUp(self):
        super().setUp()
        # ProjectState.rename_field() renames the to_field of the foreign key
        # on the field instance of the migration's CreateModel operation.
        # Import the migrations afresh so that each test starts from them.
        package = f"{APP_LABEL}.migrations_e2e_to_field."
        for name in [name for name in sys.modules if name.startswith(package)]:
            del sys.modules[name]

    def migrate_forwards_and_back(self):
        executor = MigrationExecutor(connection)
        executor.migrate([(APP_LABEL, "0002_rename_name")])
        executor = MigrationExecutor(connection)
        executor.migrate([(APP_LABEL, None)])
        self.assertEqual(app_tables(), [])

    def test_rendered_models(self):
        """With rendered models, the migrations are unapplied."""
        with mock.patch.object(
            ProjectState, "models_for_schema_editor", rendered_models
        ):
            self.migrate_forwards_and_back()

    def test_stand_ins(self):
        """
        With stand-ins, the migrations are unapplied: the foreign key's
        to_field, which the state after the RenameField's unapplication no
        longer has, isn't resolved to drop the table.
        """
        self.migrate_forwards_and_back()
