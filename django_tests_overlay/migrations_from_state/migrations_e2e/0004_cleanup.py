from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("migrations_from_state", "0003_data")]

    operations = [
        migrations.RemoveConstraint("Author", "mfs_e2e_rank_gte_0"),
        migrations.RemoveField("Author", "rank"),
        migrations.RemoveField("Book", "tags"),
        migrations.AddField(
            "Book", "labels", models.ManyToManyField("migrations_from_state.Label")
        ),
        # Stock RenameIndex fails on expression indexes that backends without
        # them (e.g. MariaDB) never created: remove that one, rename the other.
        migrations.RemoveIndex("Author", "mfs_e2e_lower_idx"),
        migrations.RenameIndex(
            "Author", new_name="mfs_e2e_age_years_idx", old_name="mfs_e2e_age_idx"
        ),
        migrations.RemoveConstraint("Book", "mfs_e2e_cond_uniq"),
        migrations.AlterModelTable("Book", "mfs_e2e_books"),
        migrations.AlterModelTableComment("Author", "Writers"),
        migrations.AlterOrderWithRespectTo("Chapter", None),
        migrations.AlterModelOptions("Author", {"ordering": ["name"]}),
        migrations.AlterModelManagers("Author", [("people", models.Manager())]),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    "Chapter", "title", models.CharField(max_length=150)
                )
            ],
            state_operations=[
                migrations.AlterField(
                    "Chapter", "title", models.CharField(max_length=150)
                )
            ],
        ),
        migrations.DeleteModel("Person"),
        migrations.RenameModel("Publisher", "Imprint"),
    ]
