import os
from unittest import mock

from django.apps import apps
from django.apps.registry import Apps
from django.core.exceptions import ImproperlyConfigured
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import AddField
from django.db.migrations.state import ModelState, ProjectState
from django.test import SimpleTestCase, override_settings
from django.utils.functional import cached_property

import modelstate_migrate
from modelstate_migrate.checks import check_django_version
from modelstate_migrate.conf import shim_settings


class InstallTests(SimpleTestCase):
    def tearDown(self):
        modelstate_migrate.install()

    def test_installed_by_ready(self):
        """Listing the app in INSTALLED_APPS installs the patches."""
        self.assertIs(modelstate_migrate.is_installed(), True)
        self.assertTrue(hasattr(ProjectState, "stand_ins"))

    def test_install_twice(self):
        """install() and ready() may run again: nothing is wrapped twice."""
        forwards = AddField.database_forwards
        modelstate_migrate.install()
        apps.get_app_config("modelstate_migrate").ready()
        self.assertIs(AddField.database_forwards, forwards)

    def test_uninstall_restores_django(self):
        modelstate_migrate.uninstall()
        self.assertIs(modelstate_migrate.is_installed(), False)
        self.assertIsInstance(ProjectState.__dict__["apps"], cached_property)
        self.assertFalse(hasattr(ProjectState, "stand_ins"))
        self.assertFalse(hasattr(ModelState, "field_creation_counter"))
        self.assertFalse(hasattr(AddField.database_forwards, "__wrapped__"))
        self.assertFalse(hasattr(MigrationExecutor.migrate, "__wrapped__"))
        modelstate_migrate.uninstall()  # Does nothing.

    def test_install_with_verify(self):
        """Installing with another VERIFY value reinstalls."""
        forwards = AddField.database_forwards
        modelstate_migrate.install(verify=True)
        self.assertIsNot(AddField.database_forwards, forwards)
        modelstate_migrate.install()
        self.assertIsNot(AddField.database_forwards, forwards)
        self.assertIs(AddField.database_forwards.__wrapped__, forwards.__wrapped__)

    def test_failed_install_restores_django(self):
        modelstate_migrate.uninstall()
        with mock.patch(
            "modelstate_migrate.fallbacks.patch", side_effect=RuntimeError("boom")
        ):
            with self.assertRaisesMessage(RuntimeError, "boom"):
                modelstate_migrate.install()
        self.assertIs(modelstate_migrate.is_installed(), False)
        self.assertFalse(hasattr(ProjectState, "stand_ins"))

    def test_attribute_django_already_has(self):
        """The shim refuses to replace something Django itself provides."""
        modelstate_migrate.uninstall()
        ProjectState.stand_ins = None
        try:
            msg = (
                "ProjectState.stand_ins already exists: this Django version has "
                "the change the shim would add."
            )
            with self.assertRaisesMessage(RuntimeError, msg):
                modelstate_migrate.install()
        finally:
            del ProjectState.stand_ins

    def test_app_listed_twice(self):
        msg = "Application labels aren't unique, duplicates: modelstate_migrate"
        with self.assertRaisesMessage(ImproperlyConfigured, msg):
            Apps(["modelstate_migrate", "modelstate_migrate"])


@mock.patch("django.VERSION", (6, 2, 0, "final", 0))
@mock.patch("django.get_version", lambda: "6.2")
class VersionGateTests(SimpleTestCase):
    msg = (
        "django-modelstate-migrate supports Django 5.2, 6.0, 6.1, not Django 6.2. "
        "Its patches aren't installed: migrate runs as stock Django's."
    )

    def setUp(self):
        modelstate_migrate.uninstall()

    def tearDown(self):
        with mock.patch("django.VERSION", (6, 1, 0, "final", 0)):
            modelstate_migrate.install()

    def test_check_error_names_the_version(self):
        errors = check_django_version()
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0].id, "modelstate_migrate.E001")
        self.assertEqual(errors[0].msg, self.msg)

    def test_ready_patches_nothing(self):
        apps.get_app_config("modelstate_migrate").ready()
        self.assertIs(modelstate_migrate.is_installed(), False)

    def test_install_refuses(self):
        with self.assertRaisesMessage(ImproperlyConfigured, self.msg):
            modelstate_migrate.install()


class SupportedVersionCheckTests(SimpleTestCase):
    def test_no_error(self):
        for version in [(5, 2, 19), (6, 0, 10), (6, 1, 3)]:
            with self.subTest(version=version):
                with mock.patch("django.VERSION", version + ("final", 0)):
                    self.assertEqual(check_django_version(), [])


class SettingsTests(SimpleTestCase):
    def tearDown(self):
        modelstate_migrate.install()

    def test_defaults(self):
        self.assertEqual(shim_settings(), {"ENABLED": True, "VERIFY": False})

    @override_settings(MODELSTATE_MIGRATE={"VERIFY": True})
    def test_verify(self):
        self.assertEqual(shim_settings(), {"ENABLED": True, "VERIFY": True})

    @override_settings(MODELSTATE_MIGRATE={"ENABLED": False})
    def test_disabled_by_setting(self):
        modelstate_migrate.uninstall()
        apps.get_app_config("modelstate_migrate").ready()
        self.assertIs(modelstate_migrate.is_installed(), False)

    def test_kill_switch(self):
        """MODELSTATE_MIGRATE=0 in the environment leaves Django alone."""
        modelstate_migrate.uninstall()
        with mock.patch.dict(os.environ, {"MODELSTATE_MIGRATE": "0"}):
            apps.get_app_config("modelstate_migrate").ready()
        self.assertIs(modelstate_migrate.is_installed(), False)

    @override_settings(MODELSTATE_MIGRATE={"ENABLED": False})
    def test_environment_overrides_setting(self):
        with mock.patch.dict(os.environ, {"MODELSTATE_MIGRATE": " On "}):
            self.assertIs(shim_settings()["ENABLED"], True)

    def test_invalid_environment_value(self):
        msg = "The MODELSTATE_MIGRATE environment variable must be 0 or 1, not 'maybe'."
        with mock.patch.dict(os.environ, {"MODELSTATE_MIGRATE": "maybe"}):
            with self.assertRaisesMessage(ImproperlyConfigured, msg):
                shim_settings()

    @override_settings(MODELSTATE_MIGRATE={"ENABLE": False, "VERBOSE": 1})
    def test_unknown_keys(self):
        msg = (
            "Unknown keys in the MODELSTATE_MIGRATE setting: ENABLE, VERBOSE. "
            "Known keys: ENABLED, VERIFY."
        )
        with self.assertRaisesMessage(ImproperlyConfigured, msg):
            shim_settings()

    @override_settings(MODELSTATE_MIGRATE=False)
    def test_not_a_dict(self):
        msg = "The MODELSTATE_MIGRATE setting must be a dict."
        with self.assertRaisesMessage(ImproperlyConfigured, msg):
            shim_settings()
