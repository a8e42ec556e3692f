"""
Shared helpers for the scripts in this directory.

The scripts are plain executables (``scripts/django-checkout`` ...) that import
this module from their own directory. Everything here must run on Python 3.11:
only the Django test runs themselves use Python >= 3.12 (in virtualenvs).

Layout (REPO is the parent of this directory):

- REPO/patches/                 the patch series (``git format-patch`` output)
- REPO/django_tests_overlay/     extra test files, mirrors Django's tests/ tree
- REPO/build/checkout-X.Y.Z     patched Django checkout (scripts/django-checkout)
- REPO/build/stock-X.Y.Z        pristine extracted sdist
- REPO/build/settings/          generated Django test settings modules
- REPO/.venvs/<name>            virtualenvs (stock, patched, tooling)
- ${XDG_CACHE_HOME:-~/.cache}/modelstate-migrate/sdists   downloaded sdists
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from contextlib import contextmanager
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VERSION = "6.1.3"
PATCHES_DIR = REPO / "patches"
OVERLAY_DIR = REPO / "django_tests_overlay"
BUILD_DIR = REPO / "build"
VENVS_DIR = REPO / ".venvs"

COVER_LETTER = "0000-cover-letter.patch"
PATCH_RE = re.compile(r"^(\d{4})-.+\.patch$")
OVERLAY_SUBJECT = "[overlay] Added django_tests_overlay."
OVERLAY_PREFIX = "[overlay]"
CHECKOUT_BRANCH = "main"
STAMP_NAME = "modelstate-checkout.json"

# Fixed identity for the commits the tooling makes itself (pristine release,
# overlay) and for the committer of applied patches, so that checkouts are
# reproducible down to the commit ids.
TOOL_NAME = "modelstate-migrate tooling"
TOOL_EMAIL = "tooling@modelstate-migrate.invalid"
DJANGO_AUTHOR_NAME = "Django Software Foundation"
DJANGO_AUTHOR_EMAIL = "foundation@djangoproject.com"

# DESIGN.md section 6.
DEFAULT_LABELS = [
    "migrations",
    "migrations2",
    "migrate_signals",
    "migration_test_data_persistence",
    "schema",
    "backends",
    "contenttypes_tests",
    "auth_tests.test_migrations",
    "auth_tests.test_management",
]
POSTGRES_LABELS = ["postgres_tests"]
DATABASES = ("sqlite", "postgresql", "mysql")
SHIM_DIR = REPO / "shim"
# The stand-in logic the series adds to Django, and the shim's copy of it.
SERIES_STAND_INS = "django/db/migrations/stand_ins.py"
SHIM_STAND_INS = SHIM_DIR / "src" / "modelstate_migrate" / "stand_ins.py"
# Runs tests/runtests.py with the shim installed (scripts/run-django-tests
# --target shim).
SHIM_RUNTESTS = REPO / "scripts" / "shim_runtests.py"
# Django releases the shim is tested on by scripts/test, each with a Python
# (major, minor) it supports; tox.ini has the full matrix.
SHIM_DJANGO_MATRIX = [("5.2.19", (3, 11)), ("6.0.10", (3, 12)), ("6.1.3", (3, 12))]
# The shim's own test requirements (also in shim/pyproject.toml's test extra).
SHIM_REQUIREMENTS = {
    "pytest>=8": "pytest",
    "pytest-django>=4.9": "pytest_django",
    "coverage>=7.4": "coverage",
}

# What the test venvs get besides Django itself (a minimal subset of Django's
# tests/requirements/py3.txt that matters for the labels above and the
# extended set of DESIGN.md section 6; the other tests are skipped when their
# optional dependency is missing).
BASE_REQUIREMENTS = {
    # requirement: module to import to check it is there
    "asgiref>=3.9.1": "asgiref",
    "sqlparse>=0.5.0": "sqlparse",
    "tblib>=3.0.0": "tblib",  # tracebacks from parallel test workers
    "PyYAML>=6.0.2": "yaml",  # serializer tests (composite_pk, ...)
    "Pillow>=10.1.0": "PIL",  # ImageField tests (model_fields)
    "black": "black",  # makemigrations formats with black when on PATH
}
DB_REQUIREMENTS = {
    "sqlite": {},
    "postgresql": {
        "psycopg[binary]>=3.1.12": "psycopg",
        "psycopg-pool>=3.2.0": "psycopg_pool",  # backends.postgresql
    },
    "mysql": {"mysqlclient>=2.2.1": "MySQLdb"},
    # No server here: scripts/fuzz --db oracle generates SQL offline.
    "oracle": {"oracledb>=2.3.0": "oracledb"},
}


class ToolError(Exception):
    """An error to report to the user without a traceback."""


def main_wrapper(main):
    """Run main(), turning ToolError/KeyboardInterrupt into exit codes."""
    prog = Path(sys.argv[0]).name
    try:
        code = main()
    except ToolError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code or 0)


def info(msg):
    print(msg, flush=True)


def warn(msg):
    prog = Path(sys.argv[0]).name
    print(f"{prog}: warning: {msg}", file=sys.stderr, flush=True)


def shell_quote(args):
    import shlex

    return " ".join(shlex.quote(str(a)) for a in args)


# Git ------------------------------------------------------------------------


def git_env(extra=None):
    """
    Environment for git commands whose output must not depend on the user's
    configuration (~/.gitconfig, /etc/gitconfig) or locale.
    """
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("GIT_") and key not in ("GIT_EXEC_PATH",):
            del env[key]
    env.update(
        {
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            # Read-only commands (status) must not refresh the index.
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_EDITOR": "true",
            "GIT_PAGER": "cat",
            "LC_ALL": "C",
            "LANGUAGE": "C",
            "TZ": "UTC",
        }
    )
    if extra:
        env.update(extra)
    return env


def git(*args, cwd, env=None, check=True, capture=True, input=None, merge=False):
    """
    Run git; return its CompletedProcess (stdout/stderr as text; with merge,
    stderr goes to stdout).
    """
    cmd = ["git", *[str(a) for a in args]]
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=git_env(env),
        input=input,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=(subprocess.STDOUT if merge else subprocess.PIPE) if capture else None,
        stdin=None if input is not None else subprocess.DEVNULL,
    )
    if check and proc.returncode:
        output = ((proc.stdout or "") + (proc.stderr or "")).strip()
        raise ToolError(
            f"command failed ({proc.returncode}) in {cwd}: {shell_quote(cmd)}"
            + (f"\n{indent(output)}" if output else "")
        )
    return proc


def git_out(*args, cwd, env=None, input=None):
    return git(*args, cwd=cwd, env=env, input=input).stdout.strip()


def indent(text, prefix="    "):
    return "\n".join(prefix + line for line in text.splitlines())


def tool_identity_env(date):
    """Author and committer identity/date for commits made by the tooling."""
    return {
        "GIT_AUTHOR_NAME": TOOL_NAME,
        "GIT_AUTHOR_EMAIL": TOOL_EMAIL,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": TOOL_NAME,
        "GIT_COMMITTER_EMAIL": TOOL_EMAIL,
        "GIT_COMMITTER_DATE": date,
    }


def is_git_repo(path):
    return (Path(path) / ".git").exists()


def tracked_changes(path, ignore=("Django.egg-info/",)):
    """Return `git status --porcelain` lines for tracked files, minus ignored."""
    out = git(
        "status", "--porcelain", "--untracked-files=no", cwd=path
    ).stdout.splitlines()
    return [line for line in out if not line[3:].startswith(tuple(ignore))]


# sdists -----------------------------------------------------------------------


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "modelstate-migrate" / "sdists"


def find_cached_sdist(version):
    directory = cache_dir()
    if not directory.is_dir():
        return None
    wanted = f"django-{version}.tar.gz"
    for entry in sorted(directory.iterdir()):
        if entry.name.lower() == wanted and entry.is_file():
            return entry
    return None


def find_python(min_version=(3, 12)):
    """
    Find an interpreter that can install Django 6.x: $MODELSTATE_PYTHON,
    pyenv's 3.12.1/3.13.0, or python3.12/python3.13 on PATH.
    """
    candidates = []
    if os.environ.get("MODELSTATE_PYTHON"):
        candidates.append(os.environ["MODELSTATE_PYTHON"])
    if sys.version_info[:2] >= min_version:
        candidates.append(sys.executable)
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    for version in ("3.12.1", "3.13.0"):
        candidates.append(os.path.join(pyenv_root, "versions", version, "bin/python"))
    for name in ("python3.12", "python3.13"):
        found = shutil.which(name)
        if found:
            candidates.append(found)
    for candidate in candidates:
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        proc = subprocess.run(
            [candidate, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if proc.returncode == 0:
            found_version = tuple(int(x) for x in proc.stdout.split())
            if found_version >= min_version:
                return candidate
    raise ToolError(
        "no Python >= %s found (tried %s); set MODELSTATE_PYTHON"
        % (".".join(map(str, min_version)), ", ".join(c for c in candidates if c))
    )


def find_python_version(version):
    """Find a Python of exactly version (major, minor): pyenv's, or on PATH."""
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = sorted(
        Path(pyenv_root, "versions").glob("%d.%d.*/bin/python" % version), reverse=True
    )
    found = shutil.which("python%d.%d" % version)
    for candidate in [*candidates, *([found] if found else [])]:
        if python_version(candidate) == tuple(version):
            return str(candidate)
    raise ToolError("no Python %d.%d found (pyenv or PATH)" % tuple(version))


