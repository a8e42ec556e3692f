"""
django-modelstate-migrate: Django's migrate builds schema changes from model
states (stand-in models) instead of rendering historical model classes, as
the patch series for Django tickets #29898 and #22608 does, on released
Django 5.2, 6.0 and 6.1.

Add "modelstate_migrate" to INSTALLED_APPS; its AppConfig.ready() calls
install(). MODELSTATE_MIGRATE=0 in the environment, or
MODELSTATE_MIGRATE = {"ENABLED": False} in the settings, leaves Django as it is.

Where things are: operations.py (where a migration operation gets its
models), state.py (ProjectState.stand_ins, apps rendered on demand),
executor.py (executor and migrate command), contenttypes.py
(contrib.contenttypes' pre_migrate receiver and rename operation),
stand_ins.py (the stand-in models: a verbatim copy of the series'
django/db/migrations/stand_ins.py), verify.py (VERIFY mode), fallbacks.py
(what migrate -v 2 reports).
"""

import django
from django.core.exceptions import ImproperlyConfigured

__version__ = "0.1.0"

SUPPORTED_DJANGO_VERSIONS = ((5, 2), (6, 0), (6, 1))

_installed = None  # (Patcher, verify) while installed.


def django_version_is_supported(version=None):
    return (version or django.VERSION)[:2] in SUPPORTED_DJANGO_VERSIONS


def unsupported_version_message():
    supported = ", ".join("%d.%d" % version for version in SUPPORTED_DJANGO_VERSIONS)
    return (
        "django-modelstate-migrate supports Django %s, not Django %s. Its "
        "patches aren't installed: migrate runs as stock Django's."
        % (supported, django.get_version())
    )


def install(verify=False):
    """
    Patch Django. Calling it again changes nothing (unless verify differs).
    Raise ImproperlyConfigured on an unsupported Django version.
    """
    global _installed
    if _installed is not None:
        if _installed[1] == verify:
            return
        uninstall()
    if not django_version_is_supported():
        raise ImproperlyConfigured(unsupported_version_message())
    from . import contenttypes, executor, fallbacks, operations, state
    from .patching import Patcher

    patcher = Patcher()
    try:
        state.patch(patcher)
        operations.patch(patcher, verify=verify)
        executor.patch(patcher)
        contenttypes.patch(patcher)
        fallbacks.patch(patcher)
    except BaseException:
        patcher.restore()
        raise
    _installed = patcher, verify


def uninstall():
    """Restore stock Django."""
    global _installed
    if _installed is not None:
        _installed[0].restore()
        _installed = None


def is_installed():
    return _installed is not None
