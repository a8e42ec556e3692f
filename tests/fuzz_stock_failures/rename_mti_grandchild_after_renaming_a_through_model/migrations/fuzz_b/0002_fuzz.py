import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0001_fuzz'),
    ]

    operations = [
        migrations.CreateModel(
            name='Child12',
            fields=[
                ('model1_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='fuzz_a.model1')),
            ],
            bases=('fuzz_a.Model1',),
        ),
        migrations.CreateModel(
            name='Child14',
            fields=[
                ('model1_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='fuzz_a.model1')),
            ],
            bases=('fuzz_a.Model1',),
        ),
    ]