def ensure_sdist(version):
    """Return the path of the Django sdist, downloading it with pip if needed."""
    cached = find_cached_sdist(version)
    if cached:
        return cached
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    python = find_python()
    info(f"Downloading Django {version} sdist into {directory} ...")
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        cmd = [
            python,
            "-m",
            "pip",
            "download",
            "--no-binary",
            ":all:",
            "--no-deps",
            f"Django=={version}",
            "-d",
            tmp,
        ]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        downloaded = [
            p
            for p in Path(tmp).iterdir()
            if p.name.lower() == f"django-{version}.tar.gz"
        ]
        if proc.returncode or not downloaded:
            raise ToolError(
                f"could not download the Django {version} sdist:\n"
                + indent((proc.stdout + proc.stderr).strip())
            )
        target = directory / downloaded[0].name
        os.replace(downloaded[0], target)
    return target


def extract_sdist(sdist, dest):
    """
    Extract the sdist's single top-level directory into dest (which must not
    exist or be empty). Return the newest member mtime (the release time).
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    newest = 0
    with tarfile.open(sdist) as tar:
        members = tar.getmembers()
        tops = {m.name.split("/", 1)[0] for m in members}
        if len(tops) != 1:
            raise ToolError(f"{sdist}: expected a single top-level directory")
        top = tops.pop()
        selected = []
        for member in members:
            newest = max(newest, int(member.mtime))
            if member.name == top:
                continue
            member.name = member.name[len(top) + 1 :]
            selected.append(member)
        tar.extractall(dest, members=selected, filter="data")
    return newest


def sdist_release_mtime(sdist):
    """The newest member mtime of the sdist: the date of the release commit."""
    with tarfile.open(sdist) as tar:
        return max(int(m.mtime) for m in tar.getmembers())


def release_commit_object(tree, version, mtime):
    """The commit object django-checkout makes for the pristine release."""
    return (
        f"tree {tree}\n"
        f"author {DJANGO_AUTHOR_NAME} <{DJANGO_AUTHOR_EMAIL}> {mtime} +0000\n"
        f"committer {TOOL_NAME} <{TOOL_EMAIL}> {mtime} +0000\n"
        f"\n"
        f"Django {version}\n"
    )


def canonical_base_commit(src, base, version):
    """
    The id django-checkout gives the release commit with base's tree. The
    cover letter's base-commit uses it, so exporting the same series from any
    repository (a checkout, or a hand-made one whose release commit has
    another date or author) gives the same bytes.
    """
    tree = git_out("rev-parse", f"{base}^{{tree}}", cwd=src)
    mtime = sdist_release_mtime(ensure_sdist(version))
    return git_out(
        "hash-object",
        "-t",
        "commit",
        "--stdin",
        cwd=src,
        input=release_commit_object(tree, version, mtime),
    )


def ensure_release_repo(version):
    """
    Return a bare repository in the cache holding the pristine release as one
    commit ("Django X.Y.Z", tagged X.Y.Z, on branch main), made from the sdist
    once; checkouts are cloned from it, which is much faster than extracting
    and hashing the sdist every time. The commit is reproducible: fixed
    identities and the release's date.
    """
    repo = cache_dir().parent / "repos" / f"django-{version}.git"
    if (repo / "modelstate-release-ok").exists():
        return repo
    sdist = ensure_sdist(version)
    repo.parent.mkdir(parents=True, exist_ok=True)
    info(f"Making {repo} from {sdist.name} ...")
    with tempfile.TemporaryDirectory(dir=repo.parent) as tmp:
        work, gitdir = Path(tmp) / "work", Path(tmp) / "repo.git"
        mtime = extract_sdist(sdist, work)
        git(
            "init",
            "--quiet",
            "--bare",
            "--initial-branch",
            CHECKOUT_BRANCH,
            gitdir,
            cwd=tmp,
        )
        env = {"GIT_DIR": str(gitdir), "GIT_WORK_TREE": str(work)}
        git("add", "--all", "--force", ".", cwd=work, env=env)
        git(
            "-c",
            "core.autocrlf=false",
            "commit",
            "--quiet",
            "--no-verify",
            "--message",
            f"Django {version}",
            cwd=work,
            env={
                **env,
                **tool_identity_env(f"@{mtime} +0000"),
                "GIT_AUTHOR_NAME": DJANGO_AUTHOR_NAME,
                "GIT_AUTHOR_EMAIL": DJANGO_AUTHOR_EMAIL,
            },
        )
        git("tag", version, cwd=work, env=env)
        (gitdir / "index").unlink()
        git("repack", "-a", "-d", "-q", cwd=gitdir)
        git("prune-packed", cwd=gitdir)
        (gitdir / "modelstate-release-ok").write_text(f"{sdist.name}\n")
        if repo.exists():
            shutil.rmtree(repo)  # incomplete
        try:
            gitdir.rename(repo)
        except OSError:  # made concurrently
            if not (repo / "modelstate-release-ok").exists():
                raise
    return repo


# Patch series -----------------------------------------------------------------


def list_patches(patches_dir):
    """Return [(number, path)] of the patch files, cover letter excluded."""
    patches_dir = Path(patches_dir)
    if not patches_dir.is_dir():
        return []
    found = []
    for entry in sorted(patches_dir.iterdir()):
        match = PATCH_RE.match(entry.name)
        if not match or entry.name == COVER_LETTER or not entry.is_file():
            continue
        found.append((int(match.group(1)), entry))
    numbers = [n for n, _ in found]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise ToolError(
            f"{patches_dir}: several patches numbered "
            + ", ".join(f"{n:04d}" for n in duplicates)
        )
    if 0 in numbers:
        raise ToolError(f"{patches_dir}: patch 0000 must be the cover letter")
    return found


def patches_digest(patches_dir):
    """Hash of the patch series (names and contents, cover letter included)."""
    digest = hashlib.sha256()
    patches_dir = Path(patches_dir)
    if patches_dir.is_dir():
        for entry in sorted(patches_dir.iterdir()):
            if PATCH_RE.match(entry.name) and entry.is_file():
                digest.update(entry.name.encode() + b"\0")
                digest.update(entry.read_bytes() + b"\0")
    return digest.hexdigest()


def overlay_files(overlay_dir):
    """Relative paths (as strings) of the overlay's files, sorted."""
    overlay_dir = Path(overlay_dir)
    if not overlay_dir.is_dir():
        return []
    files = []
    for root, dirs, names in os.walk(overlay_dir):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".pytest_cache"))
        for name in sorted(names):
            if name.endswith((".pyc", ".pyo")) or name in (".DS_Store",):
                continue
            path = Path(root, name)
            files.append(path.relative_to(overlay_dir).as_posix())
    return sorted(files)


