"""The shim's settings: MODELSTATE_MIGRATE and the environment variable."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENVIRONMENT_VARIABLE = "MODELSTATE_MIGRATE"
DEFAULTS = {"ENABLED": True, "VERIFY": False}
SWITCHES = {
    "0": False,
    "false": False,
    "off": False,
    "1": True,
    "true": True,
    "on": True,
}


def shim_settings():
    """
    Return the MODELSTATE_MIGRATE setting merged with the defaults; the
    MODELSTATE_MIGRATE environment variable, if set, overrides ENABLED.
    """
    configured = getattr(settings, "MODELSTATE_MIGRATE", {})
    if not isinstance(configured, dict):
        raise ImproperlyConfigured("The MODELSTATE_MIGRATE setting must be a dict.")
    unknown = set(configured) - set(DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(
            "Unknown keys in the MODELSTATE_MIGRATE setting: %s. Known keys: %s."
            % (", ".join(sorted(unknown)), ", ".join(DEFAULTS))
        )
    merged = {**DEFAULTS, **configured}
    switch = os.environ.get(ENVIRONMENT_VARIABLE)
    if switch is not None:
        try:
            merged["ENABLED"] = SWITCHES[switch.strip().lower()]
        except KeyError:
            raise ImproperlyConfigured(
                "The %s environment variable must be 0 or 1, not %r."
                % (ENVIRONMENT_VARIABLE, switch)
            ) from None
    return merged
