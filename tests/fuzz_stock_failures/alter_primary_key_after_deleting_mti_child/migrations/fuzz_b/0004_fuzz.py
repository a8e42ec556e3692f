import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0003_fuzz'),
        ('fuzz_b', '0002_fuzz'),
    ]

    operations = [
        migrations.DeleteModel(
            name='Proxy7',
        ),
        migrations.CreateModel(
            name='Through12',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('model1_14', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='fuzz_a.model1')),
            ],
        ),
    ]