def overlay_digest(overlay_dir):
    digest = hashlib.sha256()
    for rel in overlay_files(overlay_dir):
        digest.update(rel.encode() + b"\0")
        digest.update((Path(overlay_dir) / rel).read_bytes() + b"\0")
    return digest.hexdigest()


SHORTLOG_HEADER_RE = re.compile(r"^\S.* \((\d+)\):$")
DIFFSTAT_SUMMARY_RE = re.compile(r"^ \d+ files? changed")


def _strip_cover_tail(lines):
    """
    Remove what format-patch appends to the cover letter body after the
    description: the shortlog, the diffstat and base-commit/prerequisite lines.
    """
    end = len(lines)
    # base-commit / prerequisite-patch-id trailer.
    while end and (
        not lines[end - 1].strip()
        or lines[end - 1].startswith(("base-commit: ", "prerequisite-patch-id: "))
    ):
        end -= 1
    # Diffstat: lines starting with a space, containing the summary line.
    start = end
    while start and lines[start - 1].startswith(" "):
        start -= 1
    if any(DIFFSTAT_SUMMARY_RE.match(line) for line in lines[start:end]):
        end = start
    # Shortlog blocks: "Author (n):" followed by indented subjects.
    while end and not lines[end - 1].strip():
        end -= 1
    cut = None
    while True:
        start = end
        while start and lines[start - 1].startswith("  "):
            start -= 1
        if start == end or not start:
            break
        match = SHORTLOG_HEADER_RE.match(lines[start - 1])
        if not match or end - start < int(match.group(1)):
            break
        cut = start - 1
        end = cut
        while end and not lines[end - 1].strip():
            end -= 1
    if cut is None:
        return lines
    return lines[:cut]


def read_cover_letter(path):
    """
    Return the series description (subject, blank line, body) from a cover
    letter written by `git format-patch --cover-from-description=subject`.
    """
    message = message_from_bytes(Path(path).read_bytes(), policy=email_policy.default)
    subject = str(message.get("subject", "")).strip()
    subject = re.sub(r"^\[[^\]]*PATCH[^\]]*\]\s*", "", subject)
    subject = re.sub(r"\s+", " ", subject)
    try:
        body = message.get_content()
    except (KeyError, LookupError):
        body = message.get_payload(decode=True).decode("utf-8", "replace")
    lines = _strip_cover_tail(body.splitlines())
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if "*** SUBJECT HERE ***" in subject or not subject:
        return None
    if lines == ["*** BLURB HERE ***"]:
        lines = []
    description = subject
    if lines:
        description += "\n\n" + "\n".join(lines)
    return description


# Checkouts --------------------------------------------------------------------


def stamp_path(checkout):
    return Path(checkout) / ".git" / STAMP_NAME


def read_stamp(checkout):
    try:
        return json.loads(stamp_path(checkout).read_text())
    except (OSError, ValueError):
        return None


def write_stamp(checkout, stamp):
    path = stamp_path(checkout)
    path.write_text(json.dumps(stamp, indent=2, sort_keys=True) + "\n")


def desired_checkout_state(version, patches_dir, overlay_dir, upto, use_overlay):
    """The stamp fields a checkout with these parameters must have."""
    patches = list_patches(patches_dir)
    selected = [p for n, p in patches if upto is None or n <= upto]
    complete = len(selected) == len(patches)
    with_overlay = bool(use_overlay and complete and overlay_files(overlay_dir))
    return {
        "version": version,
        "patches_digest": patches_digest(patches_dir),
        "applied": [p.name for p in selected],
        "complete": complete,
        "overlay": with_overlay,
        "overlay_digest": overlay_digest(overlay_dir) if with_overlay else None,
    }


