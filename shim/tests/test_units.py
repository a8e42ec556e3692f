import sys
import types
from unittest import mock

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.contenttypes.management import (
    inject_rename_contenttypes_operations,
)
from django.db import connection, migrations, models
from django.db.backends.sqlite3.schema import DatabaseSchemaEditor
from django.db.migrations.state import ModelState, ProjectState
from django.db.models.signals import pre_migrate
from django.test import SimpleTestCase, TransactionTestCase, override_settings

from modelstate_migrate import contenttypes as shim_contenttypes
from modelstate_migrate.contenttypes import series_rename_receiver
from modelstate_migrate.fallbacks import why_rendered
from modelstate_migrate.operations import operation_modules
from modelstate_migrate.state import StateAppsDescriptor, StateView

from .fallbackapp.fields import TaggedField
from .utils import counting_renders, migrate, stock_django


class ThirdPartySchemaEditor(DatabaseSchemaEditor):
    """A schema editor outside Django: it gets rendered models."""


class StampedBase(models.Model):
    class Meta:
        abstract = True
        app_label = "testapp"


class CodeField(models.CharField):
    """A field with an __init__() of its own."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 4)
        super().__init__(*args, **kwargs)


class WhyRenderedTests(SimpleTestCase):
    def test_unmigrated_app(self):
        self.assertEqual(why_rendered(None), "its app has no migrations")

    def test_model_class_base(self):
        model_state = ModelState("testapp", "Stamped", [], bases=(StampedBase,))
        self.assertEqual(
            why_rendered(model_state),
            "it inherits from the model class tests.test_units.StampedBase",
        )

    def test_field_with_model_base_name(self):
        """A base named by a string isn't the reason; the field is."""
        model_state = ModelState(
            "testapp",
            "Tagged",
            [("tag", TaggedField(max_length=10))],
            bases=("testapp.author",),
        )
        self.assertEqual(
            why_rendered(model_state),
            "its field 'tag' (tests.fallbackapp.fields.TaggedField) has its own "
            "contribute_to_class() or contribute_to_related_class()",
        )


