"""Deterministic generator of synthetic Django projects for migration benchmarks.

Entry point: ``scripts/synth-project`` (see ``cli.py``).  Standard library only;
Django is never imported by the generator.

Layout of the package:

* ``spec.py``    - the model description (fields, models, options) and the
                   deterministic generation of the *final* project state.
* ``history.py`` - plans an evolving migration history that ends exactly in
                   the final state (``--shape history``).
* ``render.py``  - writes settings, ``models.py`` and migration files.
* ``cli.py``     - command line interface.
"""

__version__ = "1"
