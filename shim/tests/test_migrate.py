from unittest import mock

from django.contrib.contenttypes import management as contenttypes_management
from django.contrib.contenttypes.models import ContentType
from django.core.management.commands import migrate as migrate_command
from django.db import connection
from django.db.migrations import Migration, RunPython
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState
from django.test import TransactionTestCase

from modelstate_migrate.state import render_on_demand

from .utils import counting_renders, migrate, schema, sqlmigrate, stock_django


class MigrateTests(TransactionTestCase):
    available_apps = [
        "django.contrib.contenttypes",
        "modelstate_migrate",
        "tests.testapp",
        "tests.fallbackapp",
    ]

    def setUp(self):
        migrate("testapp", "zero")
        migrate("fallbackapp", "zero")

    def tearDown(self):
        migrate("testapp")
        migrate("fallbackapp")

    def migrate_forwards_and_back(self, app_label):
        forwards, _ = migrate(app_label)
        migrated = schema()
        backwards, _ = migrate(app_label, "zero")
        return forwards, migrated, backwards, schema()

    def test_same_sql_and_schema_as_stock(self):
        """
        Migrating forwards and back sends the statements stock Django sends
        and leaves the same schema.
        """
        for app_label in ["testapp", "fallbackapp"]:
            with self.subTest(app_label=app_label):
                with stock_django():
                    stock = self.migrate_forwards_and_back(app_label)
                shim = self.migrate_forwards_and_back(app_label)
                self.assertEqual(shim, stock)
                self.assertNotEqual(shim[0], [])

    def test_schema_migrations_render_no_models(self):
        """
        Schema operations don't render models; RunPython renders the state
        when its function asks for models.
        """
        executor = MigrationExecutor(connection)
        with counting_renders() as rendered:
            executor.migrate([("testapp", "0001_initial")])
        self.assertEqual(rendered, [])
        executor.loader.build_graph()
        with counting_renders() as rendered:
            executor.migrate([("testapp", "0002_changes")])
        self.assertIn("Book", rendered)
        with stock_django(), counting_renders() as rendered:
            executor.loader.build_graph()
            executor.migrate([("testapp", None)])
        self.assertNotEqual(rendered, [])

    def test_pre_migrate_renders_no_models(self):
        """
        contrib.contenttypes' pre_migrate receiver doesn't render the state,
        also when the plan renames models, whose content types are renamed.
        """
        emit_pre_migrate_signal = migrate_command.emit_pre_migrate_signal
        rendered = []

        def counting_emit_pre_migrate_signal(*args, **kwargs):
            with counting_renders() as rendered_by_receivers:
                emit_pre_migrate_signal(*args, **kwargs)
            rendered.extend(rendered_by_receivers)

        counting_pre_migrate = mock.patch.object(
            migrate_command, "emit_pre_migrate_signal", counting_emit_pre_migrate_signal
        )
        ContentType.objects.create(app_label="testapp", model="publisher")
        with counting_pre_migrate:
            migrate("testapp", "0002")
            self.assertEqual(rendered, [])
            migrate("testapp", "0003")
            self.assertEqual(rendered, [])
            self.assertIs(
                ContentType.objects.filter(app_label="testapp", model="press").exists(),
                True,
            )

    def test_content_type_rename_renders_content_type_model_only(self):
        """
        The operation that renames a renamed model's content type renders the
        ContentType model alone, not every model of the state as stock does.
        """
        ContentType.objects.create(app_label="testapp", model="publisher")
        state = MigrationExecutor(connection).loader.project_state(
            [
                ("testapp", "0002_changes"),
                ("contenttypes", "0002_remove_content_type_name"),
            ]
        )
        content_types = ContentType.objects.filter(
            app_label="testapp", model__in=["publisher", "press"]
        )

        def rename_forwards_and_back():
            operation = contenttypes_management.RenameContentType(
                "testapp", "publisher", "press"
            )
            with counting_renders() as rendered, connection.schema_editor() as editor:
                operation.database_forwards("testapp", editor, state, state)
                self.assertEqual(
                    list(content_types.values_list("model", flat=True)), ["press"]
                )
                operation.database_backwards("testapp", editor, state, state)
            self.assertEqual(
                list(content_types.values_list("model", flat=True)), ["publisher"]
            )
            return rendered

        self.assertEqual(rename_forwards_and_back(), ["ContentType", "ContentType"])
        with stock_django():
            self.assertIn("Publisher", rename_forwards_and_back())

    def test_content_type_rename_without_content_type_model(self):
        """
        Renaming content types does nothing in a state without the ContentType
        model.
        """
        ContentType.objects.create(app_label="testapp", model="publisher")
        operation = contenttypes_management.RenameContentType(
            "testapp", "publisher", "press"
        )
        state = ProjectState()
        with connection.schema_editor() as editor:
            operation.database_forwards("testapp", editor, state, state)
        self.assertIs(
            ContentType.objects.filter(app_label="testapp", model="publisher").exists(),
            True,
        )

    def test_executor_renders_a_given_state_on_demand(self):
        """
        The executor drops the rendered models of the state it's given
        rather than re-rendering them after each change.
        """
        executor = MigrationExecutor(connection)
        state = ProjectState(real_apps=executor.loader.unmigrated_apps)
        state.apps
        with counting_renders() as rendered:
            executor.migrate([("testapp", "0001_initial")], state=state)
        self.assertEqual(rendered, [])

    def test_fake_initial(self):
        """migrate --fake-initial detects the tables with stand-ins."""
        migrate("testapp", "0001")
        migrate("testapp", "zero", fake=True)
        executor = MigrationExecutor(connection)
        with counting_renders() as rendered:
            executor.migrate([("testapp", "0001_initial")], fake_initial=True)
        self.assertEqual(rendered, [])
        self.assertIn(
            ("testapp", "0001_initial"), executor.recorder.applied_migrations()
        )
        _, output = migrate("testapp", "zero", fake=True, verbosity=1)
        _, output = migrate("testapp", "0001", fake_initial=True, verbosity=1)
        self.assertIn("Applying testapp.0001_initial... FAKED", output)

    def test_no_render_progress(self):
        """Applying migrations doesn't say it renders model states."""
        _, output = migrate("testapp", verbosity=1)
        self.assertNotIn("Rendering model states", output)
        _, output = migrate("testapp", "zero", verbosity=1)
        self.assertIn("Rendering model states... DONE", output)

    def test_fallbacks_at_verbosity_2(self):
        """migrate -v 2 says where models are rendered, and why."""
        _, output = migrate("fallbackapp", verbosity=2)
        self.assertIn(
            "modelstate_migrate: rendered fallbackapp.note instead of using a "
            "stand-in: its field 'tag' (tests.fallbackapp.fields.TaggedField) has "
            "its own contribute_to_class() or contribute_to_related_class().",
            output,
        )
        self.assertIn(
            "modelstate_migrate: TouchTable (tests.fallbackapp.operations.TouchTable) "
            "in fallbackapp.0001_initial gets rendered models.",
            output,
        )
        self.assertNotIn("CreateModel", output)
        _, output = migrate("testapp", verbosity=2)
        self.assertIn(
            "modelstate_migrate: RunPython "
            "(django.db.migrations.operations.special.RunPython) in "
            "testapp.0002_changes gets rendered models.",
            output,
        )
        _, output = migrate("testapp", "zero", verbosity=1)
        self.assertNotIn("modelstate_migrate", output)

    def test_sqlmigrate(self):
        """sqlmigrate shows what stock Django shows."""
        for name in ["0001", "0003"]:
            with self.subTest(name=name):
                with stock_django():
                    stock = sqlmigrate("testapp", name)
                self.assertEqual(sqlmigrate("testapp", name), stock)

    def test_sqlmigrate_shows_what_migrate_runs(self):
        """
        On SQLite, stock sqlmigrate orders the columns of a table rebuilt by a
        migration's first operation unlike stock migrate. The shim's
        sqlmigrate shows what migrate runs (a known difference, README.md).
        """
        migrate("testapp", "0001")
        with stock_django():
            statements, _ = migrate("testapp", "0002")
            stock_sqlmigrate = sqlmigrate("testapp", "0002")
        rebuild = next(sql for sql in statements if "new__testapp_author" in sql)
        self.assertNotIn(rebuild, stock_sqlmigrate)
        self.assertIn(rebuild, sqlmigrate("testapp", "0002"))

    def test_run_python_operations_in_a_row_render_models_once(self):
        """
        Consecutive RunPython operations share the models rendered for the
        first one that uses them, where stock renders them for each.
        """

        def get_book(apps, schema_editor):
            apps.get_model("testapp", "Book")

        state = MigrationExecutor(connection).loader.project_state(
            ("testapp", "0003_rename")
        )
        migration = Migration("0004_books", "testapp")
        migration.operations = [RunPython(get_book), RunPython(get_book)]
        with counting_renders() as rendered, connection.schema_editor() as editor:
            migration.apply(state.clone(), editor)
        with stock_django(), counting_renders() as stock_rendered:
            with connection.schema_editor() as editor:
                migration.apply(state.clone(), editor)
        self.assertEqual(len(rendered), len(state.models))
        self.assertEqual(len(stock_rendered), 2 * len(state.models))

    def test_lazy_apps_render_once(self):
        """Within migrate, a state's apps render when used, once."""
        executor = MigrationExecutor(connection)
        state = executor.loader.project_state(("testapp", "0003_rename"))
        with render_on_demand(), counting_renders() as rendered:
            lazy_apps = state.apps
            self.assertEqual(rendered, [])
            book = lazy_apps.get_model("testapp", "Book")
            self.assertNotEqual(rendered, [])
            self.assertIs(state.apps, state.__dict__["apps"])
            self.assertIs(state.apps.get_model("testapp", "Book"), book)
        del state.apps
        del state.apps  # Deleting unrendered apps does nothing.
        self.assertIsNot(state.apps.get_model("testapp", "Book"), book)
