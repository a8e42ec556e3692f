from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('fuzz_b', '0002_fuzz'),
    ]

    operations = [
        migrations.RenameField(
            model_name='Model5',
            old_name='m2m_6',
            new_name='renamed_17',
        ),
        migrations.RenameModel(
            old_name='Model5',
            new_name='Renamed18',
        ),
    ]
