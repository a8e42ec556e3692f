"""
Differential tests: the SQL that built-in migration operations produce from
stand-in models must be identical to the SQL they produce from rendered models.
"""

import copy
import unittest
from unittest import mock

from django.db import connection, migrations, models
from django.db.migrations.state import ModelState, ProjectState
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.test import TransactionTestCase

APP_LABEL = "migrations_from_state"


def ref(model_name):
    return "%s.%s" % (APP_LABEL, model_name)


def rendered_models(self, schema_editor):
    """Stock behavior: operations get rendered models from state.apps."""
    return self.apps


def app_tables():
    with connection.cursor() as cursor:
        return sorted(
            name
            for name in connection.introspection.table_names(cursor)
            if name.startswith(APP_LABEL) or name.startswith("mfs_")
        )


def drop_app_tables():
    tables = app_tables()
    if not tables:
        return
    cascade = " CASCADE" if connection.vendor == "postgresql" else ""
    # Tables may reference each other in any order (MySQL checks foreign
    # keys on DROP TABLE).
    with connection.constraint_checks_disabled():
        with connection.schema_editor() as editor:
            for table in tables:
                editor.execute(
                    "DROP TABLE IF EXISTS %s%s" % (editor.quote_name(table), cascade)
                )


def run_operations(initial_operations, operation):
    """
    Apply initial_operations and operation forwards, then unapply them all,
    each as a migration of its own, with the states MigrationExecutor and
    Migration.apply()/unapply() use, recording every statement sent to the
    database. Return the statements and every state involved.
    """
    operations = copy.deepcopy([*initial_operations, operation])
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params if params is None else tuple(params)))
        return execute(sql, params, many, context)

    states = []
    with connection.execute_wrapper(record):
        # Migration.apply() mutates the project state in place, and passes a
        # clone of the state before the operation as from_state.
        project_state = ProjectState()
        for migration_operation in operations:
            old_state = project_state.clone()
            migration_operation.state_forwards(APP_LABEL, project_state)
            with connection.schema_editor(atomic=migration_operation.atomic) as editor:
                migration_operation.database_forwards(
                    APP_LABEL, editor, old_state, project_state
                )
            states.append(old_state)
        states.append(project_state)
        # MigrationExecutor._migrate_all_backwards() computes the state before
        # each migration, from which Migration.unapply() computes the states
        # before and after each operation.
        state = ProjectState()
        states_before = []
        for migration_operation in operations:
            states_before.append(state)
            state = state.clone()
            migration_operation.state_forwards(APP_LABEL, state)
        for migration_operation, state_before in reversed(
            list(zip(operations, states_before, strict=True))
        ):
            new_state = state_before.clone()
            old_state = new_state.clone()
            migration_operation.state_forwards(APP_LABEL, new_state)
            with connection.schema_editor(atomic=migration_operation.atomic) as editor:
                migration_operation.database_backwards(
                    APP_LABEL, editor, new_state, old_state
                )
            states.extend([state_before, new_state, old_state])
    return statements, states


