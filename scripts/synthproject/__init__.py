"""Deterministic generator of synthetic Django projects for migration benchmarks.

Entry point: ``scripts/synth-project`` (see ``cli.py`` or ``--help``).  Standard
library only (Python >= 3.11); Django is never imported by the generator.  Same
arguments -> byte-identical files (no clock, no hash-order dependence).

Generated project (needs Django >= 5.2; >= 6.1 with ``--db-on-delete``):
``DEST/manage.py``, ``DEST/synthproj/settings.py`` (database from ``SYNTH_DB``,
extra apps from ``SYNTH_EXTRA_APPS``), apps ``app00..`` with ``models.py`` and
``migrations/``, and ``DEST/synth-project.json`` (arguments, feature and
operation counts).  App *i* only references apps < *i*.

Model features (each present at least once from 50 models with default apps):
FK chains, cross-app FKs, self FKs, nullable FKs, every Python on_delete
handler, FK with to_field, OneToOneField, auto and explicit-through M2M,
symmetrical and asymmetrical self M2M, M2M db_table, MTI (same app, cross-app,
two levels), proxies (also cross-app), an abstract base, UUID and composite
primary keys, an unmanaged model, GenericForeignKey, FK to AUTH_USER_MODEL and
ContentType, unique_together, plain/functional/conditional indexes,
CheckConstraint, UniqueConstraint (also conditional), db_default (literal and
Now()), GeneratedField(db_persist=True), db_table, db_comment,
db_table_comment, order_with_respect_to, ordering/verbose_name, 17 field types
with defaults, and an app whose AppConfig.default_auto_field is AutoField.

``--shape history`` adds, per app, migrations with CreateModel, DeleteModel,
AddField, RemoveField, RenameField, AlterField, RenameModel, AlterModelTable,
AlterModelTableComment, AlterModelOptions, AlterOrderWithRespectTo,
AlterUniqueTogether, Add/Remove/RenameIndex, Add/RemoveConstraint and
(``--runpython K``) reversible RunPython data migrations.

``--no-contrib`` leaves django.contrib.contenttypes and django.contrib.auth out
of INSTALLED_APPS, and with them the features that need them (FK to
AUTH_USER_MODEL and ContentType, GenericForeignKey, the RenameModel dependency
on contenttypes): without ``--runpython`` no migration has a RunPython.

Layout of the package:

* ``spec.py``    - the model description (fields, models, options) and the
                   deterministic generation of the *final* project state.
* ``history.py`` - plans an evolving migration history that ends exactly in
                   the final state (``--shape history``).
* ``render.py``  - writes settings, ``models.py`` and migration files.
* ``cli.py``     - command line interface.
"""

__version__ = "1"
