"""
Write a failing history out, and read it back.

A failure directory holds the history as migration files
(migrations/<app_label>/<name>.py, as makemigrations writes them), a report
of the differences (report.txt) and a regression test (test_regression.py)
that replays the migration files: `scripts/fuzz --replay DIRECTORY`.
"""

import copy
import hashlib
import importlib.util
import pprint
from pathlib import Path

from .generator import SWAPPABLE_DEPENDENCY, History, MigrationSpec

REGRESSION_TEST = '''"""
A history on which scripts/fuzz found that stand-ins and rendered models
differ on {db} ({summary}); report.txt has the statements.

    scripts/fuzz --db {db} --replay {directory}
"""

import unittest
from pathlib import Path

from fuzzing.failures import load_history
from fuzzing.runner import compare_history, setup_django


class RegressionTest(unittest.TestCase):
    def test_same_sql_and_schema(self):
        setup_django({db!r})
        comparison = compare_history(load_history(Path(__file__).parent))
        self.assertIs(comparison.invalid, False)
        self.assertIs(comparison.stock_fails_alone, {stock_fails_alone})
        self.assertEqual(comparison.differences, [])
'''


def migration_sources(history):
    """{relative path: source} of the history's migration files."""
    from django.db.migrations.migration import Migration
    from django.db.migrations.writer import MigrationWriter

    sources = {}
    for spec in copy.deepcopy(history.migrations):
        migration = Migration(spec.name, spec.app_label)
        migration.dependencies = spec.dependencies
        migration.operations = spec.operations
        writer = MigrationWriter(migration, include_header=False)
        sources[f"migrations/{spec.app_label}/{spec.name}.py"] = writer.as_string()
    return sources


def describe_history(history):
    lines = []
    for migration in history.migrations:
        lines.append(f"{migration.app_label}.{migration.name}:")
        for number, operation in enumerate(migration.operations):
            lines.append(f"    {number}: {operation!r}")
    return "\n".join(lines)


def format_report(history, comparison, context=""):
    lines = []
    if context:
        lines += [context, ""]
    if comparison.invalid:
        lines += [
            f"The history fails with {comparison.reference}: a generator bug.",
            f"    {comparison.stock.error}",
            "",
        ]
    if comparison.stock_fails_alone:
        lines += [
            f"The history fails with {comparison.reference} but not with"
            f" {comparison.target}: compared up to the failing migration.",
            f"    {comparison.stock.error}",
            "",
        ]
    lines += ["The history:", describe_history(history), ""]
    for difference in comparison.differences:
        lines.append(f"Difference in {difference.what}: {difference.where}")
        for name, values in [
            (comparison.reference, difference.stock),
            (comparison.target, difference.stand_ins),
        ]:
            lines.append(f"  {name}:")
            lines += ["    " + line for line in pprint.pformat(values).splitlines()]
        lines.append("")
    return "\n".join(lines)


def write_failure(directory, history, comparison, context="", db="sqlite"):
    """Write the failure into a new subdirectory of directory; return it."""
    sources = migration_sources(history)
    digest = hashlib.sha256(repr(sorted(sources.items())).encode()).hexdigest()
    destination = Path(directory) / f"fuzz-{digest[:12]}"
    for relative, source in sources.items():
        path = destination / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    report = format_report(history, comparison, context)
    (destination / "report.txt").write_text(report)
    if comparison.invalid:
        summary = "the history fails with rendered models"
    elif comparison.stock_fails_alone and not comparison.differences:
        summary = "rendered models fail, stand-ins don't"
    else:
        summary = "; ".join(
            sorted({f"{d.what}: {d.where}" for d in comparison.differences})
        )
    (destination / "test_regression.py").write_text(
        REGRESSION_TEST.format(
            summary=summary,
            directory=destination,
            db=db,
            stock_fails_alone=comparison.stock_fails_alone,
        )
    )
    return destination


def load_history(directory):
    """The History of a failure directory's migration files."""
    from django.db.migrations.migration import SwappableTuple

    paths = sorted(
        Path(directory).glob("migrations/*/*.py"), key=lambda path: path.stem
    )
    migrations = []
    for path in paths:
        app_label = path.parent.name
        module_name = f"fuzz_replay_{app_label}_{path.stem}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        migration = module.Migration(path.stem, app_label)
        dependencies = [
            # As the generator has it: MigrationSpecs are deep-copied, which
            # a SwappableTuple (migrations.swappable_dependency()) can't be.
            (
                SWAPPABLE_DEPENDENCY
                if isinstance(dependency, SwappableTuple)
                else dependency
            )
            for dependency in migration.dependencies
        ]
        migrations.append(
            MigrationSpec(
                app_label, path.stem, dependencies, list(migration.operations)
            )
        )
    return History(migrations)
