import sys
from io import StringIO
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import TransactionTestCase

import modelstate_migrate
from modelstate_migrate.stand_ins import StandInModels

from .utils import wrong_stand_ins


class ModelStateCheckTests(TransactionTestCase):
    available_apps = ["modelstate_migrate", "tests.testapp", "tests.fallbackapp"]

    def check(self, *args, **options):
        stdout = StringIO()
        call_command("modelstate_check", *args, stdout=stdout, **options)
        return stdout.getvalue()

    def test_identical(self):
        """Every migration generates the same SQL on both paths."""
        output = self.check("testapp", verbosity=2)
        self.assertIn("testapp.0001_initial forwards: identical", output)
        self.assertIn("testapp.0003_rename backwards: identical", output)
        self.assertIn(
            "3 migrations, forwards and backwards: 6 identical, 0 fell back to "
            "rendered models (identical SQL), 0 differ.",
            output,
        )

    def test_fell_back(self):
        """Migrations that use rendered models are reported, with why."""
        output = self.check()
        self.assertIn("fallbackapp.0001_initial forwards: fell back", output)
        self.assertIn(
            "modelstate_migrate: rendered fallbackapp.note instead of using a "
            "stand-in: its field 'tag' (tests.fallbackapp.fields.TaggedField)",
            output,
        )
        self.assertIn("TouchTable", output)
        self.assertNotIn("testapp.0001_initial", output)
        self.assertIn(" 0 differ.", output)

    def test_differs(self):
        """A difference is shown as a diff, and the exit status is 1."""
        stdout = StringIO()
        with wrong_stand_ins(), self.assertRaises(SystemExit) as cm:
            call_command("modelstate_check", "testapp", stdout=stdout)
        self.assertEqual(cm.exception.code, 1)
        output = stdout.getvalue()
        self.assertIn("testapp.0001_initial forwards: differs", output)
        self.assertIn("--- rendered models (stock Django)", output)
        self.assertIn("+++ stand-ins", output)
        self.assertIn('+CREATE TABLE "testapp_author_wrong"', output)
        self.assertIn('-CREATE TABLE "testapp_author"', output)

    def test_error_on_one_path(self):
        """An exception on one path is a difference."""

        def broken_get_model(self, *args, **kwargs):
            raise LookupError("broken")

        with (
            mock.patch.object(StandInModels, "get_model", broken_get_model),
            self.assertRaises(SystemExit),
        ):
            output = StringIO()
            call_command("modelstate_check", "testapp", stdout=output)
        self.assertIn("+raised LookupError: broken", output.getvalue())

    def test_unknown_app(self):
        with self.assertRaisesMessage(
            CommandError, "App 'nope' does not have migrations."
        ):
            self.check("nope")

    def test_shim_switched_off(self):
        """The check installs the shim for its run when it's switched off."""
        modelstate_migrate.uninstall()
        try:
            self.assertIn(" 0 differ.", self.check("testapp"))
            self.assertIs(modelstate_migrate.is_installed(), False)
        finally:
            modelstate_migrate.install()

    def test_unsupported_version(self):
        with (
            mock.patch("django.VERSION", (7, 0, 0, "final", 0)),
            self.assertRaisesMessage(CommandError, "not Django"),
        ):
            self.check()

    def test_progress_bar(self):
        """On a terminal, a progress bar shows the migration being run."""
        stderr = StringIO()
        stderr.isatty = lambda: True
        with mock.patch.object(sys, "stderr", stderr):
            self.check("testapp")
        self.assertIn("] 0/", stderr.getvalue())
        self.assertIn("stand-ins: testapp.0003_rename", stderr.getvalue())
        self.assertTrue(stderr.getvalue().endswith("\n"))