class ProjectStateTests(SimpleTestCase):
    def test_reusable_apps_of_unchanged_clones(self):
        """
        reusable_apps() renders the models once for a state and the clones
        that neither changed since cloning, each getting a registry of its own.
        """
        state = ProjectState()
        state.add_model(
            ModelState("testapp", "Tag", [("id", models.AutoField(primary_key=True))])
        )
        clone = state.clone()
        changed_clone = state.clone()
        changed_clone.add_model(
            ModelState("testapp", "Note", [("id", models.AutoField(primary_key=True))])
        )
        with counting_renders() as rendered:
            apps = state.reusable_apps()
            clone_apps = clone.reusable_apps()
            changed_clone.reusable_apps()
        self.assertEqual(rendered, ["Tag", "Tag", "Note"])
        self.assertIsNot(clone_apps, apps)
        self.assertIs(
            clone_apps.get_model("testapp", "Tag"), apps.get_model("testapp", "Tag")
        )

    def test_alter_field_finds_references_only_for_rendered_models(self):
        """
        alter_field() looks for references to the altered field, which decide
        what to re-render, only when models are rendered.
        """
        state = ProjectState()
        state.add_model(
            ModelState(
                "testapp",
                "Tag",
                [
                    ("id", models.AutoField(primary_key=True)),
                    ("name", models.CharField(max_length=10)),
                ],
            )
        )
        with mock.patch(
            "modelstate_migrate.state.field_is_referenced", return_value=False
        ) as field_is_referenced:
            state.alter_field(
                "testapp", "tag", "name", models.CharField(max_length=20), True
            )
            field_is_referenced.assert_not_called()
            state.apps
            state.alter_field(
                "testapp", "tag", "name", models.CharField(max_length=30), True
            )
            field_is_referenced.assert_called_once()
        tag = state.apps.get_model("testapp", "tag")
        self.assertEqual(tag._meta.get_field("name").max_length, 30)

    def test_adding_a_model_keeps_stand_ins(self):
        """
        Adding a model new to a state keeps the stand-ins of the other models,
        whose related objects then include the new model's relations, taken
        back from the clone they were handed over to, unless the clone changed
        since or they include rendered models.
        """

        def model_state(name, *fields):
            return ModelState(
                "testapp", name, [("id", models.AutoField(primary_key=True)), *fields]
            )

        state = ProjectState()
        state.add_model(model_state("Tag"))
        tag = state.stand_ins.get_model("testapp", "Tag")
        self.assertEqual(tag._meta.related_objects, ())
        clone = state.clone()
        state.add_model(
            model_state(
                "Note", ("tag", models.ForeignKey("testapp.Tag", models.CASCADE))
            )
        )
        self.assertIs(state.stand_ins.get_model("testapp", "Tag"), tag)
        # The new model's relations are among the related objects.
        self.assertEqual([rel.name for rel in tag._meta.related_objects], ["note"])
        self.assertIsNot(clone.stand_ins.get_model("testapp", "Tag"), tag)
        changed_clone = state.clone()
        changed_clone.add_field("testapp", "tag", "name", models.TextField(), True)
        state.add_model(model_state("Label"))
        new_tag = state.stand_ins.get_model("testapp", "Tag")
        self.assertIsNot(new_tag, tag)
        # TaggedField has a contribute_to_class() of its own: a rendered model.
        state.add_model(model_state("Tagged", ("tag", TaggedField(max_length=10))))
        state.stand_ins.get_model("testapp", "Tagged")
        state.add_model(model_state("Badge"))
        self.assertIsNot(state.stand_ins.get_model("testapp", "Tag"), new_tag)

    def test_clone_shares_model_states_until_looked_up(self):
        state = ProjectState()
        state.add_model(
            ModelState("testapp", "Tag", [("id", models.AutoField(primary_key=True))])
        )
        clone = state.clone()
        self.assertIs(
            dict.__getitem__(clone.models, ("testapp", "tag")),
            dict.__getitem__(state.models, ("testapp", "tag")),
        )
        clone.add_field("testapp", "tag", "name", models.TextField(), True)
        self.assertNotIn("name", state.models["testapp", "tag"].fields)

    def test_rename_model_target_and_intermediary(self):
        """
        rename_model() repoints a relation whose target and intermediary model
        are both the renamed model.
        """
        state = ProjectState()
        state.add_model(
            ModelState("testapp", "Link", [("id", models.AutoField(primary_key=True))])
        )
        state.add_model(
            ModelState(
                "testapp",
                "Page",
                [
                    ("id", models.AutoField(primary_key=True)),
                    (
                        "links",
                        models.ManyToManyField("testapp.Link", through="testapp.Link"),
                    ),
                ],
            )
        )
        clone = state.clone()
        state.rename_model("testapp", "Link", "Hyperlink")
        remote_field = state.models["testapp", "page"].fields["links"].remote_field
        self.assertEqual(remote_field.model, "testapp.Hyperlink")
        self.assertEqual(remote_field.through, "testapp.Hyperlink")
        remote_field = clone.models["testapp", "page"].fields["links"].remote_field
        self.assertEqual(remote_field.model, "testapp.Link")

    def test_render_copies_fields(self):
        """
        Django's fields are copied; others are reconstructed from
        deconstruct() by Field.clone().
        """
        model_state = ModelState(
            "testapp",
            "Coded",
            [
                ("id", models.AutoField(primary_key=True)),
                ("name", models.CharField(max_length=10)),
                ("code", CodeField()),
            ],
        )
        with mock.patch.object(
            models.CharField,
            "deconstruct",
            autospec=True,
            side_effect=models.CharField.deconstruct,
        ) as deconstruct:
            model = model_state.render(Apps())
        deconstruct.assert_called_once_with(model_state.fields["code"])
        self.assertEqual(model._meta.get_field("code").max_length, 4)
        self.assertEqual(model._meta.get_field("name").max_length, 10)


