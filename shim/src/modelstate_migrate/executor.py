"""
The executor and the migrate command render models only on demand, as in the
patch series: no "Render all" before applying migrations, no rendered state
handed to the executor, contrib.contenttypes' pre_migrate receiver renders
only for plans that rename models, and detect_soft_applied() (migrate
--fake-initial) inspects stand-ins.
"""

import contextvars
import functools

from django.core.management.commands import migrate
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.migration import Migration

from . import fallbacks
from .contenttypes import series_rename_receiver
from .state import StandInStateView, render_on_demand, unwrap

# Progress reported around the executor's "Render all", which doesn't render.
RENDER_PROGRESS = {"render_start", "render_success"}

detecting_soft_applied = contextvars.ContextVar(
    "modelstate_migrate_detecting_soft_applied", default=False
)


def wrap_executor_migrate(migrate_method):
    @functools.wraps(migrate_method)
    def wrapper(self, targets, plan=None, state=None, *args, **kwargs):
        if state is not None:
            # The migrate command hands over a clone of the state it rendered
            # for pre_migrate receivers. Changes to a rendered state re-render
            # models; the executor renders only what is asked for.
            del state.apps
        with render_on_demand():
            state = migrate_method(self, targets, plan, state, *args, **kwargs)
            # The migrate command renders the state for post_migrate
            # receivers, as in the series: with the models rendered for the
            # last RunPython if nothing changed the state since.
            state.reusable_apps()
        return state

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
        with render_on_demand(), series_rename_receiver():
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
    patcher.wrap(migrate.Command, "handle", wrap_migrate_handle)
