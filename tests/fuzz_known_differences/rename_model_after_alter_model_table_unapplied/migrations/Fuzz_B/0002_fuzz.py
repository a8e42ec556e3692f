import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('Fuzz_B', '0001_fuzz'),
    ]

    operations = [
        migrations.CreateModel(
            name='Through23',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('model15_24', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='Fuzz_B.model15')),
            ],
        ),
    ]
