"""
Differential fuzzing of migration operations: stand-in models against
rendered models (issue 5).

- schema: the fuzzer's own description of a project's models, which the
  generator keeps in step with the migrations it emits, so that every
  generated history is valid;
- generator: hypothesis strategies of migration histories;
- runner: applies a history forwards and back to zero through rendered
  models (stock behaviour) and through stand-ins, and compares;
- failures: writes a failing history out as migration files, a report and a
  regression test;
- __main__: the command line that scripts/fuzz runs in its virtualenv.

Everything but schema needs Django (the patched checkout) and hypothesis.
"""
