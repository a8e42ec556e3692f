from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("testapp", "0002_changes")]

    operations = [
        migrations.RenameModel("Publisher", "Press"),
        migrations.RemoveField("author", "age"),
        migrations.AlterModelTable("book", "testapp_books"),
    ]
