"""
Say where migrate falls back to rendered models (`migrate --verbosity 2`):
fields or bases stand-ins can't represent, third-party operations and schema
editors, and RunPython, which asks for rendered models by design.
"""

import contextvars
import sys
from contextlib import contextmanager

from django.db import models
from django.db.migrations import Migration
from django.db.migrations.operations.base import Operation

from .stand_ins import StandInModels, field_class_can_stand_in
from .verify import running_stock

reporter = contextvars.ContextVar("modelstate_migrate_fallback_reporter", default=None)
# True while a built-in schema operation runs (see operations.py): they report
# their own fallbacks.
running_schema_operation = contextvars.ContextVar(
    "modelstate_migrate_running_schema_operation", default=False
)


class Reporter:
    """Write each distinct fallback once, as migrate's other output."""

    def __init__(self, write):
        self.write = write
        self.seen = set()

    def __call__(self, message):
        if message not in self.seen:
            self.seen.add(message)
            self.write("  modelstate_migrate: %s" % message)


@contextmanager
def reporting_to(write):
    token = reporter.set(Reporter(write))
    try:
        yield
    finally:
        reporter.reset(token)


def class_path(klass):
    return "%s.%s" % (klass.__module__, klass.__qualname__)


def why_rendered(model_state):
    """Return why a stand-in can't represent the model state."""
    if model_state is None:
        return "its app has no migrations"
    for base in model_state.bases:
        if isinstance(base, type) and issubclass(base, models.Model):
            if base is not models.Model:
                return "it inherits from the model class %s" % class_path(base)
    name, field = next(
        (name, field)
        for name, field in model_state.fields.items()
        if not field_class_can_stand_in(type(field))
    )
    return (
        "its field %r (%s) has its own contribute_to_class() or "
        "contribute_to_related_class()" % (name, class_path(type(field)))
    )


def report_model(report, registry, model_key):
    model_state = registry._get_model_state(model_key)
    report(
        "rendered %s.%s instead of using a stand-in: %s."
        % (*model_key, why_rendered(model_state))
    )


def report_schema_editor(schema_editor):
    if report := reporter.get():
        report(
            "operations pass rendered models to %s, which isn't one of "
            "Django's schema editors." % class_path(type(schema_editor))
        )


def running_operation():
    """
    Return the operation whose database_forwards() or database_backwards() is
    running, and its migration, if any.
    """
    operation = migration = None
    frame = sys._getframe(1)
    while frame is not None and migration is None:
        instance = frame.f_locals.get("self")
        # type(), not isinstance(): a lazy object's __class__ would evaluate it.
        if (
            operation is None
            and frame.f_code.co_name in ("database_forwards", "database_backwards")
            and issubclass(type(instance), Operation)
        ):
            operation = instance
        elif issubclass(type(instance), Migration):
            migration = instance
        frame = frame.f_back
    return operation, migration


def report_apps_use():
    """Report an operation other than Django's schema ones using state.apps."""
    if (
        (report := reporter.get())
        and not running_stock.get()
        and not running_schema_operation.get()
    ):
        operation, migration = running_operation()
        if operation is not None:
            report(
                "%s (%s) in %s.%s gets rendered models."
                % (
                    type(operation).__name__,
                    class_path(type(operation)),
                    migration.app_label,
                    migration.name,
                )
            )


def wrap_get_or_create(get_or_create):
    def wrapper(self, app_label, model_name):
        # Called for every relation a stand-in resolves: cost nothing unless
        # migrate reports fallbacks.
        if (report := reporter.get()) is None:
            return get_or_create(self, app_label, model_name)
        known = (app_label, model_name) in self.all_models
        model = get_or_create(self, app_label, model_name)
        if not known and (app_label, model_name) in self.rendered_model_keys:
            report_model(report, self, (app_label, model_name))
        return model

    return wrapper


def patch(patcher):
    patcher.wrap(StandInModels, "_get_or_create", wrap_get_or_create)
