import datetime
from contextlib import contextmanager
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.db import connection
from django.db.migrations.state import ModelState

import modelstate_migrate
from modelstate_migrate.stand_ins import StandInModels

# What auto_now_add fields' defaults read while migrating.
NOW = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


@contextmanager
def wrong_stand_ins():
    """Stand-ins whose Author model has the wrong table name."""
    build = StandInModels._build

    def build_wrongly(self, model):
        build(self, model)
        if model._meta.model_name == "author":
            model._meta.db_table += "_wrong"

    with mock.patch.object(StandInModels, "_build", build_wrongly):
        yield


@contextmanager
def stock_django():
    """Run the block with the shim uninstalled."""
    modelstate_migrate.uninstall()
    try:
        yield
    finally:
        modelstate_migrate.install()


@contextmanager
def counting_renders():
    """Yield the list of model names that ModelState.render() renders."""
    rendered = []
    render = ModelState.render

    def counting_render(self, apps):
        rendered.append(self.name)
        return render(self, apps)

    with mock.patch.object(ModelState, "render", counting_render):
        yield rendered


def migrate(*args, **options):
    """
    Run migrate; return (statements sent to the database except those of
    django_migrations, output).
    """
    statements = []

    def record(execute, sql, params, many, context):
        if "django_migrations" not in sql:
            statements.append(sql if params is None else sql % tuple(params))
        return execute(sql, params, many, context)

    stdout = StringIO()
    options.setdefault("verbosity", 0)
    with (
        connection.execute_wrapper(record),
        mock.patch("django.utils.timezone.now", return_value=NOW),
    ):
        call_command("migrate", *args, stdout=stdout, **options)
    return statements, stdout.getvalue()


def sqlmigrate(*args):
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        return call_command("sqlmigrate", *args)


def schema():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        )
        return cursor.fetchall()