# Reusable initial operations.
AUTHOR = migrations.CreateModel(
    "Author",
    [
        ("id", models.AutoField(primary_key=True)),
        ("name", models.CharField(max_length=50, unique=True)),
        ("age", models.IntegerField(null=True)),
        ("rank", models.IntegerField(default=0)),
    ],
)
AUTHOR_WITH_INDEXES = migrations.CreateModel(
    "Author",
    [
        ("id", models.AutoField(primary_key=True)),
        ("name", models.CharField(max_length=50)),
        ("age", models.IntegerField(null=True)),
    ],
    options={
        "indexes": [
            models.Index(fields=["name"], name="mfs_author_name_idx"),
            models.Index(Lower("name"), name="mfs_author_lower_idx"),
        ],
        "constraints": [
            models.CheckConstraint(condition=Q(age__gte=0), name="mfs_age_gte_0"),
            models.UniqueConstraint(fields=["name", "age"], name="mfs_name_age_uniq"),
        ],
    },
)
AUTHOR_WITH_INDEX_TOGETHER = migrations.CreateModel(
    "Author",
    [
        ("id", models.AutoField(primary_key=True)),
        ("name", models.CharField(max_length=50)),
        ("age", models.IntegerField(null=True)),
    ],
    options={"index_together": {("name", "age")}},
)
PUBLISHER = migrations.CreateModel(
    "Publisher",
    [
        ("id", models.AutoField(primary_key=True)),
        ("name", models.CharField(max_length=100)),
    ],
)
BOOK = migrations.CreateModel(
    "Book",
    [
        ("id", models.BigAutoField(primary_key=True)),
        ("title", models.CharField(max_length=100)),
        ("author", models.ForeignKey(ref("Author"), models.CASCADE)),
    ],
)
BOOK_BY_AUTHOR_NAME = migrations.CreateModel(
    "Book",
    [
        ("id", models.BigAutoField(primary_key=True)),
        ("title", models.CharField(max_length=100)),
        (
            "author",
            models.ForeignKey(ref("Author"), models.CASCADE, to_field="name"),
        ),
    ],
)
TAG = migrations.CreateModel(
    "Tag",
    [
        ("id", models.AutoField(primary_key=True)),
        ("label", models.CharField(max_length=20)),
    ],
)
POST = migrations.CreateModel(
    "Post",
    [
        ("id", models.AutoField(primary_key=True)),
        ("title", models.CharField(max_length=100)),
        ("tags", models.ManyToManyField(ref("Tag"))),
        ("authors", models.ManyToManyField(ref("Author"), related_name="posts")),
    ],
)
CHAPTER = migrations.CreateModel(
    "Chapter",
    [
        ("id", models.AutoField(primary_key=True)),
        ("title", models.CharField(max_length=100)),
        ("book", models.ForeignKey(ref("Book"), models.CASCADE)),
    ],
    options={"order_with_respect_to": "book"},
)
EDITION = migrations.CreateModel(
    "Edition",
    [
        ("id", models.AutoField(primary_key=True)),
        ("book", models.ForeignKey(ref("Book"), models.CASCADE)),
        ("number", models.PositiveIntegerField()),
    ],
    options={"unique_together": {("book", "number")}},
)
EDITOR = migrations.CreateModel(
    "Editor",
    [
        (
            "author_ptr",
            models.OneToOneField(
                ref("Author"),
                models.CASCADE,
                auto_created=True,
                parent_link=True,
                primary_key=True,
                serialize=False,
            ),
        ),
        ("bonus", models.IntegerField(default=0)),
    ],
    bases=(ref("Author"),),
)
CLUB = migrations.CreateModel(
    "Club",
    [
        ("id", models.AutoField(primary_key=True)),
        ("name", models.CharField(max_length=50)),
    ],
)
MEMBERSHIP = migrations.CreateModel(
    "Membership",
    [
        ("id", models.AutoField(primary_key=True)),
        ("club", models.ForeignKey(ref("Club"), models.CASCADE)),
        ("author", models.ForeignKey(ref("Author"), models.CASCADE)),
        ("since", models.DateField(null=True)),
    ],
)
CLUB_MEMBERS = migrations.AddField(
    "Club",
    "members",
    models.ManyToManyField(ref("Author"), through=ref("Membership")),
)
PERSON = migrations.CreateModel(
    "Person",
    [
        ("id", models.AutoField(primary_key=True)),
        ("friends", models.ManyToManyField("self")),
        (
            "followers",
            models.ManyToManyField(
                ref("Person"), symmetrical=False, related_name="following"
            ),
        ),
    ],
)

# Operations that alter the relations pointing to a model, one after the
# other, in the order of the model's _meta.related_objects. With rendered
# models, that order depends on the order in which ProjectState.reload_models()
# re-rendered the related models, which iterates over sets of model keys, and
# so depends on PYTHONHASHSEED; stand-ins follow the order of the state. The
# statements are compared regardless of their order here; see
# StandInSQLTests.test_related_objects_order().
UNORDERED = {
    "RenameModel with incoming foreign keys and many-to-many fields",
    "AlterField changing the primary key type with incoming relations",
}

