from unittest import mock

from django.db import connection, models
from django.db.backends.sqlite3.schema import DatabaseSchemaEditor
from django.db.migrations.state import ModelState, ProjectState
from django.test import SimpleTestCase, TransactionTestCase
from modelstate_migrate.fallbacks import why_rendered
from modelstate_migrate.state import StateAppsDescriptor, StateView

from .utils import migrate, stock_django


class ThirdPartySchemaEditor(DatabaseSchemaEditor):
    """A schema editor outside Django: it gets rendered models."""


class StampedBase(models.Model):
    class Meta:
        abstract = True
        app_label = "testapp"


class WhyRenderedTests(SimpleTestCase):
    def test_unmigrated_app(self):
        self.assertEqual(why_rendered(None), "its app has no migrations")

    def test_model_class_base(self):
        model_state = ModelState("testapp", "Stamped", [], bases=(StampedBase,))
        self.assertEqual(
            why_rendered(model_state),
            "it inherits from the model class tests.test_units.StampedBase",
        )


class StateAppsDescriptorTests(SimpleTestCase):
    def test_class_access(self):
        self.assertIsInstance(ProjectState.apps, StateAppsDescriptor)


class StateViewTests(SimpleTestCase):
    def test_attributes_are_the_states(self):
        state = ProjectState()
        view = StateView(state)
        view.is_delayed = True
        self.assertIs(state.is_delayed, True)
        self.assertIs(view.models, state.models)

    def test_uninitialized(self):
        """A view without a state (e.g. while unpickling) has no attributes."""
        view = StateView.__new__(StateView)
        self.assertIs(hasattr(view, "models"), False)


class ThirdPartySchemaEditorTests(TransactionTestCase):
    available_apps = ["modelstate_migrate", "tests.testapp", "tests.fallbackapp"]

    def setUp(self):
        migrate("testapp", "zero")

    def tearDown(self):
        migrate("testapp")

    def test_rendered_models(self):
        """
        Operations pass rendered models to schema editors that aren't
        Django's, and say so at verbosity 2; the SQL is stock Django's.
        """
        with mock.patch.object(connection, "SchemaEditorClass", ThirdPartySchemaEditor):
            with stock_django():
                stock, _ = migrate("testapp")
                migrate("testapp", "zero")
            statements, output = migrate("testapp", verbosity=2)
        self.assertEqual(statements, stock)
        self.assertIn(
            "modelstate_migrate: operations pass rendered models to "
            "tests.test_units.ThirdPartySchemaEditor, which isn't one of Django's "
            "schema editors.",
            output,
        )


class StandInTests(SimpleTestCase):
    def state(self):
        return ProjectState(
            models={
                ("testapp", "author"): ModelState(
                    "testapp",
                    "Author",
                    [("id", models.AutoField(primary_key=True))],
                ),
                ("testapp", "stamped"): ModelState(
                    "testapp",
                    "Stamped",
                    [("id", models.AutoField(primary_key=True))],
                    bases=(StampedBase,),
                ),
            }
        )

    def test_label_shortcut(self):
        stand_ins = self.state().stand_ins
        self.assertIs(
            stand_ins.get_model("testapp.Author"),
            stand_ins.get_model("testapp", "author"),
        )

    def test_counters_reserved_when_built(self):
        """A model state that no state change reserved counters for gets them."""
        state = self.state()
        model_state = state.models["testapp", "author"]
        self.assertIsNone(model_state.field_creation_counter)
        state.stand_ins.get_model("testapp", "author")._meta
        self.assertIsNotNone(model_state.field_creation_counter)

    def test_model_class_base_is_rendered(self):
        stand_ins = self.state().stand_ins
        model = stand_ins.get_model("testapp", "stamped")
        self.assertTrue(issubclass(model, StampedBase))
        self.assertIn(("testapp", "stamped"), stand_ins.rendered_model_keys)

    def test_stand_in_class(self):
        model = self.state().stand_ins.get_model("testapp", "author")
        model.add_to_class("flag", True)
        self.assertIs(model.flag, True)
        msg = "type object 'Author' has no attribute 'missing'"
        with self.assertRaisesMessage(AttributeError, msg):
            model.missing
