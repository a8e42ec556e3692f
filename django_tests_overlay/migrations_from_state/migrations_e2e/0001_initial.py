from django.db import migrations, models
from django.db.models.functions import Lower


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            "Author",
            [
                ("id", models.AutoField(primary_key=True)),
                ("name", models.CharField(max_length=50, unique=True)),
                ("age", models.IntegerField(null=True, db_comment="Age in years")),
                ("rank", models.IntegerField(db_default=0)),
            ],
            options={
                "db_table_comment": "Authors",
                "indexes": [
                    models.Index(Lower("name"), name="mfs_e2e_lower_idx"),
                    models.Index(fields=["age"], name="mfs_e2e_age_idx"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(rank__gte=0), name="mfs_e2e_rank_gte_0"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            "Publisher",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("name", models.CharField(max_length=100)),
            ],
            options={"db_table": "mfs_e2e_publishers"},
        ),
        migrations.CreateModel(
            "Tag",
            [
                ("id", models.AutoField(primary_key=True)),
                ("label", models.SlugField(unique=True)),
            ],
        ),
        migrations.CreateModel(
            "Book",
            [
                ("id", models.AutoField(primary_key=True)),
                ("title", models.CharField(max_length=100)),
                (
                    "author",
                    models.ForeignKey("migrations_from_state.Author", models.CASCADE),
                ),
                (
                    "publisher",
                    models.ForeignKey(
                        "migrations_from_state.Publisher",
                        models.SET_NULL,
                        null=True,
                    ),
                ),
                ("tags", models.ManyToManyField("migrations_from_state.Tag")),
            ],
            options={"unique_together": {("title", "author")}},
        ),
        migrations.CreateModel(
            "Chapter",
            [
                ("id", models.AutoField(primary_key=True)),
                ("title", models.CharField(max_length=100)),
                (
                    "book",
                    models.ForeignKey("migrations_from_state.Book", models.CASCADE),
                ),
            ],
            options={"order_with_respect_to": "book"},
        ),
        migrations.CreateModel(
            "Editor",
            [
                (
                    "author_ptr",
                    models.OneToOneField(
                        "migrations_from_state.Author",
                        models.CASCADE,
                        auto_created=True,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("bonus", models.IntegerField(default=0)),
            ],
            bases=("migrations_from_state.author",),
        ),
        migrations.CreateModel(
            "AuthorProxy",
            [],
            options={"proxy": True, "indexes": [], "constraints": []},
            bases=("migrations_from_state.author",),
        ),
        migrations.CreateModel(
            "Person",
            [
                ("id", models.AutoField(primary_key=True)),
                ("name", models.CharField(max_length=50)),
                ("friends", models.ManyToManyField("self")),
            ],
        ),
    ]
