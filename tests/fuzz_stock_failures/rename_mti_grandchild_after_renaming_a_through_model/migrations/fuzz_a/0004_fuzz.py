import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0003_fuzz'),
    ]

    operations = [
        migrations.CreateModel(
            name='Through40',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('model1_41', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='fuzz_a.model1')),
                ('child14_42', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='fuzz_b.child14')),
            ],
        ),
        migrations.AddField(
            model_name='Model1',
            name='m2m_43',
            field=models.ManyToManyField(through='fuzz_a.Through40', to='fuzz_b.child14'),
        ),
        migrations.RenameModel(
            old_name='Through40',
            new_name='Renamed44',
        ),
        migrations.RenameModel(
            old_name='Child35',
            new_name='Renamed45',
        ),
    ]
