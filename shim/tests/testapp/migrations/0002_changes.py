from django.db import migrations, models


def count_books(apps, schema_editor):
    apps.get_model("testapp", "Book").objects.count()


class Migration(migrations.Migration):
    dependencies = [("testapp", "0001_initial")]

    operations = [
        migrations.AddField("author", "rank", models.IntegerField(default=0)),
        migrations.AlterField("author", "name", models.CharField(max_length=100)),
        migrations.RenameField("book", "title", "name"),
        migrations.AddIndex(
            "book", models.Index(fields=["name"], name="testapp_book_name_idx")
        ),
        migrations.AddConstraint(
            "author",
            models.CheckConstraint(
                condition=models.Q(rank__gte=0), name="testapp_rank_gte_0"
            ),
        ),
        migrations.RunPython(count_books, count_books),
    ]