# (description, initial operations, operation under test)
CASES = [
    # CreateModel.
    (
        "CreateModel with db_table, db_comment and db_table_comment",
        [],
        migrations.CreateModel(
            "Note",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("text", models.TextField(db_comment="The text")),
                ("score", models.DecimalField(max_digits=5, decimal_places=2)),
                ("flag", models.BooleanField(default=False)),
                ("uuid", models.UUIDField(null=True)),
                ("created", models.DateTimeField(null=True)),
                ("slug", models.SlugField(unique=True)),
                ("data", models.JSONField(null=True)),
                ("level", models.SmallIntegerField(db_default=1)),
            ],
            options={"db_table": "mfs_notes", "db_table_comment": "Notes"},
        ),
    ),
    ("CreateModel with a foreign key", [AUTHOR], BOOK),
    ("CreateModel with a to_field foreign key", [AUTHOR], BOOK_BY_AUTHOR_NAME),
    ("CreateModel with auto-created many-to-many fields", [AUTHOR, TAG], POST),
    ("CreateModel with self many-to-many fields", [], PERSON),
    ("CreateModel with multi-table inheritance", [AUTHOR], EDITOR),
    (
        "CreateModel of a proxy model",
        [AUTHOR],
        migrations.CreateModel(
            "AuthorProxy",
            [],
            options={"proxy": True, "indexes": [], "constraints": []},
            bases=(ref("Author"),),
        ),
    ),
    (
        "CreateModel of an unmanaged model",
        [AUTHOR],
        migrations.CreateModel(
            "Legacy",
            [
                ("id", models.AutoField(primary_key=True)),
                ("author", models.ForeignKey(ref("Author"), models.CASCADE)),
            ],
            options={"managed": False},
        ),
    ),
    ("CreateModel with order_with_respect_to", [AUTHOR, BOOK], CHAPTER),
    ("CreateModel with unique_together", [AUTHOR, BOOK], EDITION),
    ("CreateModel with index_together", [], AUTHOR_WITH_INDEX_TOGETHER),
    ("CreateModel with indexes and constraints", [], AUTHOR_WITH_INDEXES),
    (
        "CreateModel with functional and conditional indexes and constraints",
        [AUTHOR],
        migrations.CreateModel(
            "Review",
            [
                ("id", models.AutoField(primary_key=True)),
                ("author", models.ForeignKey(ref("Author"), models.CASCADE)),
                ("title", models.CharField(max_length=100)),
                ("stars", models.IntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(Upper("title"), "stars", name="mfs_review_func_idx"),
                    models.Index(
                        fields=["-stars", "title"],
                        condition=Q(stars__gt=3),
                        name="mfs_review_cond_idx",
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=Q(stars__gte=0) & Q(stars__lte=5),
                        name="mfs_review_stars",
                    ),
                    models.UniqueConstraint(
                        Lower("title"), "author", name="mfs_review_func_uniq"
                    ),
                    models.UniqueConstraint(
                        fields=["author"],
                        condition=Q(stars=5),
                        name="mfs_review_cond_uniq",
                    ),
                ],
            },
        ),
    ),
    (
        "CreateModel with a composite primary key",
        [AUTHOR, TAG],
        migrations.CreateModel(
            "Tagging",
            [
                ("pk", models.CompositePrimaryKey("author_id", "tag_id")),
                ("author", models.ForeignKey(ref("Author"), models.CASCADE)),
                ("tag", models.ForeignKey(ref("Tag"), models.CASCADE)),
                ("weight", models.IntegerField(default=1)),
            ],
        ),
    ),
    (
        "CreateModel with a self foreign key and db_constraint=False",
        [AUTHOR],
        migrations.CreateModel(
            "Category",
            [
                ("id", models.AutoField(primary_key=True)),
                (
                    "parent",
                    models.ForeignKey("self", models.CASCADE, null=True),
                ),
                (
                    "author",
                    models.ForeignKey(
                        ref("Author"), models.DO_NOTHING, db_constraint=False
                    ),
                ),
            ],
        ),
    ),
    # DeleteModel.
    ("DeleteModel with a foreign key", [AUTHOR, BOOK], migrations.DeleteModel("Book")),
    (
        "DeleteModel with many-to-many fields",
        [AUTHOR, TAG, POST],
        migrations.DeleteModel("Post"),
    ),
    (
        "DeleteModel of a multi-table inheritance child",
        [AUTHOR, EDITOR],
        migrations.DeleteModel("Editor"),
    ),
    (
        "DeleteModel with self many-to-many fields",
        [PERSON],
        migrations.DeleteModel("Person"),
    ),
    # RenameModel.
    (
        "RenameModel with incoming foreign keys and many-to-many fields",
        [AUTHOR, BOOK, TAG, POST, CLUB, MEMBERSHIP, CLUB_MEMBERS],
        migrations.RenameModel("Author", "Writer"),
    ),
    (
        "RenameModel with many-to-many fields",
        [AUTHOR, TAG, POST],
        migrations.RenameModel("Post", "Article"),
    ),
    (
        "RenameModel with self many-to-many fields",
        [PERSON],
        migrations.RenameModel("Person", "Human"),
    ),
    (
        "RenameModel referenced by a to_field foreign key",
        [AUTHOR, BOOK_BY_AUTHOR_NAME],
        migrations.RenameModel("Author", "Writer"),
    ),
    (
        "RenameModel with a self foreign key",
        [
            migrations.CreateModel(
                "Category",
                [
                    ("id", models.AutoField(primary_key=True)),
                    ("parent", models.ForeignKey("self", models.CASCADE, null=True)),
                ],
            )
        ],
        migrations.RenameModel("Category", "Section"),
    ),
    (
        "DeleteModel of the through model of a many-to-many field",
        [
            AUTHOR,
            CLUB,
            MEMBERSHIP,
            CLUB_MEMBERS,
            migrations.RemoveField("Club", "members"),
        ],
        migrations.DeleteModel("Membership"),
    ),
    # AlterModelTable / AlterModelTableComment.
    (
        "AlterModelTable with incoming foreign keys",
        [AUTHOR, BOOK],
        migrations.AlterModelTable("Author", "mfs_authors"),
    ),
    (
        "AlterModelTable with many-to-many fields",
        [AUTHOR, TAG, POST],
        migrations.AlterModelTable("Post", "mfs_posts"),
    ),
    (
        "AlterModelTable to the default table name",
        [
            migrations.CreateModel(
                "Tag",
                [("id", models.AutoField(primary_key=True))],
                options={"db_table": "mfs_tags"},
            )
        ],
        migrations.AlterModelTable("Tag", None),
    ),
    (
        "AlterModelTableComment",
        [AUTHOR],
        migrations.AlterModelTableComment("Author", "Writers"),
    ),
    # AlterUniqueTogether / AlterIndexTogether / AlterOrderWithRespectTo.
    (
        "AlterUniqueTogether adding a constraint",
        [AUTHOR],
        migrations.AlterUniqueTogether("Author", {("name", "age"), ("age", "rank")}),
    ),
    (
        "AlterUniqueTogether removing a constraint",
        [AUTHOR, BOOK, EDITION],
        migrations.AlterUniqueTogether("Edition", set()),
    ),
    (
        "AlterIndexTogether removing an index",
        [AUTHOR_WITH_INDEX_TOGETHER],
        migrations.AlterIndexTogether("Author", set()),
    ),
    (
        "AlterOrderWithRespectTo setting the order",
        [AUTHOR, BOOK],
        migrations.AlterOrderWithRespectTo("Book", "author"),
    ),
    (
        "AlterOrderWithRespectTo removing the order",
        [AUTHOR, BOOK, CHAPTER],
        migrations.AlterOrderWithRespectTo("Chapter", None),
    ),
    # AlterModelOptions / AlterModelManagers.
    (
        "AlterModelOptions",
        [AUTHOR],
        migrations.AlterModelOptions(
            "Author", {"ordering": ["name"], "verbose_name": "writer"}
        ),
    ),
    (
        "AlterModelManagers",
        [AUTHOR],
        migrations.AlterModelManagers(
            "Author", [("objects", models.Manager()), ("people", models.Manager())]
        ),
    ),
    # Indexes.
    (
        "AddIndex",
        [AUTHOR],
        migrations.AddIndex(
            "Author", models.Index(fields=["age", "-rank"], name="mfs_age_rank_idx")
        ),
    ),
    (
        "AddIndex of a functional index",
        [AUTHOR],
        migrations.AddIndex(
            "Author", models.Index(Lower("name"), "age", name="mfs_lower_age_idx")
        ),
    ),
    (
        "AddIndex of a conditional index",
        [AUTHOR],
        migrations.AddIndex(
            "Author",
            models.Index(fields=["rank"], condition=Q(age__gt=18), name="mfs_cond_idx"),
        ),
    ),
    (
        "AddIndex on a foreign key",
        [AUTHOR, BOOK],
        migrations.AddIndex(
            "Book", models.Index(fields=["author", "title"], name="mfs_book_idx")
        ),
    ),
    (
        "RemoveIndex",
        [AUTHOR_WITH_INDEXES],
        migrations.RemoveIndex("Author", "mfs_author_name_idx"),
    ),
    (
        "RemoveIndex of a functional index",
        [AUTHOR_WITH_INDEXES],
        migrations.RemoveIndex("Author", "mfs_author_lower_idx"),
    ),
    (
        "RenameIndex with old_name",
        [AUTHOR_WITH_INDEXES],
        migrations.RenameIndex(
            "Author", new_name="mfs_renamed_idx", old_name="mfs_author_name_idx"
        ),
    ),
    (
        "RenameIndex with old_fields",
        [AUTHOR_WITH_INDEX_TOGETHER],
        migrations.RenameIndex(
            "Author", new_name="mfs_renamed_idx", old_fields=("name", "age")
        ),
    ),
    # Constraints.
    (
        "AddConstraint of a check constraint",
        [AUTHOR],
        migrations.AddConstraint(
            "Author",
            models.CheckConstraint(
                condition=Q(age__gte=0) | Q(age__isnull=True), name="mfs_age_check"
            ),
        ),
    ),
    (
        "AddConstraint of a unique constraint",
        [AUTHOR],
        migrations.AddConstraint(
            "Author",
            models.UniqueConstraint(fields=["age", "rank"], name="mfs_age_rank_uniq"),
        ),
    ),
    (
        "AddConstraint of a conditional unique constraint",
        [AUTHOR, BOOK],
        migrations.AddConstraint(
            "Book",
            models.UniqueConstraint(
                fields=["author"], condition=Q(title=""), name="mfs_cond_uniq"
            ),
        ),
    ),
    (
        "AddConstraint of a functional unique constraint",
        [AUTHOR],
        migrations.AddConstraint(
            "Author", models.UniqueConstraint(Lower("name"), name="mfs_lower_uniq")
        ),
    ),
    (
        "RemoveConstraint of a check constraint",
        [AUTHOR_WITH_INDEXES],
        migrations.RemoveConstraint("Author", "mfs_age_gte_0"),
    ),
    (
        "RemoveConstraint of a unique constraint",
        [AUTHOR_WITH_INDEXES],
        migrations.RemoveConstraint("Author", "mfs_name_age_uniq"),
    ),
    (
        "AlterConstraint",
        [AUTHOR_WITH_INDEXES],
        migrations.AlterConstraint(
            "Author",
            "mfs_age_gte_0",
            models.CheckConstraint(
                condition=Q(age__gte=0),
                name="mfs_age_gte_0",
                violation_error_message="Too young",
            ),
        ),
    ),
    # AddField.
    (
        "AddField with a default",
        [AUTHOR],
        migrations.AddField(
            "Author", "nick", models.CharField(max_length=20, default="anon")
        ),
    ),
    (
        "AddField without preserving the default",
        [AUTHOR],
        migrations.AddField(
            "Author",
            "score",
            models.IntegerField(default=5),
            preserve_default=False,
        ),
    ),
    (
        "AddField with a db_default",
        [AUTHOR],
        migrations.AddField("Author", "active", models.BooleanField(db_default=True)),
    ),
    (
        "AddField of a nullable foreign key",
        [AUTHOR, PUBLISHER],
        migrations.AddField(
            "Author",
            "publisher",
            models.ForeignKey(ref("Publisher"), models.SET_NULL, null=True),
        ),
    ),
    (
        "AddField of a self foreign key",
        [AUTHOR],
        migrations.AddField(
            "Author",
            "mentor",
            models.ForeignKey("self", models.SET_NULL, null=True),
        ),
    ),
    (
        "AddField of a to_field foreign key",
        [AUTHOR, PUBLISHER],
        migrations.AddField(
            "Publisher",
            "star",
            models.ForeignKey(
                ref("Author"), models.SET_NULL, null=True, to_field="name"
            ),
        ),
    ),
    (
        "AddField of a one-to-one field",
        [AUTHOR, PUBLISHER],
        migrations.AddField(
            "Publisher",
            "owner",
            models.OneToOneField(ref("Author"), models.SET_NULL, null=True),
        ),
    ),
    (
        "AddField of a many-to-many field",
        [AUTHOR, TAG],
        migrations.AddField("Author", "tags", models.ManyToManyField(ref("Tag"))),
    ),
    (
        "AddField of a many-to-many field with a through model",
        [AUTHOR, CLUB, MEMBERSHIP],
        CLUB_MEMBERS,
    ),
    (
        "AddField of a generated field",
        [AUTHOR],
        migrations.AddField(
            "Author",
            "name_lower",
            models.GeneratedField(
                expression=Lower("name"),
                output_field=models.CharField(max_length=50),
                db_persist=True,
            ),
        ),
    ),
    # RemoveField.
    ("RemoveField", [AUTHOR], migrations.RemoveField("Author", "age")),
    (
        "RemoveField of a foreign key",
        [AUTHOR, BOOK],
        migrations.RemoveField("Book", "author"),
    ),
    (
        "RemoveField of a many-to-many field",
        [AUTHOR, TAG, POST],
        migrations.RemoveField("Post", "tags"),
    ),
    (
        "RemoveField of a many-to-many field with a through model",
        [AUTHOR, CLUB, MEMBERSHIP, CLUB_MEMBERS],
        migrations.RemoveField("Club", "members"),
    ),
    (
        "RemoveField from a model with incoming foreign keys",
        [AUTHOR, BOOK, EDITOR],
        migrations.RemoveField("Author", "rank"),
    ),
    # AlterField.
    (
        "AlterField changing the type",
        [AUTHOR],
        migrations.AlterField("Author", "age", models.BigIntegerField(null=True)),
    ),
    (
        "AlterField making a field not null",
        [AUTHOR],
        migrations.AlterField("Author", "age", models.IntegerField(default=0)),
    ),
    (
        "AlterField making a field nullable",
        [AUTHOR],
        migrations.AlterField("Author", "rank", models.IntegerField(null=True)),
    ),
    (
        "AlterField changing max_length and db_comment",
        [AUTHOR],
        migrations.AlterField(
            "Author",
            "name",
            models.CharField(max_length=80, unique=True, db_comment="Full name"),
        ),
    ),
    (
        "AlterField adding unique",
        [AUTHOR],
        migrations.AlterField("Author", "rank", models.IntegerField(unique=True)),
    ),
    (
        "AlterField removing unique",
        [AUTHOR, BOOK],
        migrations.AlterField("Author", "name", models.CharField(max_length=50)),
    ),
    (
        "AlterField adding a db_default",
        [AUTHOR],
        migrations.AlterField("Author", "rank", models.IntegerField(db_default=1)),
    ),
    (
        "AlterField adding db_index",
        [AUTHOR],
        migrations.AlterField(
            "Author", "age", models.IntegerField(null=True, db_index=True)
        ),
    ),
    (
        "AlterField changing the primary key type with incoming relations",
        [AUTHOR, BOOK, TAG, POST, CLUB, MEMBERSHIP, CLUB_MEMBERS, EDITOR],
        migrations.AlterField("Author", "id", models.BigAutoField(primary_key=True)),
    ),
    (
        "AlterField changing a foreign key target",
        [AUTHOR, PUBLISHER, BOOK],
        migrations.AlterField(
            "Book", "author", models.ForeignKey(ref("Publisher"), models.CASCADE)
        ),
    ),
    (
        "AlterField changing a foreign key on_delete and nullability",
        [AUTHOR, BOOK],
        migrations.AlterField(
            "Book",
            "author",
            models.ForeignKey(ref("Author"), models.SET_NULL, null=True),
        ),
    ),
    (
        "AlterField turning a foreign key into an integer",
        [AUTHOR, BOOK],
        migrations.AlterField("Book", "author", models.IntegerField()),
    ),
    (
        "AlterField changing the to_field of a foreign key",
        [AUTHOR, BOOK],
        migrations.AlterField(
            "Book",
            "author",
            models.ForeignKey(ref("Author"), models.CASCADE, to_field="name"),
        ),
    ),
    (
        "AlterField of a field referenced by a to_field foreign key",
        [AUTHOR, BOOK_BY_AUTHOR_NAME],
        migrations.AlterField(
            "Author", "name", models.CharField(max_length=100, unique=True)
        ),
    ),
    (
        "AlterField of a field referenced by a to_field foreign key of a model "
        "with other relations",
        [
            AUTHOR,
            PUBLISHER,
            BOOK_BY_AUTHOR_NAME,
            migrations.AddField(
                "Book",
                "publisher",
                models.ForeignKey(ref("Publisher"), models.CASCADE, null=True),
            ),
        ],
        migrations.AlterField(
            "Author", "name", models.CharField(max_length=100, unique=True)
        ),
    ),
    (
        "AlterField changing a many-to-many db_table",
        [AUTHOR, TAG, POST],
        migrations.AlterField(
            "Post", "tags", models.ManyToManyField(ref("Tag"), db_table="mfs_tagging")
        ),
    ),
    (
        "AlterField of a field in unique_together",
        [AUTHOR, BOOK, EDITION],
        migrations.AlterField("Edition", "number", models.BigIntegerField()),
    ),
    # RenameField.
    ("RenameField", [AUTHOR], migrations.RenameField("Author", "age", "years")),
    (
        "RenameField of a foreign key",
        [AUTHOR, BOOK],
        migrations.RenameField("Book", "author", "writer"),
    ),
    (
        "RenameField of a field referenced by a to_field foreign key",
        [AUTHOR, BOOK_BY_AUTHOR_NAME],
        migrations.RenameField("Author", "name", "full_name"),
    ),
    (
        "RenameField of a field in unique_together and order_with_respect_to",
        [AUTHOR, BOOK, EDITION, CHAPTER],
        migrations.RenameField("Book", "title", "name"),
    ),
    (
        "RenameField of a field in indexes",
        [AUTHOR_WITH_INDEXES],
        migrations.RenameField("Author", "age", "years"),
    ),
    (
        "RenameField of a primary key with incoming relations",
        [AUTHOR, BOOK, TAG, POST],
        migrations.RenameField("Author", "id", "author_id"),
    ),
    (
        "RenameField of a many-to-many field",
        [AUTHOR, TAG, POST],
        migrations.RenameField("Post", "tags", "labels"),
    ),
    # SeparateDatabaseAndState / RunSQL.
    (
        "SeparateDatabaseAndState",
        [AUTHOR, PUBLISHER],
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AddField(
                    "Author",
                    "publisher",
                    models.ForeignKey(ref("Publisher"), models.CASCADE, null=True),
                ),
                migrations.AlterField(
                    "Author", "age", models.BigIntegerField(null=True)
                ),
            ],
            state_operations=[
                migrations.AddField(
                    "Author",
                    "publisher",
                    models.ForeignKey(ref("Publisher"), models.CASCADE, null=True),
                ),
                migrations.AlterField(
                    "Author", "age", models.BigIntegerField(null=True)
                ),
            ],
        ),
    ),
    (
        "RunSQL with state operations",
        [AUTHOR],
        migrations.RunSQL(
            "ALTER TABLE migrations_from_state_author ADD COLUMN nick varchar(20)",
            "ALTER TABLE migrations_from_state_author DROP COLUMN nick",
            state_operations=[
                migrations.AddField(
                    "Author", "nick", models.CharField(max_length=20, null=True)
                )
            ],
        ),
    ),
]


