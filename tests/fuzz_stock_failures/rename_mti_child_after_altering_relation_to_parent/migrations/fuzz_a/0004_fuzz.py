import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0003_fuzz'),
    ]

    operations = [
        migrations.AddField(
            model_name='Renamed7',
            name='fk_14',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='fuzz_b.model8'),
        ),
        migrations.AlterField(
            model_name='Renamed7',
            name='fk_14',
            field=models.CharField(max_length=10, unique=True),
        ),
        migrations.RenameModel(
            old_name='Child13',
            new_name='Renamed16',
        ),
    ]
