from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("testapp", "0002_changes")]

    operations = [
        migrations.RenameModel("Publisher", "Press"),
        migrations.RemoveField("author", "age"),
        migrations.AlterModelTable("book", "testapp_books"),
        migrations.AddField("book", "created", models.DateTimeField(auto_now_add=True)),
        migrations.AddField("book", "updated", models.DateField(auto_now=True)),
    ]
