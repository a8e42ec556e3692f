import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0001_fuzz'),
    ]

    operations = [
        migrations.CreateModel(
            name='Child6',
            fields=[
                ('model1_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='fuzz_a.model1')),
                ('char_7', models.CharField(db_collation='binary', db_comment='Comment on char', max_length=10, unique=True)),
            ],
            bases=('fuzz_a.Model1',),
        ),
    ]
