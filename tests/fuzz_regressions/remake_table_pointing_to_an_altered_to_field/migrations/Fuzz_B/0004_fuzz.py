from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('Fuzz_B', '0002_fuzz'),
        ('fuzz_a', '0003_fuzz'),
    ]

    operations = [
        migrations.AlterField(
            model_name='Child6',
            name='char_7',
            field=models.CharField(db_comment='Comment on char', default='x', max_length=10, unique=True),
        ),
    ]
