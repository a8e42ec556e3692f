from django.db import migrations, models
from django.db.models.functions import Upper


class Migration(migrations.Migration):
    dependencies = [("migrations_from_state", "0001_initial")]

    operations = [
        migrations.AddField(
            "Author",
            "nick",
            models.CharField(max_length=20, default="anon"),
            preserve_default=False,
        ),
        migrations.AddField(
            "Book",
            "pages",
            models.PositiveIntegerField(db_default=1),
        ),
        migrations.AddField(
            "Book",
            "editor",
            models.ForeignKey(
                "migrations_from_state.Editor", models.SET_NULL, null=True
            ),
        ),
        migrations.AddField(
            "Publisher",
            "star",
            models.ForeignKey(
                "migrations_from_state.Author",
                models.SET_NULL,
                null=True,
                to_field="name",
                related_name="+",
            ),
        ),
        migrations.AddField(
            "Author",
            "upper_name",
            models.GeneratedField(
                expression=Upper("name"),
                output_field=models.CharField(max_length=50),
                db_persist=True,
            ),
        ),
        migrations.AlterField(
            "Author", "age", models.BigIntegerField(null=True, db_index=True)
        ),
        migrations.AlterField(
            "Publisher", "name", models.CharField(max_length=200, unique=True)
        ),
        migrations.RenameField("Book", "author", "writer"),
        migrations.RenameModel("Tag", "Label"),
        # A primary key that a many-to-many table points to. Not after an
        # AddField of a many-to-many field in the same migration: the new
        # table's foreign key, created at the end of the migration, would be
        # made a second time, and MySQL lists the two in no specified order
        # when they are dropped.
        migrations.AlterField("Label", "id", models.BigAutoField(primary_key=True)),
        migrations.AddIndex(
            "Book", models.Index(fields=["title", "pages"], name="mfs_e2e_book_idx")
        ),
        migrations.AddConstraint(
            "Book",
            models.UniqueConstraint(
                fields=["writer"],
                condition=models.Q(pages=0),
                name="mfs_e2e_cond_uniq",
            ),
        ),
        migrations.AlterUniqueTogether("Book", {("title", "writer", "pages")}),
    ]
