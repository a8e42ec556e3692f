"""`manage.py sqlmigrate` of the project's largest migration."""

from . import support
from .migrate import MigrateBenchmark


class SqlMigrate(MigrateBenchmark):
    def setup(self, cache_dir, models, shape):
        super().setup(cache_dir, models, shape)
        self.workspace.empty()
        self.migration = support.largest_migration(self.workspace.project)

    def time_sqlmigrate_largest(self, cache_dir, models, shape):
        self.workspace.run("sqlmigrate", *self.migration)
