from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0001_fuzz'),
    ]

    operations = [
        migrations.AlterField(
            model_name='model1',
            name='bool_2',
            field=models.BooleanField(default=True, null=True),
        ),
        migrations.AlterField(
            model_name='model1',
            name='bool_2',
            field=models.BooleanField(default=True),
            preserve_default=False,
        ),
    ]
