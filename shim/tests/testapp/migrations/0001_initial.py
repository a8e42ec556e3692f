from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    operations = [
        migrations.CreateModel(
            "Author",
            [
                ("id", models.AutoField(primary_key=True)),
                ("name", models.CharField(max_length=50)),
                ("age", models.IntegerField(null=True)),
            ],
        ),
        migrations.CreateModel(
            "Publisher",
            [
                ("id", models.AutoField(primary_key=True)),
                ("name", models.CharField(max_length=50, unique=True)),
            ],
        ),
        migrations.CreateModel(
            "Book",
            [
                ("id", models.AutoField(primary_key=True)),
                ("title", models.CharField(max_length=100)),
                (
                    "author",
                    models.ForeignKey("testapp.Author", models.CASCADE),
                ),
                ("publishers", models.ManyToManyField("testapp.Publisher")),
            ],
            options={"unique_together": {("title", "author")}},
        ),
    ]
