from django.db.migrations.operations.base import Operation


class TouchTable(Operation):
    """A third-party operation: it reads models from state.apps."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name):
        self.model_name = model_name

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        schema_editor.execute(
            "UPDATE %s SET id = id" % schema_editor.quote_name(model._meta.db_table)
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self.database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return "Touch %s" % self.model_name