class RenameReceiverTests(SimpleTestCase):
    def test_operations_injected_without_content_type_model(self):
        """
        The series' receiver adds the series' RenameContentType after each
        RenameModel without getting a model from the apps it's given.
        """
        migration = migrations.Migration("0002_second", "testapp")
        migration.operations = [migrations.RenameModel("Bar", "Baz")]
        state_apps = mock.Mock(spec=["get_model"])
        shim_contenttypes.inject_rename_contenttypes_operations(
            plan=[(migration, False)], apps=state_apps
        )
        state_apps.get_model.assert_not_called()
        self.assertEqual(len(migration.operations), 2)
        self.assertIsInstance(
            migration.operations[1], shim_contenttypes.RenameContentType
        )

    def test_no_operations_injected_after_unapplying_contenttypes(self):
        """
        The series' receiver injects nothing into migrations unapplied after
        contenttypes' initial migration, nor without a plan.
        """
        contenttypes_initial = migrations.Migration("0001_initial", "contenttypes")
        migration = migrations.Migration("0002_second", "testapp")
        migration.operations = [migrations.RenameModel("Bar", "Baz")]
        inject = shim_contenttypes.inject_rename_contenttypes_operations
        inject(plan=None)
        inject(plan=[(contenttypes_initial, True), (migration, True)])
        self.assertEqual(len(migration.operations), 1)
        inject(plan=[(contenttypes_initial, False), (migration, False)])
        self.assertEqual(len(migration.operations), 2)

    def test_receiver_replaced_while_migrate_runs(self):
        """contrib.contenttypes' receiver is connected again afterwards."""
        receivers = list(pre_migrate.receivers)
        with series_rename_receiver():
            self.assertNotEqual(pre_migrate.receivers, receivers)
        self.assertEqual(pre_migrate.receivers, receivers)

    def test_receiver_disconnected_by_the_project(self):
        """A receiver the project disconnected stays disconnected."""
        sender = global_apps.get_app_config("contenttypes")
        pre_migrate.disconnect(inject_rename_contenttypes_operations, sender)
        self.addCleanup(
            pre_migrate.connect, inject_rename_contenttypes_operations, sender
        )
        receivers = list(pre_migrate.receivers)
        with series_rename_receiver():
            self.assertEqual(pre_migrate.receivers, receivers)

    @override_settings(INSTALLED_APPS=["modelstate_migrate"])
    def test_contenttypes_not_installed(self):
        """Without contrib.contenttypes, no receiver is connected."""
        receivers = list(pre_migrate.receivers)
        with series_rename_receiver():
            self.assertEqual(pre_migrate.receivers, receivers)


class StateAppsDescriptorTests(SimpleTestCase):
    def test_class_access(self):
        self.assertIsInstance(ProjectState.apps, StateAppsDescriptor)


class OperationModulesTests(SimpleTestCase):
    """contrib.postgres' operations are wrapped only when importable."""

    postgres_operations = "django.contrib.postgres.operations"
    operations = [
        "django.db.migrations.operations.fields",
        "django.db.migrations.operations.models",
    ]

    def test_with_postgresql_driver(self):
        module = types.ModuleType(self.postgres_operations)
        with mock.patch.dict(sys.modules, {self.postgres_operations: module}):
            modules = operation_modules()
        self.assertEqual(
            [module.__name__ for module in modules],
            [*self.operations, self.postgres_operations],
        )

    def test_without_postgresql_driver(self):
        with mock.patch.dict(sys.modules, {self.postgres_operations: None}):
            modules = operation_modules()
        self.assertEqual([module.__name__ for module in modules], self.operations)


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

    def test_rendered_models_without_report(self):
        """Below verbosity 2, the fallback isn't reported."""
        with mock.patch.object(connection, "SchemaEditorClass", ThirdPartySchemaEditor):
            with stock_django():
                stock, _ = migrate("testapp")
                migrate("testapp", "zero")
            statements, output = migrate("testapp", verbosity=1)
        self.assertEqual(statements, stock)
        self.assertNotIn("modelstate_migrate", output)


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

    def test_reload_missing_model(self):
        """
        Reloading a model the state doesn't have raises no error, as in stock
        Django when the state isn't rendered: it discards the stand-ins and
        reserves no field creation counters.
        """
        state = self.state()
        stand_ins = state.stand_ins
        state.reload_model("testapp", "missing")
        self.assertIsNot(state.stand_ins, stand_ins)
        for model_state in state.models.values():
            self.assertIsNone(model_state.field_creation_counter)

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


