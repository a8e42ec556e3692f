"""
VERIFY mode (MODELSTATE_MIGRATE = {"VERIFY": True}): before a schema
operation runs, its SQL is generated twice in collect-SQL mode, once with
rendered models as stock Django does and once with stand-ins, and any
difference raises VerificationError with both statement lists. Meant for a
project's CI: it renders the whole state for each operation.
"""

import contextvars
from contextlib import contextmanager
from datetime import datetime
from datetime import timezone as dt_timezone
from unittest import mock

from django.db.backends.base import schema as base_schema
from django.utils import timezone

# True while an operation runs as stock Django runs it.
running_stock = contextvars.ContextVar(
    "modelstate_migrate_running_stock", default=False
)


class VerificationError(Exception):
    """A schema operation's SQL differs between stand-ins and rendered models."""

    def __init__(self, operation, migration_label, stock_sql, stand_in_sql):
        self.stock_sql = stock_sql
        self.stand_in_sql = stand_in_sql
        lines = [
            "modelstate_migrate VERIFY: %s (%s) generates different SQL with "
            "stand-ins than with rendered models."
            % (operation.describe(), migration_label),
            "Rendered models (stock Django):",
            *("    %s" % sql for sql in stock_sql),
            "Stand-ins:",
            *("    %s" % sql for sql in stand_in_sql),
            "Please report this. Set MODELSTATE_MIGRATE=0 to migrate with stock "
            "Django meanwhile.",
        ]
        super().__init__("\n".join(lines))


@contextmanager
def frozen_clock():
    """
    Stop the clock that defaults read (auto_now(_add) fields, and
    default=timezone.now, however it was imported), so that both runs of an
    operation generate the same timestamps.
    """
    frozen = datetime.now(dt_timezone.utc)

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            if tz is None:
                return frozen.astimezone().replace(tzinfo=None)
            return frozen.astimezone(tz)

    with (
        mock.patch.object(base_schema, "datetime", FrozenDatetime),
        mock.patch.object(timezone, "datetime", FrozenDatetime),
    ):
        yield


@contextmanager
def running_as_stock():
    token = running_stock.set(True)
    try:
        yield
    finally:
        running_stock.reset(token)


def collect_sql(method, operation, app_label, schema_editor, from_state, to_state):
    """Return the statements method generates, deferred ones included."""
    editor = type(schema_editor)(
        schema_editor.connection, collect_sql=True, atomic=False
    )
    # Set by __enter__(), which isn't run: it would execute the deferred SQL
    # and, on SQLite, toggle constraint checks.
    editor.deferred_sql = []
    method(operation, app_label, editor, from_state, to_state)
    for sql in editor.deferred_sql:
        editor.execute(sql)
    return editor.collected_sql


def rendered_clones(method, from_state, to_state):
    """
    Return clones of from_state and to_state rendered as stock migrate has
    them: the state before the operation first, so that the fields of models
    the operation changes are newer in the state after it (fields order
    columns by creation).
    """
    from_state, to_state = from_state.clone(), to_state.clone()
    for state in (from_state, to_state):
        del state.apps
    before, after = (
        (to_state, from_state)
        if method.__name__ == "database_backwards"
        else (from_state, to_state)
    )
    before.apps.get_models()
    after.apps.get_models()
    return from_state, to_state


def verify_operation(method, operation, app_label, schema_editor, from_state, to_state):
    """Raise VerificationError if method's SQL differs between both paths."""
    from .fallbacks import running_operation
    from .state import SchemaEditorStateView

    with frozen_clock():
        with running_as_stock():
            stock_sql = collect_sql(
                method,
                operation,
                app_label,
                schema_editor,
                *rendered_clones(method, from_state, to_state),
            )
        stand_in_sql = collect_sql(
            method,
            operation,
            app_label,
            schema_editor,
            SchemaEditorStateView(from_state, schema_editor),
            SchemaEditorStateView(to_state, schema_editor),
        )
    if stock_sql != stand_in_sql:
        _, migration = running_operation()
        raise VerificationError(
            operation,
            "%s.%s" % (migration.app_label, migration.name) if migration else app_label,
            [str(sql) for sql in stock_sql],
            [str(sql) for sql in stand_in_sql],
        )