STATE_KEYS = (
    "version",
    "patches_digest",
    "applied",
    "complete",
    "overlay",
    "overlay_digest",
)


def stamp_matches(stamp, desired):
    return bool(stamp) and all(stamp.get(k) == desired[k] for k in STATE_KEYS)


def check_dest(dest, force):
    """Make sure dest can be (re)created; delete it when forced."""
    dest = Path(dest).resolve()
    if not dest.exists():
        return
    if not dest.is_dir():
        raise ToolError(f"{dest} exists and is not a directory")
    if not any(dest.iterdir()):
        return
    if not force:
        raise ToolError(f"{dest} exists and is not empty (use --force to replace it)")
    protected = {Path("/"), Path.home().resolve(), REPO, *REPO.parents}
    if dest in protected or REPO.is_relative_to(dest):
        raise ToolError(f"refusing to delete {dest}")
    shutil.rmtree(dest)


GIT_ERROR_PATTERNS = [
    # (regex, description); group "path" is the file, "line" the hunk line.
    (re.compile(r"^error: patch failed: (?P<path>.+):(?P<line>\d+)$"), "hunk"),
    (re.compile(r"^CONFLICT \([^)]*\): .*? in (?P<path>\S+)$"), "conflict"),
    (re.compile(r"^error: (?P<path>.+): patch does not apply$"), "no-apply"),
    (re.compile(r"^error: (?P<path>.+): does not exist in index$"), "missing"),
    (
        re.compile(
            r"^error: (?P<path>.+): already exists in (?:index|working directory)$"
        ),
        "exists",
    ),
    (
        re.compile(
            r"^error: sha1 information is lacking or useless \((?P<path>.+)\)\.$"
        ),
        "sha1",
    ),
    (re.compile(r"^error: (?P<path>[^:\s]+): No such file or directory$"), "missing"),
    (re.compile(r"^error: corrupt patch at line (?P<line>\d+)$"), "corrupt"),
]


def describe_am_failure(output):
    """
    Return where git am / git apply output says a patch failed: "path:line"
    of hunks that do not apply, "path (3-way merge conflict)", ...
    """
    locations = []
    for line in output.splitlines():
        line = line.strip()
        for regex, kind in GIT_ERROR_PATTERNS:
            match = regex.match(line)
            if not match:
                continue
            groups = match.groupdict()
            path = groups.get("path")
            where = path or ""
            if groups.get("line"):
                where = f"{path}:{groups['line']}" if path else f"line {groups['line']}"
            if kind == "conflict":
                where = f"{path} (3-way merge conflict)"
            elif kind == "corrupt":
                where = f"(corrupt patch at line {groups['line']})"
            if where and where not in locations:
                locations.append(where)
            break
    # "path:line" and "path (3-way merge conflict)" make one entry.
    merged = []
    for where in locations:
        path = where.split(" (")[0]
        if any(other.startswith(path + ":") for other in locations if other != where):
            if where.endswith("(3-way merge conflict)"):
                merged = [
                    (
                        f"{other} (3-way merge conflict)"
                        if other.startswith(path + ":")
                        else other
                    )
                    for other in merged
                ]
            continue
        merged.append(where)
    return merged


def apply_patch(dest, patch, number):
    """Apply one patch with git am -3; raise ToolError naming patch and file."""
    patch = Path(patch).resolve()
    proc = git(
        "am",
        "-3",
        "--keep-cr",
        "--keep-non-patch",
        "--committer-date-is-author-date",
        "--whitespace=nowarn",
        patch,
        cwd=dest,
        env={"GIT_COMMITTER_NAME": TOOL_NAME, "GIT_COMMITTER_EMAIL": TOOL_EMAIL},
        check=False,
        merge=True,
    )
    if proc.returncode == 0:
        return
    output = proc.stdout.strip()
    git("am", "--abort", cwd=dest, check=False)
    # With -3, git am only names the conflicting file; `git apply --check`
    # names the hunk that does not apply (file:line).
    check = git("apply", "--check", patch, cwd=dest, check=False, merge=True)
    locations = describe_am_failure(check.stdout + "\n" + output)
    where = ", ".join(locations) if locations else "(no file named by git am)"
    raise ToolError(
        f"patch {patch.name} does not apply: failing hunk in {where}\n"
        f"{dest} is left at the commit of the previous patch.\n"
        f"git am said:\n{indent(output)}"
    )


def make_checkout(
    dest,
    version=DEFAULT_VERSION,
    patches_dir=PATCHES_DIR,
    overlay_dir=OVERLAY_DIR,
    upto=None,
    use_overlay=True,
    force=False,
    quiet=False,
):
    """Create the git checkout dest: pristine release + patches + overlay."""
    say = (lambda msg: None) if quiet else info
    dest = Path(dest).resolve()
    patches_dir = Path(patches_dir).resolve()
    overlay_dir = Path(overlay_dir).resolve()
    if upto is not None and upto < 0:
        raise ToolError("--upto must be >= 0")
    patches = list_patches(patches_dir)
    desired = desired_checkout_state(
        version, patches_dir, overlay_dir, upto, use_overlay
    )
    check_dest(dest, force)
    started = time.monotonic()
    dest.parent.mkdir(parents=True, exist_ok=True)

    release = ensure_release_repo(version)
    say(f"Cloning Django {version} from {release} into {dest} ...")
    git("clone", "--quiet", "--local", release, dest, cwd=dest.parent)
    git("remote", "remove", "origin", cwd=dest)
    for key, value in [
        ("core.autocrlf", "false"),
        ("core.safecrlf", "false"),
        ("user.name", TOOL_NAME),
        ("user.email", TOOL_EMAIL),
    ]:
        git("config", key, value, cwd=dest)
    exclude = dest / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    exclude.write_text("__pycache__/\n*.py[cod]\n.pytest_cache/\n")
    stamp = {
        **desired,
        "applied": [],
        "complete": False,
        "overlay": False,
        "overlay_digest": None,
        "state": "building",
        "patches_dir": str(patches_dir),
    }
    write_stamp(dest, stamp)

    cover = patches_dir / COVER_LETTER
    if cover.is_file():
        description = read_cover_letter(cover)
        if description:
            git(
                "config",
                f"branch.{CHECKOUT_BRANCH}.description",
                description + "\n",
                cwd=dest,
            )

    for number, patch in patches:
        if upto is not None and number > upto:
            break
        say(f"Applying {patch.name}")
        apply_patch(dest, patch, number)
        stamp["applied"].append(patch.name)
        write_stamp(dest, stamp)

    if desired["overlay"]:
        files = overlay_files(overlay_dir)
        say(f"Copying {len(files)} overlay files from {overlay_dir} into tests/")
        for rel in files:
            target = dest / "tests" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(overlay_dir / rel, target)
        git("add", "--force", "--", *[f"tests/{rel}" for rel in files], cwd=dest)
        if git("diff", "--cached", "--quiet", cwd=dest, check=False).returncode:
            date = git_out("log", "-1", "--format=%cd", "--date=raw", cwd=dest)
            git(
                "commit",
                "--quiet",
                "--no-verify",
                "--message",
                OVERLAY_SUBJECT,
                cwd=dest,
                env=tool_identity_env(date),
            )
    stamp.update(desired)
    stamp["state"] = "ok"
    stamp["head"] = git_out("rev-parse", "HEAD", cwd=dest)
    write_stamp(dest, stamp)
    say(
        f"{dest}: Django {version} + {len(desired['applied'])} of {len(patches)}"
        f" patches{' + overlay' if desired['overlay'] else ''}"
        f" ({time.monotonic() - started:.1f}s)"
    )
    return stamp


