"""
`manage.py migrate` on synthetic projects (scripts/synth-project).

Parameters: models (project size) and shape ("initial": one 0001_initial per
app; "history": an evolving history of the same final models). Every timed
sample is one fresh `python driver.py migrate ...` process on a database
prepared by setup(), so the times include interpreter start and
django.setup(), as a user running `manage.py migrate` sees them.
"""

from . import support


class MigrateBenchmark:
    """Parameters and sampling shared by every benchmark of the suite."""

    params = (support.model_sizes(), support.SHAPES)
    param_names = ["models", "shape"]
    version = support.suite_version()
    # One call per sample, no warm-up call (it would run against a database
    # the previous call already migrated), at least one sample per round.
    number = 1
    warmup_time = 0
    min_run_count = 1
    repeat = (1, 3, 120.0)
    rounds = 2
    # Stock Django at 1,000 models takes many minutes per migrate.
    timeout = 4 * 3600

    def setup_cache(self):
        return support.setup_cache()

    def setup(self, cache_dir, models, shape):
        self.workspace = None
        support.skip_unless_enabled(models, shape)
        self.workspace = support.Workspace(cache_dir, models, shape)

    def teardown(self, cache_dir, models, shape):
        # asv tears down skipped benchmarks too.
        if self.workspace:
            self.workspace.drop()


class MigrateFromZero(MigrateBenchmark):
    """`migrate` on an empty database: a fresh deployment or CI run."""

    def setup(self, cache_dir, models, shape):
        super().setup(cache_dir, models, shape)
        self.workspace.empty()

    def time_migrate(self, cache_dir, models, shape):
        self.workspace.run("migrate")


class CreateFinalSchema(MigrateBenchmark):
    """
    The floor of MigrateFromZero: the final schema created straight from the
    models (`migrate --run-syncdb` with every app's migrations disabled), as
    test runs without migrations do.
    """

    def setup(self, cache_dir, models, shape):
        super().setup(cache_dir, models, shape)
        self.workspace.empty()

    def time_syncdb(self, cache_dir, models, shape):
        self.workspace.run("syncdb")


class MigrateBackwards(MigrateBenchmark):
    """`migrate APP zero` for every app, dependents first, in one process."""

    def setup(self, cache_dir, models, shape):
        super().setup(cache_dir, models, shape)
        self.workspace.copy("migrated")

    def time_migrate_to_zero(self, cache_dir, models, shape):
        self.workspace.run("unmigrate")


class MigrateLatest(MigrateBenchmark):
    """`migrate` when only the last app's latest migration is unapplied."""

    def setup(self, cache_dir, models, shape):
        super().setup(cache_dir, models, shape)
        self.workspace.copy("before-latest")

    def time_migrate(self, cache_dir, models, shape):
        self.workspace.run("migrate")


class MigrateNothingToDo(MigrateBenchmark):
    """`migrate` on an up-to-date database (every deployment pays this)."""

    def setup(self, cache_dir, models, shape):
        super().setup(cache_dir, models, shape)
        self.workspace.copy("migrated")

    def time_migrate(self, cache_dir, models, shape):
        self.workspace.run("migrate")


class MigrateMemory(MigrateBenchmark):
    """
    Peak memory of a process running `migrate` from zero. asv runs each
    peakmem_ benchmark in its own forked process, so migrate runs here, in
    that process, with a fresh app registry.
    """

    def setup(self, cache_dir, models, shape):
        super().setup(cache_dir, models, shape)
        self.workspace.empty()

    def peakmem_migrate(self, cache_dir, models, shape):
        self.workspace.in_process("migrate")


class MigrateCounts(MigrateBenchmark):
    """
    Deterministic figures of `migrate` from zero and back to zero:
    ModelState.render and ProjectState.clone calls and executed statements,
    counted as scripts/compare-migrate counts them.
    """

    def track_renders(self, cache_dir, models, shape):
        return self.workspace.counts("forward")["renders"]

    track_renders.unit = "renders"

    def track_clones(self, cache_dir, models, shape):
        return self.workspace.counts("forward")["clones"]

    track_clones.unit = "clones"

    def track_statements(self, cache_dir, models, shape):
        return self.workspace.counts("forward")["statements"]

    track_statements.unit = "statements"

    def track_backwards_renders(self, cache_dir, models, shape):
        return self.workspace.counts("backward")["renders"]

    track_backwards_renders.unit = "renders"

    def track_backwards_clones(self, cache_dir, models, shape):
        return self.workspace.counts("backward")["clones"]

    track_backwards_clones.unit = "clones"

    def track_backwards_statements(self, cache_dir, models, shape):
        return self.workspace.counts("backward")["statements"]

    track_backwards_statements.unit = "statements"