SQLMIGRATE_COLUMN_ORDER = """
On SQLite, adding or altering a column rebuilds the table (_remake_table()):
the rebuilt model gets the old model's fields and the new field, and orders them
by creation_counter. Collecting the SQL of a migration's first operation from
states that weren't rendered yet (as sqlmigrate does), rendered models render
the state after the operation first, so the new field is the oldest and its
column goes first in CREATE TABLE "new__..."; stand-ins reserve the creation
counters of each model state's fields, and put the new column last, as migrate
does with rendered models (the states being rendered before each operation).
"""
# Cases that are known to differ between stand-ins and rendered models:
# {description: (vendors, explanation)}. On those vendors, each is an expected
# failure of KnownDifferencesTests instead of a subtest of
# StandInSQLTests.test_operations().
KNOWN_DIFFERENCES = {}
# Cases of StandInSQLTests.test_collect_sql() known to differ, likewise.
KNOWN_COLLECT_SQL_DIFFERENCES = {
    description: ({"sqlite"}, SQLMIGRATE_COLUMN_ORDER)
    for description in [
        "AlterOrderWithRespectTo setting the order",
        "AlterOrderWithRespectTo removing the order",
        "AddField with a default",
        "AddField without preserving the default",
        "AddField with a db_default",
        "AddField of a one-to-one field",
        "AddField of a generated field",
        "AlterField changing the type",
        "AlterField making a field not null",
        "AlterField making a field nullable",
        "AlterField changing max_length and db_comment",
        "AlterField adding unique",
        "AlterField removing unique",
        "AlterField adding a db_default",
        "AlterField adding db_index",
        "AlterField changing the primary key type with incoming relations",
        "AlterField changing a foreign key target",
        "AlterField changing a foreign key on_delete and nullability",
        "AlterField turning a foreign key into an integer",
        "AlterField changing the to_field of a foreign key",
        "AlterField of a field referenced by a to_field foreign key",
        "AlterField of a field referenced by a to_field foreign key of a model "
        "with other relations",
        "AlterField of a field in unique_together",
        "RenameField of a foreign key",
    ]
}


