"""
contrib.contenttypes, as in the patch series: the pre_migrate receiver that
adds a RenameContentType operation after each RenameModel doesn't get the
ContentType model from migrate's pre_migrate apps (which renders the whole
project state), and that operation renders the ContentType model alone.
"""

from contextlib import contextmanager

from django.apps import apps as global_apps
from django.contrib.contenttypes import management
from django.db import DEFAULT_DB_ALIAS, migrations
from django.db.migrations.state import ProjectState
from django.db.models.signals import pre_migrate


class RenameContentType(management.RenameContentType):
    """
    The series' RenameContentType: its methods below are the series' (a test
    checks), but for _rename().
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        super().database_forwards(
            app_label, schema_editor, self._content_type_state(from_state), to_state
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        super().database_backwards(
            app_label, schema_editor, self._content_type_state(from_state), to_state
        )

    @staticmethod
    def _content_type_state(state):
        """
        Return a state holding the ContentType model of state alone: renaming
        uses no other model, so the other models needn't be rendered.
        """
        model_key = ("contenttypes", "contenttype")
        models = (
            {model_key: state.models[model_key]} if model_key in state.models else {}
        )
        return ProjectState(models, real_apps=state.real_apps & {"contenttypes"})

    def _rename(self, apps, schema_editor, old_model, new_model):
        # The series' _rename() returns where the ContentType model isn't
        # available. The rest of it differs between Django versions (a
        # rename conflict raises, is ignored or warns): the installed one's.
        try:
            apps.get_model("contenttypes", "ContentType")
        except LookupError:
            return
        super()._rename(apps, schema_editor, old_model, new_model)


def inject_rename_contenttypes_operations(
    plan=None, apps=global_apps, using=DEFAULT_DB_ALIAS, **kwargs
):
    """
    Insert a `RenameContentType` operation after every planned `RenameModel`
    operation.
    """
    if plan is None:
        return

    # RenameContentType does nothing where the ContentType model isn't
    # available or isn't migrated on the database. Getting the model here,
    # from the apps of the state before the plan, would render every model of
    # that state.
    for migration, backward in plan:
        if (migration.app_label, migration.name) == ("contenttypes", "0001_initial"):
            # There's no point in going forward if the initial contenttypes
            # migration is unapplied as the ContentType model will be
            # unavailable from this point.
            if backward:
                break
            continue
        inserts = []
        for index, operation in enumerate(migration.operations):
            if isinstance(operation, migrations.RenameModel):
                operation = RenameContentType(
                    migration.app_label,
                    operation.old_name_lower,
                    operation.new_name_lower,
                )
                inserts.append((index + 1, operation))
        for inserted, (index, operation) in enumerate(inserts):
            migration.operations.insert(inserted + index, operation)


@contextmanager
def series_rename_receiver():
    """
    Connect the series' inject_rename_contenttypes_operations() in place of
    the receiver contrib.contenttypes connects, while migrate runs. The
    replacement comes after receivers connected later than the original for
    contenttypes' pre_migrate signal.
    """
    if not global_apps.is_installed("django.contrib.contenttypes"):
        yield
        return
    sender = global_apps.get_app_config("contenttypes")
    stock_receiver = management.inject_rename_contenttypes_operations
    if not pre_migrate.disconnect(stock_receiver, sender):
        # The project disconnected it.
        yield
        return
    pre_migrate.connect(inject_rename_contenttypes_operations, sender)
    try:
        yield
    finally:
        pre_migrate.disconnect(inject_rename_contenttypes_operations, sender)
        pre_migrate.connect(stock_receiver, sender)


def patch(patcher):
    patcher.replace(management, "RenameContentType", RenameContentType)
