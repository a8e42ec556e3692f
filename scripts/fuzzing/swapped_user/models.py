from django.db import models

from ..runner import SWAPPABLE_SETTING


class User(models.Model):
    class Meta:
        swappable = SWAPPABLE_SETTING