def is_known_difference(description, known_differences=KNOWN_DIFFERENCES):
    vendors, _ = known_differences.get(description, (set(), None))
    return connection.vendor in vendors


def postgres_cases():
    from django.contrib.postgres.fields import ArrayField
    from django.contrib.postgres.indexes import BTreeIndex, GinIndex
    from django.contrib.postgres.operations import (
        AddConstraintNotValid,
        AddIndexConcurrently,
        RemoveIndexConcurrently,
        ValidateConstraint,
    )

    tagged = migrations.CreateModel(
        "Tagged",
        [
            ("id", models.AutoField(primary_key=True)),
            ("tags", ArrayField(models.CharField(max_length=20), default=list)),
            ("author", models.ForeignKey(ref("Author"), models.CASCADE)),
        ],
        options={"indexes": [GinIndex(fields=["tags"], name="mfs_tags_gin")]},
    )
    check = models.CheckConstraint(condition=Q(rank__gte=0), name="mfs_rank_check")
    return [
        ("CreateModel with an array field and a GIN index", [AUTHOR], tagged),
        (
            "AddIndexConcurrently",
            [AUTHOR],
            AddIndexConcurrently(
                "Author", models.Index(fields=["age"], name="mfs_age_idx")
            ),
        ),
        (
            "AddIndexConcurrently of a functional index",
            [AUTHOR],
            AddIndexConcurrently(
                "Author", models.Index(Lower("name"), name="mfs_lower_idx")
            ),
        ),
        (
            "RemoveIndexConcurrently",
            [AUTHOR_WITH_INDEXES],
            RemoveIndexConcurrently("Author", "mfs_author_name_idx"),
        ),
        ("AddConstraintNotValid", [AUTHOR], AddConstraintNotValid("Author", check)),
        (
            "ValidateConstraint",
            [AUTHOR, AddConstraintNotValid("Author", check)],
            ValidateConstraint("Author", "mfs_rank_check"),
        ),
        (
            "AddIndex of a B-tree index with fillfactor",
            [AUTHOR, tagged],
            migrations.AddIndex(
                "Tagged", BTreeIndex(fields=["author"], fillfactor=80, name="mfs_bt")
            ),
        ),
        (
            "AlterField of an array field",
            [AUTHOR, tagged],
            migrations.AlterField(
                "Tagged",
                "tags",
                ArrayField(models.CharField(max_length=40), default=list),
            ),
        ),
    ]


