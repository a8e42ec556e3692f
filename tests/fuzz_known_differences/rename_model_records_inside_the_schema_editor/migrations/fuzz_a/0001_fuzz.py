import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Model1',
            fields=[
                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('m2m_2', models.ManyToManyField(to='fuzz_a.model1')),
            ],
        ),
        migrations.CreateModel(
            name='Model6',
            fields=[
                ('pk', models.CompositePrimaryKey('key_7', 'key_8', blank=True, editable=False, primary_key=True)),
                ('key_7', models.IntegerField()),
                ('key_8', models.CharField(max_length=10)),
                ('fk_10', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='fuzz_a.model1')),
            ],
        ),
        migrations.RenameModel(
            old_name='Model1',
            new_name='Renamed12',
        ),
    ]
