"""
Tests for scripts/django-checkout, scripts/export-patches and the helpers
shared by the scripts (scripts/_tooling.py).

The scripts run from a copy of the repository in a temporary directory with a
made-up patch series, so the real patches/ and build/ are never touched. The
Django sdist comes from the user's cache (downloaded once).
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
sys.path.insert(0, str(SCRIPTS))

import _tooling  # noqa: E402

VERSION = _tooling.DEFAULT_VERSION
OWN_SCRIPTS = [
    "_tooling.py",
    "django-checkout",
    "export-patches",
    "run-django-tests",
    "test",
]
DESCRIPTION = (
    "Schema changes from ModelState (demo series)\n"
    "\n"
    "A made-up series for testing the tooling. It has\n"
    "two paragraphs.\n"
    "\n"
    "Second paragraph: non-ASCII ünïcödé."
)


def git(*args, cwd, env=None, check=True):
    proc = subprocess.run(
        ["git", *map(str, args)],
        cwd=cwd,
        env=_tooling.git_env(env),
        capture_output=True,
        text=True,
    )
    if check and proc.returncode:
        raise AssertionError(f"git {args} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout.strip()


def author(name, email, date):
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": date,
    }


def run_script(repo, name, *args, check=True):
    proc = subprocess.run(
        [str(repo / "scripts" / name), *map(str, args)],
        cwd=repo,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode:
        raise AssertionError(
            f"{name} {args} exited with {proc.returncode}:\n"
            f"{proc.stdout}\n{proc.stderr}"
        )
    return proc


def make_repo(path):
    """A copy of the project with only the tooling and empty data dirs."""
    (path / "scripts").mkdir(parents=True)
    for name in OWN_SCRIPTS:
        shutil.copy2(SCRIPTS / name, path / "scripts" / name)
    (path / "patches").mkdir()
    return path


def read_dir(path):
    return {p.name: p.read_bytes() for p in sorted(Path(path).iterdir())}


@pytest.fixture(scope="session")
def sdist():
    return _tooling.ensure_sdist(VERSION)


@pytest.fixture(scope="session")
def demo_patches(sdist, tmp_path_factory):
    """
    A three-patch series made in a scratch checkout and exported with
    scripts/export-patches: a change with a body, a non-ASCII author with a
    long "[tag]" subject adding a file, and a rename.
    """
    base = tmp_path_factory.mktemp("demo")
    repo = make_repo(base / "repo")
    work = base / "work"
    run_script(repo, "django-checkout", work)
    state = work / "django/db/migrations/state.py"
    text = state.read_text()
    assert "class ProjectState:\n" in text
    state.write_text(
        text.replace(
            "class ProjectState:\n", "class ProjectState:\n    demo_attribute = 1\n", 1
        )
    )
    git(
        "commit",
        "-qam",
        "Fixed #29898 -- Added a demo attribute to ProjectState.\n\nBody text.",
        cwd=work,
        env=author("Demo Author", "demo@example.com", "2026-01-01T10:00:00+0000"),
    )
    with open(work / "django/db/migrations/executor.py", "a") as f:
        f.write("# demo\n")
    (work / "tests/migrations/test_demo_added.py").write_text("DEMO = True\n")
    git("add", "-A", cwd=work)
    git(
        "commit",
        "-qm",
        "[schema] A rather long subject line that certainly goes beyond the"
        " folding width of mail headers",
        cwd=work,
        env=author("Jörg Démo", "jorg@example.com", "2026-01-02T10:00:00+0200"),
    )
    git(
        "mv",
        "django/db/migrations/exceptions.py",
        "django/db/migrations/exceptions_demo.py",
        cwd=work,
    )
    git(
        "commit",
        "-qm",
        "Renamed a module (demo).",
        cwd=work,
        env=author("Demo Author", "demo@example.com", "2026-01-03T10:00:00+0000"),
    )
    git("config", "branch.main.description", DESCRIPTION, cwd=work)
    run_script(repo, "export-patches", work)
    return read_dir(repo / "patches")


@pytest.fixture
def repo(tmp_path, demo_patches):
    """A project copy whose patches/ holds the demo series and an overlay."""
    repo = make_repo(tmp_path / "repo")
    for name, content in demo_patches.items():
        (repo / "patches" / name).write_bytes(content)
    overlay = repo / "django_tests_overlay"
    (overlay / "modelstate_demo").mkdir(parents=True)
    (overlay / "modelstate_demo" / "__init__.py").write_text("")
    (overlay / "modelstate_demo" / "tests.py").write_text("# overlay tests\n")
    (overlay / "migrations").mkdir()
    (overlay / "migrations" / "test_overlay_extra.py").write_text("# extra\n")
    (overlay / "model_fields").mkdir()
    (overlay / "model_fields" / "test_overlay_fields.py").write_text("# fields\n")
    (overlay / "model_fields" / "__pycache__").mkdir()
    (overlay / "model_fields" / "__pycache__" / "x.cpython-312.pyc").write_bytes(b"")
    return repo


@pytest.fixture
def checkout(repo, tmp_path):
    dest = tmp_path / "checkout"
    run_script(repo, "django-checkout", dest)
    return dest


def subjects(checkout):
    return git("log", "--reverse", "--format=%s", cwd=checkout).splitlines()


def test_demo_series_files(demo_patches):
    assert list(demo_patches) == [
        "0000-cover-letter.patch",
        "0001-Fixed-29898-Added-a-demo-attribute-to-ProjectState.patch",
        "0002-schema-A-rather-long-subject-line-that-certainly-goe.patch",
        "0003-Renamed-a-module-demo.patch",
    ]
    cover = demo_patches["0000-cover-letter.patch"].decode()
    assert "*** SUBJECT HERE ***" not in cover
    assert "*** BLURB HERE ***" not in cover
    assert (
        "Subject: [PATCH 0/3] Schema changes from ModelState (demo series)\n" in cover
    )
    assert "Second paragraph: non-ASCII ünïcödé.\n" in cover
    # Pinned to the last patch's author, not the current time and user.
    assert "From: Demo Author <demo@example.com>\n" in cover
    assert "Date: Sat, 3 Jan 2026 10:00:00 +0000\n" in cover
    assert "\nbase-commit: " in cover
    first = demo_patches[
        "0001-Fixed-29898-Added-a-demo-attribute-to-ProjectState.patch"
    ].decode()
    assert first.startswith("From 0000000000000000000000000000000000000000 ")
    assert not first.rstrip().endswith(("--", "2.39.5"))  # --no-signature


def test_pristine_commit(checkout, sdist):
    messages = subjects(checkout)
    assert messages[0] == f"Django {VERSION}"
    assert git("tag", cwd=checkout) == VERSION
    assert git("rev-parse", f"{VERSION}^{{commit}}", cwd=checkout) == git(
        "rev-list", "--max-parents=0", "HEAD", cwd=checkout
    )
    with tarfile.open(sdist) as tar:
        files = sorted(m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile())
    assert (
        git(
            "-c",
            "core.quotePath=false",
            "ls-tree",
            "-r",
            "--name-only",
            VERSION,
            cwd=checkout,
        ).splitlines()
        == files
    )
    # Executable bits survive (the sdist has a few scripts).
    modes = git("ls-tree", "-r", VERSION, cwd=checkout)
    assert "100755 blob" in modes


def test_checkout_commits_and_overlay(checkout, demo_patches):
    assert subjects(checkout) == [
        f"Django {VERSION}",
        "Fixed #29898 -- Added a demo attribute to ProjectState.",
        "[schema] A rather long subject line that certainly goes beyond the"
        " folding width of mail headers",
        "Renamed a module (demo).",
        "[overlay] Added django_tests_overlay.",
    ]
    overlay_files = git(
        "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD", cwd=checkout
    ).splitlines()
    assert overlay_files == [
        "tests/migrations/test_overlay_extra.py",
        "tests/model_fields/test_overlay_fields.py",
        "tests/modelstate_demo/__init__.py",
        "tests/modelstate_demo/tests.py",
    ]
    assert git("config", "branch.main.description", cwd=checkout) == DESCRIPTION
    assert git("status", "--porcelain", cwd=checkout) == ""
    stamp = json.loads((checkout / ".git/modelstate-checkout.json").read_text())
    assert stamp["state"] == "ok"
    assert stamp["complete"] and stamp["overlay"]
    assert len(stamp["applied"]) == 3


def test_round_trip_is_byte_identical(checkout, repo, demo_patches):
    stale = repo / "patches" / "0004-stale-patch.patch"
    stale.write_text("stale")
    (repo / "patches" / "README").write_text("not a patch")
    run_script(repo, "export-patches", checkout)
    after = read_dir(repo / "patches")
    assert after.pop("README") == b"not a patch"
    assert after == demo_patches


def test_checkout_is_deterministic(checkout, repo, tmp_path):
    other = tmp_path / "other"
    run_script(repo, "django-checkout", other)
    assert git("rev-parse", "HEAD", cwd=other) == git("rev-parse", "HEAD", cwd=checkout)
    # export-patches names this same release commit in base-commit, whatever
    # repository it exports from.
    base = git("rev-parse", VERSION, cwd=checkout)
    assert _tooling.canonical_base_commit(checkout, base, VERSION) == base


def test_export_from_hand_made_repository(checkout, repo, tmp_path, demo_patches):
    """A repository with another release commit exports the same bytes."""
    other = tmp_path / "hand-made"
    git("init", "-q", "-b", "work", other, cwd=tmp_path)
    archive = subprocess.run(
        ["git", "archive", VERSION], cwd=checkout, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", other], input=archive, check=True)
    git("add", "-A", cwd=other)
    git(
        "commit",
        "-qm",
        "pristine",
        cwd=other,
        env=author("X", "x@example.com", "2020-01-01T00:00:00+0000"),
    )
    git("tag", VERSION, cwd=other)
    git("fetch", "-q", checkout, "main", cwd=other)
    shas = git("rev-list", "--reverse", f"{VERSION}..HEAD~1", cwd=checkout)
    for sha in shas.splitlines():
        git(
            "cherry-pick",
            sha,
            cwd=other,
            env=author("Y", "y@example.com", "2020-01-01T00:00:00+0000"),
        )
    out = tmp_path / "out"
    # No branch description there and no cover letter in --patches DIR.
    proc = run_script(repo, "export-patches", other, "--patches", out, check=False)
    assert proc.returncode == 1
    assert "--edit-description" in proc.stderr
    # With one, its description is kept.
    out.mkdir()
    shutil.copy(repo / "patches/0000-cover-letter.patch", out)
    run_script(repo, "export-patches", other, "--patches", out)
    assert read_dir(out) == demo_patches


def test_export_picks_up_new_commits(checkout, repo):
    (checkout / "django/db/migrations/new_module.py").write_text("X = 1\n")
    git("add", "-A", cwd=checkout)
    # Commit on top of the overlay commit: must be moved before it first.
    git(
        "commit",
        "-qm",
        "Added a new module.",
        cwd=checkout,
        env=author("New Author", "new@example.com", "2026-02-01T00:00:00+0000"),
    )
    proc = run_script(repo, "export-patches", checkout, check=False)
    assert proc.returncode == 1
    assert "comes after the [overlay] commit" in proc.stderr
    # Drop the overlay commit and re-apply the new one.
    new = git("rev-parse", "HEAD", cwd=checkout)
    git("reset", "-q", "--hard", "HEAD~2", cwd=checkout)
    git(
        "cherry-pick",
        new,
        cwd=checkout,
        env=author("C", "c@example.com", "2026-02-02T00:00:00+0000"),
    )
    run_script(repo, "export-patches", checkout)
    names = sorted(p.name for p in (repo / "patches").iterdir())
    assert names[-1] == "0004-Added-a-new-module.patch"
    cover = (repo / "patches/0000-cover-letter.patch").read_text()
    assert "Subject: [PATCH 0/4] Schema changes from ModelState" in cover
    assert "Date: Sun, 1 Feb 2026 00:00:00 +0000" in cover
    # And the new series applies.
    dest = checkout.parent / "again"
    run_script(repo, "django-checkout", dest)
    assert subjects(dest)[-2:] == [
        "Added a new module.",
        "[overlay] Added django_tests_overlay.",
    ]


def test_upto(repo, tmp_path):
    dest = tmp_path / "upto"
    run_script(repo, "django-checkout", dest, "--upto", "1")
    assert subjects(dest) == [
        f"Django {VERSION}",
        "Fixed #29898 -- Added a demo attribute to ProjectState.",
    ]
    proc = run_script(repo, "export-patches", dest, check=False)
    assert proc.returncode == 1
    assert "--allow-partial" in proc.stderr
    assert len(list((repo / "patches").iterdir())) == 4  # untouched
    zero = tmp_path / "zero"
    run_script(repo, "django-checkout", zero, "--upto", "0")
    assert subjects(zero) == [f"Django {VERSION}"]
    # --upto the last patch is the whole series, overlay included.
    full = tmp_path / "full"
    run_script(repo, "django-checkout", full, "--upto", "3")
    assert subjects(full)[-1] == "[overlay] Added django_tests_overlay."


def test_no_overlay(repo, tmp_path):
    dest = tmp_path / "no-overlay"
    run_script(repo, "django-checkout", dest, "--no-overlay")
    assert subjects(dest)[-1] == "Renamed a module (demo)."


def test_missing_overlay_is_skipped(repo, tmp_path):
    shutil.rmtree(repo / "django_tests_overlay")
    dest = tmp_path / "plain"
    run_script(repo, "django-checkout", dest)
    assert subjects(dest)[-1] == "Renamed a module (demo)."


def test_broken_patch_names_patch_and_file(repo, tmp_path):
    patch = (
        repo / "patches/0002-schema-A-rather-long-subject-line-that-certainly-goe.patch"
    )
    text = patch.read_text()
    context = "         # migration, the migration is considered implicitly applied.\n"
    assert context in text
    patch.write_text(text.replace(context, context.replace("migration,", "migrashun,")))
    dest = tmp_path / "broken"
    proc = run_script(repo, "django-checkout", dest, check=False)
    assert proc.returncode != 0
    assert patch.name in proc.stderr
    assert "django/db/migrations/executor.py:" in proc.stderr
    # The am is aborted; the checkout stays at the previous patch.
    assert not (dest / ".git/rebase-apply").exists()
    assert (
        subjects(dest)[-1] == "Fixed #29898 -- Added a demo attribute to ProjectState."
    )


def test_conflicting_patch_names_patch_and_file(repo, tmp_path):
    # A second patch changing the line the first one changed: the 3-way
    # merge has the blobs and still conflicts.
    first = (
        repo / "patches/0001-Fixed-29898-Added-a-demo-attribute-to-ProjectState.patch"
    )
    conflicting = first.read_text().replace("demo_attribute = 1", "demo_attribute = 2")
    conflicting = conflicting.replace("[PATCH 1/3]", "[PATCH 4/4]")
    (repo / "patches/0004-Conflicting.patch").write_text(conflicting)
    dest = tmp_path / "conflict"
    proc = run_script(repo, "django-checkout", dest, check=False)
    assert proc.returncode != 0
    assert "0004-Conflicting.patch" in proc.stderr
    assert "django/db/migrations/state.py" in proc.stderr
    assert not (dest / ".git/rebase-apply").exists()


def test_refuses_non_empty_dest(repo, tmp_path):
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "file").write_text("x")
    proc = run_script(repo, "django-checkout", dest, check=False)
    assert proc.returncode != 0
    assert "--force" in proc.stderr
    assert (dest / "file").exists()
    run_script(repo, "django-checkout", dest, "--force", "--upto", "0")
    assert not (dest / "file").exists()
    # An empty directory is fine.
    empty = tmp_path / "empty"
    empty.mkdir()
    run_script(repo, "django-checkout", empty, "--upto", "0")


def test_export_without_description_falls_back_to_cover_letter(
    checkout, repo, demo_patches
):
    git("config", "--unset", "branch.main.description", cwd=checkout)
    run_script(repo, "export-patches", checkout)
    assert read_dir(repo / "patches") == demo_patches
    (repo / "patches/0000-cover-letter.patch").unlink()
    proc = run_script(repo, "export-patches", checkout, check=False)
    assert proc.returncode == 1
    assert "--edit-description" in proc.stderr


def test_help(repo):
    for name in ["django-checkout", "export-patches", "run-django-tests", "test"]:
        proc = run_script(repo, name, "--help")
        assert "usage:" in proc.stdout


# Helpers ----------------------------------------------------------------------


def test_read_cover_letter_round_trip(tmp_path, demo_patches):
    cover = tmp_path / "cover.patch"
    cover.write_bytes(demo_patches["0000-cover-letter.patch"])
    assert _tooling.read_cover_letter(cover) == DESCRIPTION


def test_describe_am_failure():
    output = (
        "error: patch failed: django/db/x.py:12\n"
        "error: django/db/x.py: patch does not apply\n"
        "Auto-merging django/db/y.py\n"
        "CONFLICT (content): Merge conflict in django/db/y.py\n"
    )
    assert _tooling.describe_am_failure(output) == [
        "django/db/x.py:12",
        "django/db/y.py (3-way merge conflict)",
    ]


def test_labels_for_test_files():
    labels = _tooling.labels_for_test_files(
        [
            "migrations/test_overlay.py",
            "model_fields/test_new.py",
            "model_fields/models.py",
            "modelstate_demo/__init__.py",
            "modelstate_demo/tests.py",
            "schema/sub/test_deep.py",
        ],
        stock_apps={"migrations", "model_fields", "schema"},
        covered=["migrations", "schema"],
    )
    assert labels == ["model_fields.test_new", "modelstate_demo"]


def test_overlay_labels_from_checkout(checkout):
    labels = _tooling.overlay_labels(checkout, covered=_tooling.DEFAULT_LABELS)
    assert labels == ["model_fields.test_overlay_fields", "modelstate_demo"]


@pytest.mark.parametrize(
    "lines, returncode, expected",
    [
        (["Ran 10 tests in 1.0s", "", "OK"], 0, (10, 0, 0)),
        (["Ran 10 tests in 1.0s", "", "OK (skipped=3)"], 0, (7, 0, 3)),
        (
            [
                "Ran 12 tests in 1.0s",
                "FAILED (failures=1, errors=2, skipped=3, expected failures=1)",
            ],
            1,
            (5, 3, 4),
        ),
        (["Traceback (most recent call last):", "ImportError: x"], 1, (0, 1, 0)),
        (["Ran 0 tests in 0.000s", "", "NO TESTS RAN"], 0, (0, 0, 0)),
    ],
)
def test_parse_unittest_output(lines, returncode, expected):
    counts = _tooling.parse_unittest_output(lines, returncode)
    assert (counts.passed, counts.failed, counts.skipped) == expected


def test_stamp_tracks_patches_and_overlay(repo, checkout):
    stamp = _tooling.read_stamp(checkout)
    desired = _tooling.desired_checkout_state(
        VERSION, repo / "patches", repo / "django_tests_overlay", None, True
    )
    assert _tooling.stamp_matches(stamp, desired)
    (repo / "django_tests_overlay/modelstate_demo/tests.py").write_text("# changed\n")
    desired = _tooling.desired_checkout_state(
        VERSION, repo / "patches", repo / "django_tests_overlay", None, True
    )
    assert not _tooling.stamp_matches(stamp, desired)
    desired = _tooling.desired_checkout_state(
        VERSION, repo / "patches", repo / "django_tests_overlay", 2, True
    )
    assert not _tooling.stamp_matches(stamp, desired)


@pytest.mark.skipif(
    os.environ.get("MODELSTATE_SLOW_TESTS") != "1",
    reason="set MODELSTATE_SLOW_TESTS=1 (creates a virtualenv)",
)
def test_run_django_tests_stock(repo):
    proc = run_script(repo, "run-django-tests", "--target", "stock", "migrate_signals")
    assert "runtests.py exited with 0" in proc.stdout


@pytest.fixture(scope="module")
def test_command_repo(tmp_path_factory):
    """A project copy with its own tests/, for scripts/test's first stage."""
    repo = make_repo(tmp_path_factory.mktemp("test-command") / "repo")
    shutil.copy2(REPO / "pyproject.toml", repo / "pyproject.toml")
    (repo / "tests").mkdir()
    return repo


