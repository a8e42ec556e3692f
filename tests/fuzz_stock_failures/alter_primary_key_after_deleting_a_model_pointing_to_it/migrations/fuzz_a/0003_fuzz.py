import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0001_fuzz'),
        ('fuzz_b', '0002_fuzz'),
    ]

    operations = [
        migrations.CreateModel(
            name='Model18',
            fields=[
                ('pk', models.CompositePrimaryKey('key_19', 'key_20', blank=True, editable=False, primary_key=True)),
                ('key_19', models.IntegerField()),
                ('key_20', models.CharField(max_length=10)),
                ('o2o_21', models.OneToOneField(null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fuzz_a.model1')),
            ],
        ),
    ]
