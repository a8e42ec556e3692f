from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0002_fuzz'),
    ]

    operations = [
        migrations.RenameField(
            model_name='model1',
            old_name='renamed_2',
            new_name='renamed_3',
        ),
        migrations.RemoveField(
            model_name='model1',
            name='renamed_3',
        ),
    ]