def test_test_command_summary(test_command_repo):
    tests = test_command_repo / "tests"
    # No tests at all (pytest exit code 5) is not a failure.
    proc = run_script(
        test_command_repo, "test", "--skip-shim", "--skip-django", "--skip-fuzz"
    )
    assert proc.stdout.splitlines()[-1] == "0 passed, 0 failed"
    (tests / "test_a.py").write_text(
        "import pytest\n\n"
        "def test_ok():\n    pass\n\n"
        "def test_ok_too():\n    pass\n\n"
        "@pytest.mark.skip\ndef test_skipped():\n    pass\n\n"
        "def test_broken():\n    assert False\n"
    )
    proc = run_script(
        test_command_repo,
        "test",
        "--skip-shim",
        "--skip-django",
        "--skip-fuzz",
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1] == "2 passed, 1 failed"
    (tests / "test_a.py").unlink()


def test_database_settings_extend_the_release_test_settings(tmp_path, monkeypatch):
    """
    PostgreSQL and MariaDB settings are the release's tests/test_sqlite.py
    (e.g. Django 5.2's DEFAULT_AUTO_FIELD) with other DATABASES.
    """
    monkeypatch.setattr(_tooling, "BUILD_DIR", tmp_path / "build")
    tests_dir = tmp_path / "tests"
    tests_dir.mkdir()
    (tests_dir / "test_sqlite.py").write_text(
        'DATABASES = {"default": {}}\n'
        'DEFAULT_AUTO_FIELD = "django.db.models.AutoField"\n'
    )
    for db, engine in [
        ("postgresql", "django.db.backends.postgresql"),
        ("mysql", "django.db.backends.mysql"),
    ]:
        module, directory = _tooling.settings_module(db, "shim")
        code = (
            "import importlib, json; "
            f"settings = importlib.import_module({module!r}); "
            "print(json.dumps([settings.DEFAULT_AUTO_FIELD, settings.DATABASES]))"
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(tests_dir), str(directory)]),
        }
        output = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        auto_field, databases = json.loads(output)
        assert auto_field == "django.db.models.AutoField"
        assert databases["default"]["ENGINE"] == engine
        assert databases["default"]["NAME"] == "modelstate_shim"
        assert databases["other"]["NAME"] == "modelstate_shim_other"


def test_exclusive_makes_other_holders_wait(tmp_path):
    """
    While a tool holds exclusive() on a checkout, another process can't take
    the lock; once released, it can.
    """
    take_lock = (
        "import fcntl, sys\n"
        "with open(sys.argv[1], 'w') as fh:\n"
        "    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
    )
    checkout = tmp_path / "checkout"
    lock = str(_tooling.lock_file(checkout))
    with _tooling.exclusive(checkout):
        held = subprocess.run(
            [sys.executable, "-c", take_lock, lock], capture_output=True
        )
    released = subprocess.run([sys.executable, "-c", take_lock, lock])
    assert held.returncode != 0
    assert released.returncode == 0


def test_series_adds_no_binary_files():
    """
    No patch of the series carries a binary file, e.g. a coverage data file
    that Django's runtests.py left in the checkout when it was committed.
    """
    for _, patch in _tooling.list_patches(_tooling.PATCHES_DIR):
        assert "GIT binary patch" not in patch.read_text(), patch.name