class StandInSQLTests(TransactionTestCase):
    available_apps = [APP_LABEL]
    maxDiff = None

    def tearDown(self):
        drop_app_tables()
        super().tearDown()

    def run_with_stand_ins(self, initial_operations, operation):
        with mock.patch.object(
            ModelState, "render", side_effect=AssertionError("Model rendered.")
        ):
            try:
                statements, states = run_operations(initial_operations, operation)
            finally:
                drop_app_tables()
        for state in states:
            self.assertNotIn("apps", state.__dict__)
        return statements

    def run_with_rendered_models(self, initial_operations, operation):
        with mock.patch.object(
            ProjectState, "models_for_schema_editor", rendered_models
        ):
            try:
                statements, _ = run_operations(initial_operations, operation)
            finally:
                drop_app_tables()
        return statements

    def assertSameSQL(self, initial_operations, operation, ordered=True):
        # Warm up the connection's cached features and introspection, which
        # send queries the first time only.
        self.run_with_rendered_models(initial_operations, operation)
        rendered = self.run_with_rendered_models(initial_operations, operation)
        stand_ins = self.run_with_stand_ins(initial_operations, operation)
        self.assertNotEqual(rendered, [])
        if ordered:
            self.assertEqual(stand_ins, rendered)
        else:
            self.assertCountEqual(stand_ins, rendered)

    def test_stand_ins_are_used(self):
        """Django's schema editors receive stand-ins, not rendered models."""
        state = ProjectState()
        AUTHOR.state_forwards(APP_LABEL, state)
        with connection.schema_editor(collect_sql=True) as editor:
            models_for_editor = state.models_for_schema_editor(editor)
        self.assertIs(models_for_editor, state.stand_ins)
        self.assertNotIn("apps", state.__dict__)

    def test_operations(self):
        """
        Applying and unapplying each built-in operation, after the operations
        that create the models it works on, sends the same statements to the
        database with stand-ins as with rendered models, without rendering.
        """
        for description, initial_operations, operation in CASES:
            if is_known_difference(description):
                # See KnownDifferencesTests.
                continue
            with self.subTest(description):
                self.assertSameSQL(
                    initial_operations, operation, description not in UNORDERED
                )

    @unittest.skipUnless(connection.vendor == "postgresql", "PostgreSQL specific.")
    @unittest.expectedFailure
    def test_related_objects_order(self):
        """
        RenameModel recreates the foreign key constraints pointing to the
        renamed table in the order of the old model's _meta.related_objects.
        Stand-ins list related objects in the order of the state (the order
        of the migrations); rendered models list them in the order their
        models were last re-rendered by ProjectState.reload_models(), which
        iterates over sets of model keys and so depends on PYTHONHASHSEED.
        The same statements are sent, in a different order (expected failure:
        the orders coincide once in 8! runs, for 8 referencing models).
        """
        referencing = [
            migrations.CreateModel(
                "Ref%s" % i,
                [
                    ("id", models.AutoField(primary_key=True)),
                    ("author", models.ForeignKey(ref("Author"), models.CASCADE)),
                ],
            )
            for i in range(8)
        ]
        self.assertSameSQL(
            [AUTHOR, *referencing], migrations.RenameModel("Author", "Writer")
        )

    @unittest.skipUnless(connection.vendor == "postgresql", "PostgreSQL specific.")
    def test_postgres_operations(self):
        """
        contrib.postgres operations send the same statements to the database
        with stand-ins as with rendered models, without rendering.
        """
        for description, initial_operations, operation in postgres_cases():
            with self.subTest(description):
                self.assertSameSQL(initial_operations, operation)

    def test_collect_sql(self):
        """
        Schema editors collecting SQL (sqlmigrate) collect the same statements
        with stand-ins as with rendered models.
        """
        for description, initial_operations, operation in CASES:
            if is_known_difference(description, KNOWN_COLLECT_SQL_DIFFERENCES):
                # See KnownDifferencesTests.
                continue
            with self.subTest(description):
                self.assertSameCollectedSQL(initial_operations, operation)

    def assertSameCollectedSQL(self, initial_operations, operation):
        collected = []
        for patch in (
            mock.patch.object(ModelState, "render", side_effect=AssertionError),
            mock.patch.object(
                ProjectState, "models_for_schema_editor", rendered_models
            ),
        ):
            with patch:
                try:
                    result = self.collect_sql(initial_operations, operation)
                except Exception as e:
                    # Some operations introspect the tables, which don't
                    # exist: they must fail the same way.
                    result = (type(e), str(e))
                collected.append(result)
        self.assertEqual(collected[0], collected[1])

    def collect_sql(self, initial_operations, operation):
        initial_operations, operation = copy.deepcopy((initial_operations, operation))
        state = ProjectState()
        for initial_operation in initial_operations:
            initial_operation.state_forwards(APP_LABEL, state)
        new_state = state.clone()
        operation.state_forwards(APP_LABEL, new_state)
        with connection.schema_editor(
            collect_sql=True, atomic=operation.atomic
        ) as editor:
            operation.database_forwards(APP_LABEL, editor, state, new_state)
        forwards = editor.collected_sql
        with connection.schema_editor(
            collect_sql=True, atomic=operation.atomic
        ) as editor:
            operation.database_backwards(APP_LABEL, editor, new_state, state)
        return forwards, editor.collected_sql


