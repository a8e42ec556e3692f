"""
The fuzzer's command line, run by scripts/fuzz in its virtualenv (Django
from the patched checkout, hypothesis):

    python -m fuzzing [--db DB] [--examples N] [--seed S]
        [--max-migrations M] [--max-operations K] [--failures-dir DIR]
    python -m fuzzing [--db DB] --replay DIR

Exit status: 0 when every history gave the same statements and schemas, 1
when one differed (or failed with rendered models: a generator bug), written
out under --failures-dir.
"""

import argparse
import collections
import functools
import re
import sys
import time
import traceback
from pathlib import Path

from .runner import DATABASES, setup_django


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="fuzz")
    parser.add_argument("--db", choices=sorted(DATABASES), default="sqlite")
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-migrations", type=int, default=5)
    parser.add_argument("--max-operations", type=int, default=4)
    parser.add_argument("--failures-dir", default="build/fuzz-failures")
    parser.add_argument("--replay", metavar="DIR")
    parser.add_argument("--progress-every", type=float, default=300)
    parser.add_argument("--time-budget", type=float)
    # What the statements are compared with: rendered models in this process
    # (stock behaviour on the patched checkout) or stock Django itself, in a
    # worker process run by --stock-python.
    parser.add_argument("--reference", choices=["rendered", "stock"])
    parser.add_argument("--stock-python")
    # What is compared with it: stand-ins in this process, and/or the shim on
    # stock Django in a worker process run by --shim-python.
    parser.add_argument("--targets", default="stand-ins")  # stand-ins,shim
    parser.add_argument("--shim-python")
    # For testing the fuzzer: pretend stand-ins send one more statement after
    # each operation of this class.
    parser.add_argument("--inject-difference", metavar="OPERATION")
    return parser.parse_args(argv)


def replay(args):
    from .failures import format_report, load_history

    history = load_history(args.replay)
    comparison = args.compare(history)
    if comparison.invalid or comparison.differences:
        print(format_report(history, comparison))
        return 1
    if comparison.stock_fails_alone:
        print(format_report(history, comparison))
        print(
            f"fuzz: {args.replay}: stock fails where stand-ins don't; same"
            " statements and schemas up to there"
        )
        return 0
    print(f"fuzz: {args.replay}: same statements and schemas")
    return 0


class Failure(Exception):
    pass


class TimeBudgetSpent(BaseException):
    """
    Ends a run at --time-budget. Not an Exception: hypothesis would take it
    for a failure and shrink the history.
    """


