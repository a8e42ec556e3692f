import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import skipUnless

from django.test import SimpleTestCase

import modelstate_migrate

# The repository's project generator; absent when the shim's tests are run
# outside the repository.
SYNTH_PROJECT = Path(__file__).resolve().parents[2] / "scripts" / "synth-project"


@skipUnless(SYNTH_PROJECT.exists(), "needs the repository's scripts/synth-project")
class SyntheticProjectTests(SimpleTestCase):
    def modelstate_check(self, *synth_args):
        """
        Generate a synthetic project and run modelstate_check on it in a new
        process (the app registry is global), with the shim installed.
        """
        with tempfile.TemporaryDirectory() as project:
            generated = subprocess.run(
                [sys.executable, SYNTH_PROJECT, project, *synth_args],
                capture_output=True,
                text=True,
            )
            self.assertEqual(generated.returncode, 0, generated.stderr)
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "synthproj.settings",
                # The shim this process imports, wherever it's installed.
                "PYTHONPATH": os.pathsep.join(
                    [project, str(Path(modelstate_migrate.__file__).parents[1])]
                ),
                "SYNTH_EXTRA_APPS": "modelstate_migrate",
                "SYNTH_DB": "sqlite",
            }
            return subprocess.run(
                [sys.executable, "manage.py", "modelstate_check", "--verbosity=2"],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
            )

    def assertAllIdentical(self, result):
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        summary = re.search(
            r"(\d+) migrations, forwards and backwards: (\d+) identical, "
            r"0 fell back to rendered models \(identical SQL\), 0 differ\.",
            result.stdout,
        )
        self.assertIsNotNone(summary, result.stdout)
        migrations, identical = map(int, summary.groups())
        self.assertEqual(identical, 2 * migrations)
        # Django's contrib apps and every generated app were checked.
        self.assertIn("auth.0001_initial forwards: identical", result.stdout)
        self.assertIn("app01.0001_initial backwards: identical", result.stdout)

    def test_history(self):
        """
        An evolving history (field, model, index and constraint operations,
        RunPython, relations across apps) generates the same SQL on both
        paths.
        """
        result = self.modelstate_check(
            "--models=60", "--apps=3", "--shape=history", "--runpython=2"
        )
        self.assertAllIdentical(result)

    def test_initial(self):
        """One initial migration per app generates the same SQL on both paths."""
        self.assertAllIdentical(self.modelstate_check("--models=60", "--apps=3"))
