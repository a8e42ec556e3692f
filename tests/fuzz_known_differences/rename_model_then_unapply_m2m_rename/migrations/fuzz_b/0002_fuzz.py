import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_b', '0001_fuzz'),
    ]

    operations = [
        migrations.CreateModel(
            name='Through12',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('model5_14', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='fuzz_b.model5')),
            ],
        ),
    ]