# Export -----------------------------------------------------------------------


def format_patch_options():
    """Options that make git format-patch output independent of config."""
    return [
        "--zero-commit",
        "--no-signature",
        "--cover-letter",
        "--cover-from-description=subject",
        "--full-index",
        "--find-renames",
        "--unified=3",
        "--diff-algorithm=myers",
        "--indent-heuristic",
        "--no-relative",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--no-color",
        "--no-thread",
        "--no-signoff",
        "--no-attach",
        "--filename-max-length=64",
        "--encode-email-headers",
        "--quiet",
    ]


def series_commits(src, base, ref="HEAD"):
    """
    Return (patch commits, overlay commits) of src's ref after base, oldest
    first, as (sha, subject) pairs. Overlay commits must come last.
    """
    log = git_out(
        "log",
        "--reverse",
        "--first-parent",
        "--format=%H %P%x00%s",
        f"{base}..{ref}",
        cwd=src,
    )
    patches, overlays = [], []
    for line in log.splitlines():
        shas, subject = line.split("\0", 1)
        sha, *parents = shas.split()
        if len(parents) > 1:
            raise ToolError(f"{src}: merge commit {sha[:12]} cannot be exported")
        if subject.startswith(OVERLAY_PREFIX):
            overlays.append((sha, subject))
        elif overlays:
            raise ToolError(
                f"{src}: commit {sha[:12]} ({subject!r}) comes after the"
                f" [overlay] commit; move the overlay commit last or drop it"
                f" (git -C {src} rebase -i {base})"
            )
        else:
            patches.append((sha, subject))
    return patches, overlays


def branch_description(src):
    branch = git("symbolic-ref", "--quiet", "--short", "HEAD", cwd=src, check=False)
    names = [branch.stdout.strip()] if branch.returncode == 0 else []
    names.append(CHECKOUT_BRANCH)
    for name in names:
        proc = git(
            "config", "--get", f"branch.{name}.description", cwd=src, check=False
        )
        if proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.strip("\n")
    return None


def export_patches(
    src, out_dir=PATCHES_DIR, version=None, description=None, allow_partial=False
):
    """Regenerate out_dir's patch files from the checkout src."""
    src = Path(src).resolve()
    out_dir = Path(out_dir).resolve()
    if not is_git_repo(src):
        raise ToolError(f"{src} is not a git checkout")
    stamp = read_stamp(src)
    if version is None:
        version = (stamp or {}).get("version") or DEFAULT_VERSION
    base = git(
        "rev-parse",
        "--verify",
        "--quiet",
        f"refs/tags/{version}^{{commit}}",
        cwd=src,
        check=False,
    ).stdout.strip()
    if not base:
        raise ToolError(f"{src} has no tag {version} (the pristine release)")
    if stamp and not stamp.get("complete") and not allow_partial:
        raise ToolError(
            f"{src} was created with only {len(stamp.get('applied', []))} patches"
            f" (--upto); exporting it would delete the later patches from"
            f" {out_dir}. Use --allow-partial if that is what you want."
        )
    patches, overlays = series_commits(src, base)
    changes = tracked_changes(src)
    if changes:
        warn(
            f"{src} has uncommitted changes, which are not exported:\n"
            + indent("\n".join(changes))
        )
    if description is None:
        description = branch_description(src)
    if description is None and (out_dir / COVER_LETTER).is_file():
        description = read_cover_letter(out_dir / COVER_LETTER)
    if not description:
        raise ToolError(
            f"no series description: set one with"
            f" `git -C {src} branch --edit-description` (first paragraph ="
            f" cover letter subject, the rest = its body) or --description-file"
        )
    if not patches:
        raise ToolError(f"{src} has no commits after {version}; nothing to export")
    tip, _ = patches[-1]
    last_date = git_out("log", "-1", "--format=%ad", "--date=raw", tip, cwd=src)
    last_name = git_out("log", "-1", "--format=%an", tip, cwd=src)
    last_email = git_out("log", "-1", "--format=%ae", tip, cwd=src)
    objects = git_out(
        "rev-parse", "--path-format=absolute", "--git-path", "objects", cwd=src
    )

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="export-patches-") as tmp:
        # A scratch repository borrowing src's objects: format-patch needs a
        # branch carrying the description, and src must not be modified.
        scratch = Path(tmp) / "repo.git"
        git("init", "--quiet", "--bare", scratch, cwd=tmp)
        (scratch / "objects" / "info" / "alternates").write_text(objects + "\n")
        git("update-ref", "refs/heads/series", tip, cwd=scratch)
        output = Path(tmp) / "out"
        git(
            "format-patch",
            *format_patch_options(),
            f"--base={base}",
            "-o",
            output,
            f"{base}..series",
            cwd=scratch,
            env={
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": "branch.series.description",
                "GIT_CONFIG_VALUE_0": description + "\n",
                # The cover letter's From and Date come from the committer
                # identity: pin them to the series' last patch.
                "GIT_COMMITTER_NAME": last_name,
                "GIT_COMMITTER_EMAIL": last_email,
                "GIT_COMMITTER_DATE": last_date,
            },
        )
        new_files = sorted(output.iterdir())
        cover = output / COVER_LETTER
        canonical = canonical_base_commit(src, base, version)
        text = cover.read_bytes()
        marker = f"\nbase-commit: {base}\n".encode()
        if marker not in text:
            raise ToolError(f"no base-commit line in the generated {COVER_LETTER}")
        cover.write_bytes(
            text.replace(marker, f"\nbase-commit: {canonical}\n".encode())
        )
        for entry in sorted(out_dir.iterdir()):
            if PATCH_RE.match(entry.name) and entry.is_file():
                entry.unlink()
        for entry in new_files:
            shutil.copyfile(entry, out_dir / entry.name)
    if (
        stamp
        and stamp.get("state") == "ok"
        and Path(stamp.get("patches_dir", "")) == out_dir
    ):
        # The checkout now is what the exported series produces.
        stamp["patches_digest"] = patches_digest(out_dir)
        stamp["applied"] = [e.name for e in new_files if e.name != COVER_LETTER]
        stamp["head"] = git_out("rev-parse", "HEAD", cwd=src)
        write_stamp(src, stamp)
    return [out_dir / e.name for e in new_files], overlays


