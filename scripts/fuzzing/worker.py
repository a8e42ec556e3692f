"""
Apply histories the way the Django installed in this interpreter does: stock
Django (the reference scripts/fuzz --reference stock compares with), or
stock Django with the shim (--targets shim). scripts/fuzz starts one worker
per such target, in its own virtualenv, and talks to it with JSON lines:

    python -m fuzzing.worker --db DB [--shim]

Each line read is {"sources": {path: migration file source}}, as
failures.migration_sources() writes a history; each line written is the
Run of that history (run_to_json()).
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from .runner import apply_history, run_from_json, run_to_json, setup_django


class Worker:
    """
    A worker process, started on first use; calling it with a history
    returns the Run, as apply_history() does in this process.
    """

    def __init__(self, python, db, shim=False):
        self.command = [str(python), "-m", "fuzzing.worker", "--db", db]
        if shim:
            self.command.append("--shim")
        self.process = None

    def __call__(self, history):
        from .failures import migration_sources

        if self.process is None:
            self.process = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        request = {"sources": migration_sources(history)}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(
                f"{' '.join(self.command)} stopped (exit code"
                f" {self.process.wait()})"
            )
        return run_from_json(json.loads(line))


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="fuzzing.worker")
    parser.add_argument("--db", default="sqlite")
    parser.add_argument(
        "--shim", action="store_true", help="install the shim (INSTALLED_APPS)"
    )
    return parser.parse_args(argv)


def write_sources(directory, sources):
    for relative, source in sources.items():
        path = Path(directory) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    # Standard output carries the answers only.
    answers, sys.stdout = sys.stdout, sys.stderr
    setup_django(args.db, ["modelstate_migrate"] if args.shim else [])
    from .failures import load_history

    for line in sys.stdin:
        request = json.loads(line)
        with tempfile.TemporaryDirectory() as directory:
            write_sources(directory, request["sources"])
            history = load_history(directory)
        # stand_ins=True: no rendering patched in; Django as installed.
        run = apply_history(history, stand_ins=True)
        print(json.dumps(run_to_json(run)), file=answers, flush=True)


if __name__ == "__main__":
    sys.exit(main())
