"""
Test database creation through Django's test runner
(DiscoverRunner.setup_databases(), in memory on SQLite), as `manage.py test`
does before the first test runs.
"""

from .migrate import MigrateBenchmark


class TestDatabase(MigrateBenchmark):
    def setup(self, cache_dir, models, shape):
        super().setup(cache_dir, models, shape)
        self.workspace.empty()

    def time_create_with_migrations(self, cache_dir, models, shape):
        self.workspace.run("testdb")

    def time_create_without_migrations(self, cache_dir, models, shape):
        """TEST MIGRATE=False: tables straight from the models, the floor."""
        self.workspace.run("testdb", "--no-migrate")