# Trees to test ----------------------------------------------------------------


def default_checkout_dir(version=DEFAULT_VERSION):
    return BUILD_DIR / f"checkout-{version}"


def stock_dir(version=DEFAULT_VERSION):
    return BUILD_DIR / f"stock-{version}"


def ensure_stock(version=DEFAULT_VERSION):
    """
    Return the pristine extracted sdist tree, extracting it when missing.
    The tree is extracted beside its final place and renamed, so concurrent
    users never see half a tree.
    """
    dest = stock_dir(version)
    if (dest / "django" / "__init__.py").exists() and (
        dest / "tests" / "runtests.py"
    ).exists():
        return dest
    sdist = ensure_sdist(version)
    info(f"Extracting {sdist.name} into {dest} ...")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as scratch:
        tree = Path(scratch) / "tree"
        extract_sdist(sdist, tree)
        if dest.exists():
            shutil.rmtree(dest)  # an incomplete tree
        try:
            tree.rename(dest)
        except OSError:
            if not (dest / "tests" / "runtests.py").exists():
                raise
    return dest


def ensure_shim_tree(version=DEFAULT_VERSION):
    """
    Return REPO/build/shim-X.Y.Z: the pristine release with
    django_tests_overlay/ copied into tests/, for testing the shim with
    stock Django. The overlay is copied afresh on each call.
    """
    dest = BUILD_DIR / f"shim-{version}"
    if not (dest / "tests" / "runtests.py").exists():
        stock = ensure_stock(version)
        info(f"Copying {stock} to {dest} ...")
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(stock, dest, symlinks=True)
    for rel in overlay_files(OVERLAY_DIR):
        target = dest / "tests" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(OVERLAY_DIR / rel, target)
    return dest


def shim_overlay_labels(version=DEFAULT_VERSION, covered=()):
    """Labels for the overlay's tests in a shim tree."""
    stock_apps = {path.name for path in (stock_dir(version) / "tests").iterdir()}
    return labels_for_test_files(overlay_files(OVERLAY_DIR), stock_apps, list(covered))


def checkout_has_local_work(checkout, stamp):
    """
    Describe work in a managed checkout that re-creating it would destroy
    (uncommitted changes, commits not made by django-checkout), or None.
    """
    changes = tracked_changes(checkout)
    if changes:
        return "uncommitted changes:\n" + indent("\n".join(changes))
    tip = git(
        "rev-parse",
        "--verify",
        "--quiet",
        f"refs/heads/{CHECKOUT_BRANCH}",
        cwd=checkout,
        check=False,
    ).stdout.strip()
    if stamp.get("head") and tip != stamp["head"]:
        return (
            f"branch {CHECKOUT_BRANCH} is at {tip[:12] or '(missing)'}, not at"
            f" {stamp['head'][:12]} where django-checkout left it (commits not"
            f" exported to patches/?)"
        )
    return None


def restore_branch(checkout):
    """Go back to the checkout's branch after an interrupted --each-patch."""
    head = git("symbolic-ref", "--quiet", "HEAD", cwd=checkout, check=False)
    if head.returncode == 0:
        return
    info(f"{checkout}: HEAD is detached; checking out {CHECKOUT_BRANCH} again")
    git("checkout", "--quiet", CHECKOUT_BRANCH, cwd=checkout)


def lock_file(path):
    """The file whose lock exclusive(path) holds: beside path."""
    path = Path(path).resolve()
    return path.parent / f".{path.name}.lock"


