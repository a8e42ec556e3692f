from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

import modelstate_migrate
from modelstate_migrate.verify import VerificationError

from .utils import migrate, wrong_stand_ins


class VerifyTests(TransactionTestCase):
    available_apps = ["modelstate_migrate", "tests.testapp", "tests.fallbackapp"]

    def setUp(self):
        migrate("testapp", "zero")
        modelstate_migrate.install(verify=True)

    def tearDown(self):
        modelstate_migrate.install()
        migrate("testapp")

    def test_same_sql(self):
        """Migrations whose SQL is the same on both paths apply."""
        migrate("testapp")
        migrate("testapp", "zero")
        migrate("fallbackapp", "zero")
        migrate("fallbackapp")

    def test_different_sql_raises(self):
        """A difference raises with both statement lists; nothing runs."""
        msg = (
            "modelstate_migrate VERIFY: Create model Author (testapp.0001_initial) "
            "generates different SQL with stand-ins than with rendered models.\n"
            "Rendered models (stock Django):\n"
            '    CREATE TABLE "testapp_author" ("id" integer NOT NULL PRIMARY KEY '
            'AUTOINCREMENT, "name" varchar(50) NOT NULL, "age" integer NULL);\n'
            "Stand-ins:\n"
            '    CREATE TABLE "testapp_author_wrong" ("id" integer NOT NULL PRIMARY '
            'KEY AUTOINCREMENT, "name" varchar(50) NOT NULL, "age" integer NULL);\n'
            "Please report this. Set MODELSTATE_MIGRATE=0 to migrate with stock "
            "Django meanwhile."
        )
        with wrong_stand_ins(), self.assertRaisesMessage(VerificationError, msg) as cm:
            migrate("testapp")
        self.assertEqual(len(cm.exception.stock_sql), 1)
        self.assertNotIn("testapp_author", connection.introspection.table_names())

    def test_outside_a_migration(self):
        """The message names the app when no migration is running."""
        executor = MigrationExecutor(connection)
        migration = executor.loader.get_migration("testapp", "0001_initial")
        state = executor.loader.project_state(("testapp", "0001_initial"), at_end=False)
        operation = migration.operations[0]
        new_state = state.clone()
        operation.state_forwards("testapp", new_state)
        msg = "Create model Author (testapp) generates different SQL"
        with (
            wrong_stand_ins(),
            connection.schema_editor(collect_sql=True) as editor,
            self.assertRaisesMessage(VerificationError, msg),
        ):
            operation.database_forwards("testapp", editor, state, new_state)
