from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('Fuzz_B', '0002_fuzz'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='Model15',
            table=None,
        ),
        migrations.RenameModel(
            old_name='Model15',
            new_name='Renamed32',
        ),
    ]
