"""
The executor and the migrate command render models only on demand, as in the
patch series: no "Render all" before applying migrations, no rendered state
handed to the executor, contrib.contenttypes' pre_migrate receiver renders
only for plans that rename models, detect_soft_applied() (migrate
--fake-initial) inspects stand-ins, and Migration.unapply() clones the state
once per operation.
"""

import contextvars
import functools

from django.core.management.commands import migrate
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration
from django.db.transaction import atomic

from . import fallbacks
from .contenttypes import rename_receiver_skipping_plans_without_renames
from .state import StandInStateView, render_on_demand, unwrap

# Progress reported around the executor's "Render all", which doesn't render.
RENDER_PROGRESS = {"render_start", "render_success"}

detecting_soft_applied = contextvars.ContextVar(
    "modelstate_migrate_detecting_soft_applied", default=False
)


# The series' Migration.unapply(): one clone of the state per operation.
def unapply(self, project_state, schema_editor, collect_sql=False):
    """
    Take a project_state representing all migrations prior to this one
    and a schema_editor for a live database and apply the migration
    in a reverse order.

    The backwards migration process consists of two phases:

    1. The intermediate states from right before the first until right
       after the last operation inside this migration are preserved.
    2. The operations are applied in reverse order using the states
       recorded in step 1.
    """
    # Construct all the intermediate states we need for a reverse migration
    to_run = []
    old_state = project_state
    # Phase 1
    for operation in self.operations:
        # If it's irreversible, error out
        if not operation.reversible:
            raise IrreversibleError(
                "Operation %s in %s is not reversible" % (operation, self)
            )
        # Change a clone to preserve the state before the operation.
        new_state = old_state.clone()
        operation.state_forwards(self.app_label, new_state)
        to_run.insert(0, (operation, old_state, new_state))
        old_state = new_state

    # Phase 2
    for operation, to_state, from_state in to_run:
        if collect_sql:
            schema_editor.collected_sql.append("--")
            schema_editor.collected_sql.append("-- %s" % operation.describe())
            schema_editor.collected_sql.append("--")
            if not operation.reduces_to_sql:
                schema_editor.collected_sql.append(
                    "-- THIS OPERATION CANNOT BE WRITTEN AS SQL"
                )
                continue
            collected_sql_before = len(schema_editor.collected_sql)
        atomic_operation = operation.atomic or (
            self.atomic and operation.atomic is not False
        )
        if not schema_editor.atomic_migration and atomic_operation:
            # Force a transaction on a non-transactional-DDL backend or an
            # atomic operation inside a non-atomic migration.
            with atomic(schema_editor.connection.alias):
                operation.database_backwards(
                    self.app_label, schema_editor, from_state, to_state
                )
        else:
            # Normal behavior
            operation.database_backwards(
                self.app_label, schema_editor, from_state, to_state
            )
        if collect_sql and collected_sql_before == len(schema_editor.collected_sql):
            schema_editor.collected_sql.append("-- (no-op)")
    return project_state


def wrap_executor_migrate(migrate_method):
    @functools.wraps(migrate_method)
    def wrapper(self, targets, plan=None, state=None, *args, **kwargs):
        if state is not None:
            # The migrate command hands over a clone of the state it rendered
            # for pre_migrate receivers. Changes to a rendered state re-render
            # models; the executor renders only what is asked for.
            del state.apps
        with render_on_demand():
            return migrate_method(self, targets, plan, state, *args, **kwargs)

    return wrapper


def wrap_migrate_all_forwards(migrate_all_forwards):
    @functools.wraps(migrate_all_forwards)
    def wrapper(self, *args, **kwargs):
        progress_callback = self.progress_callback
        if progress_callback is not None:

            def filtered_progress_callback(action, *args, **kwargs):
                if action not in RENDER_PROGRESS:
                    progress_callback(action, *args, **kwargs)

            self.progress_callback = filtered_progress_callback
        try:
            return migrate_all_forwards(self, *args, **kwargs)
        finally:
            self.progress_callback = progress_callback

    return wrapper


def wrap_detect_soft_applied(detect_soft_applied):
    @functools.wraps(detect_soft_applied)
    def wrapper(self, project_state, migration):
        token = detecting_soft_applied.set(True)
        try:
            applied, state = detect_soft_applied(self, project_state, migration)
        finally:
            detecting_soft_applied.reset(token)
        return applied, unwrap(state)

    return wrapper


def wrap_mutate_state(mutate_state):
    @functools.wraps(mutate_state)
    def wrapper(self, project_state, preserve=True):
        state = mutate_state(self, project_state, preserve=preserve)
        if detecting_soft_applied.get():
            return StandInStateView(state)
        return state

    return wrapper


def wrap_migrate_handle(handle):
    @functools.wraps(handle)
    def wrapper(self, *args, **options):
        with render_on_demand(), rename_receiver_skipping_plans_without_renames():
            if options["verbosity"] >= 2:
                with fallbacks.reporting_to(self.stdout.write):
                    return handle(self, *args, **options)
            return handle(self, *args, **options)

    return wrapper


def patch(patcher):
    patcher.wrap(MigrationExecutor, "migrate", wrap_executor_migrate)
    patcher.wrap(MigrationExecutor, "_migrate_all_forwards", wrap_migrate_all_forwards)
    patcher.wrap(MigrationExecutor, "detect_soft_applied", wrap_detect_soft_applied)
    patcher.wrap(Migration, "mutate_state", wrap_mutate_state)
    patcher.replace(Migration, "unapply", unapply)
    patcher.wrap(migrate.Command, "handle", wrap_migrate_handle)
