"""
contrib.contenttypes' pre_migrate receiver gets the ContentType model only
when the plan renames models, as in the patch series: getting a model from
migrate's pre_migrate apps renders the whole project state.
"""

import functools
from contextlib import contextmanager

from django.apps import apps as global_apps
from django.db import migrations
from django.db.models.signals import pre_migrate


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