@contextmanager
def exclusive(path):
    """
    Hold a lock on path (a checkout, a virtualenv) while the block runs:
    tools started at the same time (e.g. two scripts/fuzz runs) then build
    it one after the other, the second finding it made, instead of both
    building it at once over each other.
    """
    lock = lock_file(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as lock_fh:
        fcntl.flock(lock_fh, fcntl.LOCK_EX)
        yield


def ensure_checkout(
    checkout=None,
    version=DEFAULT_VERSION,
    upto=None,
    rebuild=False,
    patches_dir=PATCHES_DIR,
    overlay_dir=OVERLAY_DIR,
):
    """
    Return a patched checkout in the wanted state, (re-)creating it with
    make_checkout() when it is missing or stale (patches/ or the overlay
    changed since it was made, or another --upto). A checkout that was not
    made by django-checkout is used as it is.
    """
    explicit = checkout is not None
    checkout = Path(checkout or default_checkout_dir(version)).resolve()
    with exclusive(checkout):
        return _ensure_checkout(
            checkout, explicit, version, upto, rebuild, patches_dir, overlay_dir
        )


def _ensure_checkout(
    checkout, explicit, version, upto, rebuild, patches_dir, overlay_dir
):
    desired = desired_checkout_state(version, patches_dir, overlay_dir, upto, True)
    if checkout.exists() and any(checkout.iterdir()):
        stamp = read_stamp(checkout)
        if stamp is None:
            if explicit and is_git_repo(checkout):
                if upto is not None:
                    raise ToolError(
                        f"{checkout} was not made by django-checkout; --upto"
                        " cannot be applied to it"
                    )
                info(f"Using {checkout} as it is (not made by django-checkout)")
                return checkout
            if not rebuild:
                raise ToolError(
                    f"{checkout} exists but was not made by django-checkout"
                    " (use --rebuild to replace it)"
                )
        elif (
            stamp.get("state") == "ok" and stamp_matches(stamp, desired) and not rebuild
        ):
            restore_branch(checkout)
            return checkout
        elif stamp.get("state") == "ok" and not rebuild:
            local = checkout_has_local_work(checkout, stamp)
            if local:
                raise ToolError(
                    f"{checkout} is out of date (patches/ or the overlay changed,"
                    f" or another --upto) but has {local}\nExport it with"
                    f" scripts/export-patches {checkout}, or use --rebuild to"
                    " discard it."
                )
        reason = "rebuild requested" if rebuild else "out of date"
        info(f"Re-creating {checkout} ({reason})")
    make_checkout(
        checkout,
        version=version,
        patches_dir=patches_dir,
        overlay_dir=overlay_dir,
        upto=upto,
        use_overlay=True,
        force=True,
    )
    return checkout


def series_shas(checkout, version=DEFAULT_VERSION):
    """(patch commits, overlay commits) on the checkout's branch."""
    base = git_out("rev-parse", f"refs/tags/{version}^{{commit}}", cwd=checkout)
    return series_commits(checkout, base, f"refs/heads/{CHECKOUT_BRANCH}")


def labels_for_test_files(paths, stock_apps, covered):
    """
    Test labels for files under tests/ (paths relative to tests/): a new test
    app is run as a whole, a test module added to an existing app on its own;
    nothing for files the `covered` labels already run.
    """
    labels = []
    for rel in paths:
        parts = Path(rel).parts
        if len(parts) < 2 or not rel.endswith(".py"):
            continue
        app = parts[0]
        if app in stock_apps:
            if not parts[-1].startswith("test"):
                continue
            label = ".".join(parts)[: -len(".py")]
        else:
            label = app
        if any(label == c or label.startswith(c + ".") for c in covered + labels):
            continue
        labels.append(label)
    return labels


def overlay_labels(checkout, version=DEFAULT_VERSION, covered=()):
    """Labels for the tests added by the checkout's [overlay] commit(s)."""
    _, overlays = series_shas(checkout, version)
    paths = []
    for sha, _ in overlays:
        out = git_out(
            "diff-tree",
            "--no-commit-id",
            "--name-only",
            "-r",
            "--diff-filter=AM",
            sha,
            cwd=checkout,
        )
        paths += [
            p[len("tests/") :] for p in out.splitlines() if p.startswith("tests/")
        ]
    if not paths:
        return []
    stock = git_out("ls-tree", "--name-only", f"{version}:tests", cwd=checkout)
    return labels_for_test_files(sorted(set(paths)), set(stock.split()), list(covered))


def default_labels(db):
    return DEFAULT_LABELS + (POSTGRES_LABELS if db == "postgresql" else [])


# Virtualenvs ------------------------------------------------------------------


def venv_python(venv):
    return Path(venv) / "bin" / "python"


def requirements_for(db):
    return {**BASE_REQUIREMENTS, **DB_REQUIREMENTS[db]}


def pip_install(python, args, what):
    cmd = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    info(f"Installing {what}: {shell_quote(cmd + list(args))}")
    proc = subprocess.run(cmd + list(args), stdin=subprocess.DEVNULL)
    if proc.returncode:
        raise ToolError(f"pip install of {what} failed ({proc.returncode})")


def venv_probe(python, modules, src):
    """True when `python` imports all modules and Django from src/django."""
    code = (
        "import importlib, os, sys\n"
        "for name in sys.argv[2:]:\n"
        "    importlib.import_module(name)\n"
        "import django\n"
        "assert os.path.dirname(os.path.realpath(django.__file__))"
        " == os.path.realpath(os.path.join(sys.argv[1], 'django')), django.__file__\n"
    )
    proc = subprocess.run(
        [str(python), "-c", code, str(src), *modules],
        cwd="/",
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
    )
    return proc.returncode == 0


def python_version(python):
    proc = subprocess.run(
        [str(python), "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return tuple(int(part) for part in proc.stdout.split())


def ensure_venv(name, src, db, base_python=None, shim=False):
    """
    Return the Python of REPO/.venvs/<name>, a virtualenv of base_python
    (default: a Python >= 3.12) with Django installed editable from src, the
    test requirements for db and, with shim=True, REPO/shim installed
    editable.
    """
    venv = VENVS_DIR / name
    with exclusive(venv):
        return _ensure_venv(venv, src, db, base_python, shim)


def _ensure_venv(venv, src, db, base_python, shim):
    python = venv_python(venv)
    src = Path(src).resolve()
    requirements = requirements_for(db)
    if shim:
        requirements = {**requirements, **SHIM_REQUIREMENTS}
    base = base_python or find_python()
    ok = python.exists() and python_version(python) == python_version(base)
    if not ok:
        if venv.exists():
            shutil.rmtree(venv)
        info(f"Creating virtualenv {venv} with {base}")
        VENVS_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    shim_ok = not shim or venv_probe_shim(python)
    if shim_ok and venv_probe(python, list(requirements.values()), src):
        return python
    missing = [
        req
        for req, module in requirements.items()
        if not venv_probe_module(python, module)
    ]
    if missing:
        pip_install(python, missing, "test requirements")
    if not venv_probe(python, [], src):
        dirty_before = git_dirty_egg_info(src)
        pip_install(python, ["--editable", str(src)], f"Django from {src}")
        if not dirty_before:
            restore_egg_info(src)
    if not shim_ok:
        pip_install(
            python, ["--no-deps", "--editable", str(SHIM_DIR)], f"the shim {SHIM_DIR}"
        )
    if not venv_probe(python, list(requirements.values()), src) or (
        shim and not venv_probe_shim(python)
    ):
        raise ToolError(f"{venv} is still incomplete after installing; delete it")
    return python


def venv_probe_shim(python):
    """True when `python` imports modelstate_migrate from REPO/shim."""
    proc = subprocess.run(
        [
            str(python),
            "-c",
            "import modelstate_migrate, os, sys; "
            "assert os.path.realpath(modelstate_migrate.__file__)"
            ".startswith(os.path.realpath(sys.argv[1]))",
            str(SHIM_DIR / "src"),
        ],
        cwd="/",
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
    )
    return proc.returncode == 0


def venv_probe_module(python, module):
    proc = subprocess.run(
        [str(python), "-c", f"import {module}"], cwd="/", capture_output=True
    )
    return proc.returncode == 0


def git_dirty_egg_info(src):
    if not is_git_repo(src):
        return True
    return bool(
        git("status", "--porcelain", "--", "Django.egg-info", cwd=src).stdout.strip()
    )


def restore_egg_info(src):
    """pip install -e rewrites Django.egg-info/SOURCES.txt; undo that."""
    if is_git_repo(src):
        git("checkout", "--quiet", "--", "Django.egg-info", cwd=src, check=False)


# Databases --------------------------------------------------------------------


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def wait_for_port(port, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.5)
    raise ToolError(f"{what} did not start listening on 127.0.0.1:{port}")


def ensure_database(db):
    """Start the local PostgreSQL/MariaDB server when it is down."""
    if db == "postgresql":
        if port_open(5432):
            return
        clusters = (
            sorted(os.listdir("/etc/postgresql"))
            if os.path.isdir("/etc/postgresql")
            else []
        )
        if not clusters:
            raise ToolError("PostgreSQL is down and no cluster in /etc/postgresql")
        cmd = [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            clusters[-1],
            "main",
            "start",
        ]
        info(f"PostgreSQL is down; starting it: {shell_quote(cmd)}")
        subprocess.run(cmd, check=False)
        wait_for_port(5432, "PostgreSQL")
    elif db == "mysql":
        if port_open(3306):
            return
        run_dir = Path("/run/mysqld")
        if not run_dir.exists():
            run_dir.mkdir(parents=True)
            shutil.chown(run_dir, "mysql", "mysql")
        cmd = [
            "start-stop-daemon",
            "--start",
            "--oknodo",
            "--background",
            "--exec",
            "/usr/sbin/mariadbd",
        ]
        info(f"MariaDB is down; starting it: {shell_quote(cmd)}")
        subprocess.run(cmd, check=False)
        wait_for_port(3306, "MariaDB")


def settings_module(db, target):
    """
    Return (module name, directory to put on PYTHONPATH or None) of the test
    settings for db. SQLite uses Django's own tests/test_sqlite.py; the
    others import it (runtests.py puts tests/ first on sys.path) and replace
    DATABASES.
    """
    if db == "sqlite":
        return "test_sqlite", None
    name = f"modelstate_{target}"  # distinct test databases per target
    if db == "postgresql":
        common = {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ.get("MODELSTATE_PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("MODELSTATE_PGPORT", "5432"),
            "USER": os.environ.get("MODELSTATE_PGUSER", "postgres"),
            "PASSWORD": os.environ.get("MODELSTATE_PGPASSWORD", ""),
        }
    else:
        common = {
            "ENGINE": "django.db.backends.mysql",
            "HOST": os.environ.get("MODELSTATE_MYSQL_HOST", "127.0.0.1"),
            "PORT": os.environ.get("MODELSTATE_MYSQL_PORT", "3306"),
            "USER": os.environ.get("MODELSTATE_MYSQL_USER", "root"),
            "PASSWORD": os.environ.get("MODELSTATE_MYSQL_PASSWORD", ""),
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    databases = {
        "default": {**common, "NAME": name},
        "other": {**common, "NAME": f"{name}_other"},
    }
    module = f"modelstate_test_{db}_{target}"
    # The release's own test settings (e.g. 5.2's DEFAULT_AUTO_FIELD, which
    # its tests expect) with other databases.
    text = (
        f'"""Generated by scripts/run-django-tests; do not edit."""\n\n'
        "from test_sqlite import *  # noqa: F401, F403\n\n"
        f"DATABASES = {json.dumps(databases, indent=4)}\n"
    )
    directory = BUILD_DIR / "settings"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{module}.py"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return module, directory


# Running Django's tests ---------------------------------------------------------


RAN_RE = re.compile(r"^Ran (\d+) tests? in ")
RESULT_RE = re.compile(r"^(OK|FAILED)(?: \((.*)\))?\s*$")


class TestCounts:
    def __init__(self, passed=0, failed=0, skipped=0):
        self.passed, self.failed, self.skipped = passed, failed, skipped

    def __iadd__(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        return self

    def __str__(self):
        return f"{self.passed} passed, {self.failed} failed"


def parse_unittest_output(lines, returncode):
    """Counts from Django's runner output ("Ran N tests", "FAILED (...)")."""
    ran, details = None, {}
    for line in lines:
        match = RAN_RE.match(line)
        if match:
            ran = int(match.group(1))
            continue
        match = RESULT_RE.match(line)
        if match and ran is not None:
            details = {}
            for part in (match.group(2) or "").split(","):
                if "=" in part:
                    key, value = part.split("=", 1)
                    details[key.strip()] = int(value)
    if ran is None:
        # The runner died before running tests: count the run as one failure.
        return TestCounts(failed=1 if returncode else 0)
    failed = (
        details.get("failures", 0)
        + details.get("errors", 0)
        + details.get("unexpected successes", 0)
    )
    skipped = details.get("skipped", 0) + details.get("expected failures", 0)
    if returncode and not failed:
        failed = 1
    return TestCounts(
        passed=max(ran - failed - skipped, 0), failed=failed, skipped=skipped
    )


def run_runtests(
    python, tree, db, target, labels, parallel=2, extra_args=(), coverage_file=None
):
    """
    Run tree/tests/runtests.py (through SHIM_RUNTESTS for target "shim");
    return (returncode, TestCounts). With coverage_file, measure the shim's
    line coverage into it (coverage's parallel mode: coverage_file.*).
    """
    ensure_database(db)
    module, settings_dir = settings_module(db, target)
    env = dict(os.environ)
    env["PATH"] = str(Path(python).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(settings_dir) if settings_dir else ""
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PYTHONUNBUFFERED"] = "1"
    measure = []
    if coverage_file:
        # By environment so that the test processes runtests.py starts use the
        # same settings (rather than tests/.coveragerc).
        env["COVERAGE_RCFILE"] = str(SHIM_DIR / "pyproject.toml")
        env["COVERAGE_FILE"] = str(coverage_file)
        measure = ["-m", "coverage", "run", "--parallel-mode"]
    cmd = [
        str(python),
        *measure,
        *([str(SHIM_RUNTESTS)] if target == "shim" else []),
        "runtests.py",
        f"--settings={module}",
        f"--parallel={parallel}",
        "--noinput",
        *extra_args,
        *labels,
    ]
    tests_dir = Path(tree) / "tests"
    info(f"+ cd {tests_dir} && {shell_quote(cmd)}")
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=tests_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # Echo as it comes (the progress dots have no newline) and keep a copy.
    chunks = []
    while True:
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        chunks.append(chunk)
    lines = b"".join(chunks).decode("utf-8", "replace").splitlines()
    returncode = proc.wait()
    counts = parse_unittest_output(lines, returncode)
    info(
        f"runtests.py exited with {returncode} after"
        f" {time.monotonic() - started:.1f}s: {counts}"
    )
    return returncode, counts
