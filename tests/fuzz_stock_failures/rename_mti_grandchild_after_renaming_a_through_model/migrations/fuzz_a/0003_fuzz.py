import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0001_fuzz'),
        ('fuzz_b', '0002_fuzz'),
    ]

    operations = [
        migrations.CreateModel(
            name='Child35',
            fields=[
                ('child12_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='fuzz_b.child12')),
            ],
            bases=('fuzz_b.Child12',),
        ),
    ]
