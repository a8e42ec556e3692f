import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0001_fuzz'),
        ('fuzz_b', '0002_fuzz'),
    ]

    operations = [
        migrations.CreateModel(
            name='Child13',
            fields=[
                ('model8_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='fuzz_b.model8')),
            ],
            bases=('fuzz_b.Model8',),
        ),
    ]