class KnownDifferencesTests(StandInSQLTests):
    """
    Cases of StandInSQLTests.test_operations() where stand-ins and rendered
    models are known to differ, one expected failure each; see
    KNOWN_DIFFERENCES for the explanations.
    """

    # Only the generated tests.
    test_stand_ins_are_used = None
    test_operations = None
    test_related_objects_order = None
    test_postgres_operations = None
    test_collect_sql = None


def add_known_difference_tests():
    for kind, known_differences, assertion in [
        ("", KNOWN_DIFFERENCES, "assertSameSQL"),
        ("collect_sql_", KNOWN_COLLECT_SQL_DIFFERENCES, "assertSameCollectedSQL"),
    ]:
        for index, (description, initial_operations, operation) in enumerate(CASES):
            if description not in known_differences:
                continue
            vendors, explanation = known_differences[description]

            def test(
                self,
                initial_operations=initial_operations,
                operation=operation,
                assertion=assertion,
            ):
                getattr(self, assertion)(initial_operations, operation)

            test.__doc__ = "%s%s: %s" % (kind, description, explanation.strip())
            test = unittest.skipUnless(
                connection.vendor in vendors, "Known difference on %s only." % vendors
            )(unittest.expectedFailure(test))
            name = "test_%s%02d_%s" % (
                kind,
                index,
                "".join(c if c.isalnum() else "_" for c in description.lower()),
            )
            setattr(KnownDifferencesTests, name, test)


add_known_difference_tests()
