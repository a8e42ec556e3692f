"""
contrib.contenttypes, as in the patch series: its pre_migrate receiver gets
the ContentType model only when the plan renames models (getting a model from
migrate's pre_migrate apps renders the whole project state), and the
operation it adds after each RenameModel renders the ContentType model alone.
"""

import functools
from contextlib import contextmanager

from django.apps import apps as global_apps
from django.contrib.contenttypes import management
from django.db import migrations
from django.db.migrations.state import ProjectState
from django.db.models.signals import pre_migrate


class RenameContentType(management.RenameContentType):
    """
    The series' RenameContentType: its methods below are the series' (a test
    checks).
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


def plan_renames_models(plan):
    return any(
        isinstance(operation, migrations.RenameModel)
        for migration, _backward in plan
        for operation in migration.operations
    )


def skipping_plans_without_renames(receiver):
    @functools.wraps(receiver)
    def wrapper(plan=None, **kwargs):
        if plan is not None and plan_renames_models(plan):
            receiver(plan=plan, **kwargs)

    return wrapper


@contextmanager
def rename_receiver_skipping_plans_without_renames():
    """
    Connect skipping_plans_without_renames(inject_rename_contenttypes_operations)
    in place of the receiver contrib.contenttypes connects, while migrate runs.
    The replacement comes after receivers connected later than the original
    for contenttypes' pre_migrate signal.
    """
    if not global_apps.is_installed("django.contrib.contenttypes"):
        yield
        return
    from django.contrib.contenttypes.management import (
        inject_rename_contenttypes_operations,
    )

    sender = global_apps.get_app_config("contenttypes")
    if not pre_migrate.disconnect(inject_rename_contenttypes_operations, sender):
        # The project disconnected it.
        yield
        return
    receiver = skipping_plans_without_renames(inject_rename_contenttypes_operations)
    pre_migrate.connect(receiver, sender, weak=False)
    try:
        yield
    finally:
        pre_migrate.disconnect(receiver, sender)
        pre_migrate.connect(inject_rename_contenttypes_operations, sender)


def patch(patcher):
    # inject_rename_contenttypes_operations() looks the class up in its module.
    patcher.replace(management, "RenameContentType", RenameContentType)
