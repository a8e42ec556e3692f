import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0001_fuzz'),
    ]

    operations = [
        migrations.CreateModel(
            name='Model8',
            fields=[
                ('pk', models.CompositePrimaryKey('key_9', 'key_10', blank=True, editable=False, primary_key=True)),
                ('key_9', models.IntegerField()),
                ('key_10', models.CharField(max_length=10)),
                ('fk_11', models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fuzz_a.model1')),
            ],
        ),
    ]