def fuzz(args):
    from hypothesis import HealthCheck, Phase, given, seed, settings

    from .failures import format_report, write_failure
    from .generator import histories
    from .runner import NEEDS_SERVER, operation_at

    counts = {"histories": 0, "operations": 0, "statements": 0}
    started = time.monotonic()
    progress = {"printed": started}
    failures = []
    # {stock's error with numbers left out: the first history of it}
    stock_failures = {}
    # Offline (Oracle): operations run, and those skipped as their SQL needs
    # the server, by class name.
    operations_run = collections.Counter()
    operations_skipped = collections.Counter()

    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        report_multiple_bugs=False,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    )
    @seed(args.seed)
    @given(
        histories(
            args.max_migrations,
            args.max_operations,
            compared_with_stock=args.reference == "stock",
        )
    )
    def check(history):
        if args.time_budget and time.monotonic() - started >= args.time_budget:
            raise TimeBudgetSpent
        counts["histories"] += 1
        counts["operations"] += history.operation_count()
        try:
            comparison = args.compare(history)
        except Exception:
            # A bug of the runner: keep the history that shows it.
            failures.append((history, None, traceback.format_exc()))
            raise
        counts["statements"] += len(comparison.stock.statements)
        if time.monotonic() - progress["printed"] >= args.progress_every:
            progress["printed"] = time.monotonic()
            print(
                f"fuzz: {counts['histories']} histories compared so far"
                f" ({progress['printed'] - started:.0f}s)",
                flush=True,
            )
        for statement in comparison.stand_ins.statements:
            if isinstance(statement.where.operation, int):
                name = type(operation_at(history, statement.where)).__name__
                if statement.sql == NEEDS_SERVER.format(name):
                    operations_skipped[name] += 1
        for migration in history.migrations:
            operations_run.update(type(op).__name__ for op in migration.operations)
        if comparison.stock_fails_alone:
            kind = re.sub(r"\d+", "N", comparison.stock.error)
            stock_failures.setdefault(kind, (history, comparison))
        if comparison.invalid or comparison.differences:
            # Hypothesis calls check() with the shrunk history last.
            failures.append((history, comparison, None))
            raise Failure(
                comparison.stock.error or f"{len(comparison.differences)} difference(s)"
            )

    budget_spent = False
    try:
        check()
    except TimeBudgetSpent:
        budget_spent = True
    except Exception:
        if not failures:
            raise
    elapsed = time.monotonic() - started
    summary = (
        f"fuzz: {counts['histories']} histories"
        f"{' (time budget spent)' if budget_spent else ''} ({counts['operations']}"
        f" operations, {counts['statements']} statements through"
        f" {'stock Django' if args.reference == 'stock' else 'rendered models'};"
        f" compared with {args.targets}) in {elapsed:.0f}s on {args.db},"
        f" seed {args.seed}"
    )
    if operations_skipped:
        print(
            "fuzz: offline, operations (forwards and backwards) whose SQL needs"
            " the server were skipped: "
            + ", ".join(
                f"{name} {operations_skipped[name]}/{2 * operations_run[name]}"
                for name in sorted(operations_skipped)
            )
        )
    context = (
        f"scripts/fuzz --db {args.db} --seed {args.seed} --examples {args.examples}"
    )
    for history, comparison in stock_failures.values():
        directory = write_failure(
            Path(args.failures_dir) / "stock-fails",
            history,
            comparison,
            context,
            args.db,
        )
        print(
            f"fuzz: stock Django fails where stand-ins don't, written to {directory}:"
        )
        print(f"    {comparison.stock.error.splitlines()[0]}")
    if not failures:
        print(summary + ": same statements and schemas")
        return 0
    history, comparison, error = failures[-1]
    if comparison is None:
        print(summary + ": the runner failed on this history:", file=sys.stderr)
        from .failures import describe_history

        print(describe_history(history), file=sys.stderr)
        print(error, file=sys.stderr)
        return 2
    history, comparison = minimize_failure(history, comparison, args)
    directory = write_failure(args.failures_dir, history, comparison, context, args.db)
    print(format_report(history, comparison))
    what = "a generator bug" if comparison.invalid else "a difference"
    print(f"{summary}: {what}, shrunk and written to {directory}")
    return 1


def signature(history, comparison):
    """What a failure is: the stock error, or where and what differs."""
    from .runner import operation_kind

    if comparison.invalid:
        return {comparison.stock.error}
    return {
        (difference.what, operation_kind(history, difference))
        for difference in comparison.differences
    }


def minimize_failure(history, comparison, args):
    """Simplify the shrunk history further; return it and its comparison."""
    from .minimize import minimize

    wanted = signature(history, comparison)

    def still_fails(candidate):
        result = args.compare(candidate)
        if not (result.invalid or result.differences):
            return False
        if result.invalid != comparison.invalid:
            return False
        return bool(signature(candidate, result) & wanted)

    smaller = minimize(history, still_fails)
    if smaller is history:
        return history, comparison
    return smaller, args.compare(smaller)


def comparer(args):
    """compare_history() with the reference and the targets args give."""
    from .runner import compare_history, stand_ins_run
    from .worker import Worker

    reference = None
    if args.reference == "stock":
        reference = Worker(args.stock_python, args.db)
    targets = {}
    for target in args.targets.split(","):
        if target == "shim":
            targets[target] = Worker(args.shim_python, args.db, shim=True)
        else:
            targets[target] = functools.partial(
                stand_ins_run, inject_difference=args.inject_difference
            )
    return functools.partial(compare_history, reference=reference, targets=targets)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    setup_django(args.db)
    args.compare = comparer(args)
    if args.replay:
        return replay(args)
    return fuzz(args)


if __name__ == "__main__":
    sys.exit(main())
