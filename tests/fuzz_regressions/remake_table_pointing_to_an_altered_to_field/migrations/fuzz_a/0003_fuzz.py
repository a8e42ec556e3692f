import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('Fuzz_B', '0002_fuzz'),
        ('fuzz_a', '0001_fuzz'),
    ]

    operations = [
        migrations.CreateModel(
            name='Model14',
            fields=[
                ('pk', models.CompositePrimaryKey('key_15', 'key_16', blank=True, editable=False, primary_key=True)),
                ('key_15', models.IntegerField()),
                ('key_16', models.CharField(max_length=10)),
                ('fk_17', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='fuzz_a.model1')),
                ('fk_20', models.ForeignKey(null=True, on_delete=django.db.models.deletion.DB_CASCADE, to='Fuzz_B.child6', to_field='char_7')),
            ],
        ),
    ]
