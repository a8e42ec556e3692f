from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_a', '0001_fuzz'),
    ]

    operations = [
        migrations.RenameField(
            model_name='model1',
            old_name='uuid_1',
            new_name='renamed_2',
        ),
    ]
