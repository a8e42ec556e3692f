"""Functions for the RunPython operations of generated histories."""


def count_rows(apps, schema_editor):
    """
    Query every table of the historical models: rendering them (which the
    new path does on demand for RunPython) must give working models.
    """
    # Sorted by label: the order of apps.get_models() depends on which models
    # were re-rendered last, which differs between the two paths.
    for model in sorted(apps.get_models(), key=lambda model: model._meta.label):
        if model._meta.proxy or not model._meta.managed:
            continue
        model._default_manager.using(schema_editor.connection.alias).count()
