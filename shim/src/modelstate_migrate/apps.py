from django.apps import AppConfig
from django.core import checks

from . import django_version_is_supported, install
from .checks import check_django_version
from .conf import shim_settings


class ModelStateMigrateConfig(AppConfig):
    name = "modelstate_migrate"
    verbose_name = "Migrate from model states"

    def ready(self):
        checks.register(check_django_version, checks.Tags.compatibility)
        settings = shim_settings()
        if settings["ENABLED"] and django_version_is_supported():
            install(verify=settings["VERIFY"])
