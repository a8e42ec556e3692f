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
                ('fk_3', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='fuzz_a.model1')),
            ],
        ),
        migrations.CreateModel(
            name='Model6',
            fields=[
                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key_7', models.IntegerField()),
                ('key_8', models.CharField(max_length=10)),
                ('fk_9', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='fuzz_a.model1')),
            ],
        ),
    ]
