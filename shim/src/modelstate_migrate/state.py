"""
ProjectState and ModelState as the patch series has them: stand-in models per
state, and ProjectState.apps rendered only when something uses it.

Stock code reads models from state.apps. The wrappers in operations.py and
executor.py hand it states whose apps are something else:

- a built-in operation's database_forwards()/database_backwards() receives
  SchemaEditorStateViews: their apps are the models for the schema editor
  (stand-ins for Django's own editors);
- detect_soft_applied() inspects a StandInStateView;
- while migrate runs (render_on_demand()), state.apps is a lazy registry that
  renders the state's models on first use (RunPython, custom operations,
  signal receivers).
"""

import contextvars
from contextlib import contextmanager

from django.db.migrations.state import ModelState, ProjectState
from django.utils.functional import SimpleLazyObject, cached_property

from . import fallbacks
from .stand_ins import (
    StandInModels,
    reserve_field_creation_counters,
    schema_editor_accepts_stand_ins,
)

rendering_on_demand = contextvars.ContextVar(
    "modelstate_migrate_rendering_on_demand", default=False
)


@contextmanager
def render_on_demand():
    """Within the block, ProjectState.apps renders models when they're used."""
    token = rendering_on_demand.set(True)
    try:
        yield
    finally:
        rendering_on_demand.reset(token)


class StateAppsDescriptor:
    """ProjectState.apps: rendered on first use within render_on_demand()."""

    def __init__(self, render):
        # The stock cached_property's function: StateApps(real_apps, models).
        self.render = render

    def __get__(self, state, owner=None):
        if state is None:
            return self
        fallbacks.report_apps_use()
        try:
            return state.__dict__["apps"]
        except KeyError:
            pass
        if rendering_on_demand.get():
            return SimpleLazyObject(lambda: self.rendered(state))
        return self.rendered(state)

    def rendered(self, state):
        try:
            return state.__dict__["apps"]
        except KeyError:
            apps = state.__dict__["apps"] = self.render(state)
            return apps

    def __set__(self, state, apps):
        state.__dict__["apps"] = apps

    def __delete__(self, state):
        # The executor deletes the models it expects to have rendered.
        state.__dict__.pop("apps", None)


class StateView:
    """A ProjectState with other apps; everything else is the state's."""

    def __init__(self, state):
        object.__setattr__(self, "state", state)

    def __getattr__(self, name):
        if name == "state":  # Not set yet, e.g. while unpickling.
            raise AttributeError(name)
        return getattr(self.state, name)

    def __setattr__(self, name, value):
        setattr(self.state, name, value)


class SchemaEditorStateView(StateView):
    """A state whose apps are the models for the schema editor."""

    def __init__(self, state, schema_editor):
        super().__init__(state)
        object.__setattr__(self, "schema_editor", schema_editor)

    @property
    def apps(self):
        if not schema_editor_accepts_stand_ins(self.schema_editor):
            fallbacks.report_schema_editor(self.schema_editor)
        return self.state.models_for_schema_editor(self.schema_editor)


class StandInStateView(StateView):
    """A state whose apps are its stand-ins unless its models are rendered."""

    @property
    def apps(self):
        rendered = self.state.__dict__.get("apps")
        return self.state.stand_ins if rendered is None else rendered


def unwrap(state):
    """Return the ProjectState behind a view."""
    return state.state if isinstance(state, StateView) else state


# The methods the patch series adds to ProjectState, verbatim (a test checks).


def stand_ins(self):
    """
    The stand-in models of this state: what schema changes are built from,
    without rendering models. Any change to the state discards them.
    """
    return StandInModels(self)


def clear_stand_ins(self, *changed_model_keys):
    """
    Discard the stand-ins after a change of the state, in particular of
    the model states of changed_model_keys.
    """
    self.__dict__.pop("stand_ins", None)
    for model_key in changed_model_keys:
        if model_state := self.models.get(model_key):
            reserve_field_creation_counters(model_state)


def models_for_schema_editor(self, schema_editor):
    """
    Return the registry that operations get the models they pass to
    schema_editor from: stand-in models for Django's schema editors,
    rendered models for others.
    """
    if schema_editor_accepts_stand_ins(schema_editor):
        return self.stand_ins
    return self.apps


# Wrappers of stock methods: state changes discard the stand-ins.


def wrap_add_model(add_model):
    def wrapper(self, model_state):
        add_model(self, model_state)
        self.clear_stand_ins((model_state.app_label, model_state.name_lower))

    return wrapper


def wrap_remove_model(remove_model):
    def wrapper(self, app_label, model_name):
        remove_model(self, app_label, model_name)
        self.clear_stand_ins()

    return wrapper


def wrap_reload_model(reload_model):
    def wrapper(self, app_label, model_name, delay=False):
        self.clear_stand_ins((app_label, model_name))
        reload_model(self, app_label, model_name, delay=delay)

    return wrapper


def wrap_reload_models(reload_models):
    def wrapper(self, models, delay=True):
        self.clear_stand_ins(*models)
        reload_models(self, models, delay=delay)

    return wrapper


def wrap_model_state_clone(clone):
    def wrapper(self):
        model_state = clone(self)
        model_state.field_creation_counter = self.field_creation_counter
        return model_state

    return wrapper


def patch(patcher):
    """Install the above with patcher (a patching.Patcher)."""
    stand_ins_property = cached_property(stand_ins)
    stand_ins_property.__set_name__(ProjectState, "stand_ins")
    patcher.add(ProjectState, "stand_ins", stand_ins_property)
    patcher.add(ProjectState, "clear_stand_ins", clear_stand_ins)
    patcher.add(ProjectState, "models_for_schema_editor", models_for_schema_editor)
    patcher.replace(
        ProjectState, "apps", StateAppsDescriptor(ProjectState.__dict__["apps"].func)
    )
    patcher.wrap(ProjectState, "add_model", wrap_add_model)
    patcher.wrap(ProjectState, "remove_model", wrap_remove_model)
    patcher.wrap(ProjectState, "reload_model", wrap_reload_model)
    patcher.wrap(ProjectState, "reload_models", wrap_reload_models)
    # Set by reserve_field_creation_counters().
    patcher.add(ModelState, "field_creation_counter", None)
    patcher.wrap(ModelState, "clone", wrap_model_state_clone)
