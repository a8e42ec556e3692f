"""
Where a migration operation gets its models: Django's built-in schema
operations (and contrib.postgres') read them from from_state.apps and
to_state.apps. Their own database_forwards()/database_backwards() run as they
are, given states whose apps are the models for the schema editor: stand-ins
for Django's schema editors, rendered models for others. RunPython's code gets
the state's reusable_apps(), rendered on first use, as in the series.
"""

import functools
import importlib

from django.db.migrations.operations import fields, models
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.special import RunPython

from .fallbacks import running_schema_operation
from .state import ReusableAppsStateView, SchemaEditorStateView, unwrap
from .verify import running_stock, verify_operation

OPERATION_MODULES = [fields, models]
OPTIONAL_OPERATION_MODULES = [
    # Imports psycopg: only there when a PostgreSQL driver is installed.
    "django.contrib.postgres.operations",
]
DATABASE_METHODS = ("database_forwards", "database_backwards")


def operation_modules():
    modules = list(OPERATION_MODULES)
    for name in OPTIONAL_OPERATION_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ImportError:
            pass
    return modules


def schema_operation_methods():
    """Yield (class, method name) of each built-in schema operation method."""
    for module in operation_modules():
        for klass in vars(module).values():
            if (
                isinstance(klass, type)
                and issubclass(klass, Operation)
                and klass.__module__ == module.__name__
            ):
                for name in DATABASE_METHODS:
                    if name in klass.__dict__:
                        yield klass, name


def wrap_database_method(method, verify):
    """
    Run method with states whose apps are the models for the schema editor,
    after checking the SQL against the stock path when verify is true.
    """

    @functools.wraps(method)
    def wrapper(self, app_label, schema_editor, from_state, to_state):
        if running_stock.get():
            return method(self, app_label, schema_editor, from_state, to_state)
        from_state, to_state = unwrap(from_state), unwrap(to_state)
        # E.g. RenameModel.database_backwards() calls database_forwards(): the
        # outermost call verifies.
        verify_here = verify and not running_schema_operation.get()
        token = running_schema_operation.set(True)
        try:
            if verify_here:
                verify_operation(
                    method, self, app_label, schema_editor, from_state, to_state
                )
            return method(
                self,
                app_label,
                schema_editor,
                SchemaEditorStateView(from_state, schema_editor),
                SchemaEditorStateView(to_state, schema_editor),
            )
        finally:
            running_schema_operation.reset(token)

    return wrapper


def wrap_run_python_method(method):
    """Give RunPython's code the state's reusable_apps(), rendered on first use."""

    @functools.wraps(method)
    def wrapper(self, app_label, schema_editor, from_state, to_state):
        from_state = ReusableAppsStateView(unwrap(from_state))
        return method(self, app_label, schema_editor, from_state, to_state)

    return wrapper


def patch(patcher, verify=False):
    for klass, name in schema_operation_methods():
        patcher.wrap(
            klass, name, functools.partial(wrap_database_method, verify=verify)
        )
    for name in DATABASE_METHODS:
        patcher.wrap(RunPython, name, wrap_run_python_method)