class StandInShapeTests(SimpleTestCase):
    """Model shapes that migrations rarely produce but stand-ins support."""

    def state(self, *model_states):
        state = ProjectState()
        for model_state in model_states:
            state.add_model(model_state)
        return state

    def id_field(self):
        return ("id", models.AutoField(primary_key=True))

    def test_order_with_respect_to(self):
        state = self.state(
            ModelState("testapp", "Book", [self.id_field()]),
            ModelState(
                "testapp",
                "Chapter",
                [
                    self.id_field(),
                    ("book", models.ForeignKey("testapp.Book", models.CASCADE)),
                ],
                options={"order_with_respect_to": "book"},
            ),
        )
        chapter = state.stand_ins.get_model("testapp", "chapter")
        self.assertEqual(
            [field.name for field in chapter._meta.local_fields],
            ["id", "book", "_order"],
        )
        # _order takes the creation counter reserved after the model's fields.
        model_state = state.models["testapp", "chapter"]
        self.assertEqual(
            chapter._meta.get_field("_order").creation_counter,
            model_state.field_creation_counter + 2,
        )

    def test_proxy_without_concrete_base(self):
        state = self.state(ModelState("testapp", "Orphan", [], options={"proxy": True}))
        msg = "Proxy model 'Orphan' has no non-abstract model base class."
        with self.assertRaisesMessage(TypeError, msg):
            state.stand_ins.get_model("testapp", "orphan")

    def test_parent_link_added(self):
        """Multi-table inheritance without a parent link field gets one."""
        state = self.state(
            ModelState("testapp", "Place", [self.id_field()]),
            ModelState("testapp", "Shop", [], bases=("testapp.place",)),
        )
        shop = state.stand_ins.get_model("testapp", "shop")
        self.assertEqual(shop._meta.pk.name, "place_ptr")
        self.assertIs(shop._meta.pk.remote_field.parent_link, True)

    @override_settings(TESTAPP_SWAPPABLE="testapp.Replacement")
    def test_swapped_models_have_no_relations(self):
        state = self.state(
            ModelState("testapp", "Tag", [self.id_field()]),
            ModelState(
                "testapp",
                "Swapped",
                [self.id_field(), ("tags", models.ManyToManyField("testapp.Tag"))],
                options={"swappable": "TESTAPP_SWAPPABLE"},
            ),
        )
        tag = state.stand_ins.get_model("testapp", "tag")
        self.assertEqual(tag._meta.related_objects, ())

    @override_settings(TESTAPP_SWAPPABLE="TestApp.Replacement")
    def test_swapped_in_models_have_relations(self):
        """
        A swappable model that the setting points to isn't swapped out, as
        Options.swapped tells (case-sensitive for the app label).
        """
        state = self.state(
            ModelState("TestApp", "Tag", [self.id_field()]),
            ModelState(
                "TestApp",
                "Replacement",
                [
                    self.id_field(),
                    ("tag", models.ForeignKey("TestApp.Tag", models.CASCADE)),
                ],
                options={"swappable": "TESTAPP_SWAPPABLE"},
            ),
        )
        tag = state.stand_ins.get_model("TestApp", "tag")
        self.assertEqual(
            [relation.name for relation in tag._meta.related_objects],
            ["replacement"],
        )

    def test_relations_from_rendered_models(self):
        """
        Reverse relations include those of models that are rendered instead
        of stood in for.
        """
        state = self.state(
            ModelState("testapp", "Tag", [self.id_field()]),
            ModelState(
                "testapp",
                "Note",
                [
                    self.id_field(),
                    ("label", TaggedField(max_length=10)),
                    ("tags", models.ManyToManyField("testapp.Tag")),
                    ("tag", models.ForeignKey("testapp.Tag", models.CASCADE)),
                ],
            ),
        )
        tag = state.stand_ins.get_model("testapp", "tag")
        self.assertEqual(
            sorted(relation.name for relation in tag._meta.related_objects),
            ["note", "note"],
        )

    def test_to_field_of_rendered_concrete_model(self):
        """
        A foreign key to a proxy model may target a field of the proxied
        model that is rendered instead of stood in for.
        """
        state = self.state(
            ModelState(
                "testapp",
                "Place",
                [
                    self.id_field(),
                    ("code", models.CharField(max_length=5, unique=True)),
                    ("label", TaggedField(max_length=10)),
                ],
            ),
            ModelState(
                "testapp", "Spot", [], bases=("testapp.place",), options={"proxy": True}
            ),
            ModelState(
                "testapp",
                "Visit",
                [
                    self.id_field(),
                    (
                        "spot",
                        models.ForeignKey(
                            "testapp.Spot", models.CASCADE, to_field="code"
                        ),
                    ),
                ],
            ),
        )
        stand_ins = state.stand_ins
        spot = stand_ins.get_model("testapp", "visit")._meta.get_field("spot")
        self.assertEqual(stand_ins.rendered_model_keys, {("testapp", "place")})
        place = stand_ins.get_model("testapp", "place")
        self.assertIs(spot.target_field, place._meta.get_field("code"))
        self.assertEqual(spot.db_type(connection), "varchar(5)")
