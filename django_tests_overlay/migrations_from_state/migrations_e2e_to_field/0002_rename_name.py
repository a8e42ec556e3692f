from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("migrations_from_state", "0001_initial")]

    operations = [migrations.RenameField("Author", "name", "full_name")]
