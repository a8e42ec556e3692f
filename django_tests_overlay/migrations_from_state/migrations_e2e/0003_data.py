from django.db import migrations


def add_books(apps, schema_editor):
    Author = apps.get_model("migrations_from_state", "Author")
    Book = apps.get_model("migrations_from_state", "Book")
    Label = apps.get_model("migrations_from_state", "Label")
    Editor = apps.get_model("migrations_from_state", "Editor")
    db = schema_editor.connection.alias
    author = Author.objects.using(db).create(name="Ann", age=40, rank=2)
    Editor.objects.using(db).create(name="Ed", age=50, rank=1, bonus=3)
    label = Label.objects.using(db).create(label="fiction")
    book = Book.objects.using(db).create(title="First", writer=author, pages=10)
    book.tags.add(label)


def remove_books(apps, schema_editor):
    db = schema_editor.connection.alias
    for model_name in ["Book", "Label", "Editor", "Author"]:
        apps.get_model("migrations_from_state", model_name).objects.using(
            db
        ).all().delete()


class Migration(migrations.Migration):
    dependencies = [("migrations_from_state", "0002_fields")]

    operations = [
        migrations.RunPython(add_books, remove_books),
        migrations.RunSQL(
            "UPDATE migrations_from_state_book SET pages = pages + 1",
            "UPDATE migrations_from_state_book SET pages = pages - 1",
        ),
    ]
