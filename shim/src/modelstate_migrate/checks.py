from django.core import checks

from . import django_version_is_supported, unsupported_version_message


def check_django_version(app_configs=None, **kwargs):
    if django_version_is_supported():
        return []
    return [
        checks.Error(
            unsupported_version_message(),
            hint="Install a supported Django version, or remove "
            "'modelstate_migrate' from INSTALLED_APPS.",
            id="modelstate_migrate.E001",
        )
    ]
