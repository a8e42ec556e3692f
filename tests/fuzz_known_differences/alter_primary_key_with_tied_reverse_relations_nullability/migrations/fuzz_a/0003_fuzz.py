import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0002_fuzz'),
    ]

    operations = [
        migrations.AddField(
            model_name='Model6',
            name='fk_7',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='fuzz_a.model1'),
        ),
    ]
