from django.db import models


class TaggedField(models.CharField):
    """A field with its own contribute_to_class(): stand-ins can't hold it."""

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
