from django.db import migrations, models

from ..fields import TaggedField
from ..operations import TouchTable


class Migration(migrations.Migration):
    initial = True

    operations = [
        migrations.CreateModel(
            "Note",
            [
                ("id", models.AutoField(primary_key=True)),
                ("tag", TaggedField(max_length=20)),
            ],
        ),
        migrations.CreateModel(
            "Memo",
            [
                ("id", models.AutoField(primary_key=True)),
                ("note", models.ForeignKey("fallbackapp.Note", models.CASCADE)),
            ],
        ),
        TouchTable("Memo"),
    ]
