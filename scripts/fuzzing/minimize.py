"""
Make a failing history smaller than hypothesis's shrinker can.

The generator draws each operation from the state the earlier ones left, so
hypothesis can rarely delete an early operation without changing all later
draws. Here the history itself is simplified: drop a migration, drop an
operation, unwrap a SeparateDatabaseAndState, drop a field or an option of a
CreateModel; a simplification is kept when the history still fails the same
way (which also rejects the invalid ones: they fail differently).
"""

import copy

from django.db import migrations

from .generator import History, chain


def simplifications(history):
    """Smaller variants of history, the biggest cuts first."""
    specs = history.migrations
    for index in reversed(range(len(specs))):
        yield without(specs, index)
    for index, spec in enumerate(specs):
        for position in reversed(range(len(spec.operations))):
            yield replaced(specs, index, position, [])
    for index, spec in enumerate(specs):
        for position, operation in enumerate(spec.operations):
            for smaller in smaller_operations(operation):
                yield replaced(specs, index, position, smaller)


def smaller_operations(operation):
    """Lists of operations that could stand for operation."""
    if isinstance(operation, migrations.SeparateDatabaseAndState):
        yield list(operation.database_operations)
    if isinstance(operation, migrations.CreateModel):
        name, args, kwargs = operation.deconstruct()
        fields = kwargs["fields"]
        for position in reversed(range(len(fields))):
            if not getattr(fields[position][1], "primary_key", False):
                yield [
                    migrations.CreateModel(
                        **{
                            **kwargs,
                            "fields": fields[:position] + fields[position + 1 :],
                        }
                    )
                ]
        options = kwargs.get("options", {})
        for option in options:
            if option != "proxy":
                reduced = {
                    key: value for key, value in options.items() if key != option
                }
                yield [migrations.CreateModel(**{**kwargs, "options": reduced})]


def without(specs, index):
    copied = copy.deepcopy(specs)
    del copied[index]
    return History(chain(copied))


def replaced(specs, index, position, operations):
    copied = copy.deepcopy(specs)
    spec = copied[index]
    spec.operations[position : position + 1] = copy.deepcopy(operations)
    if not spec.operations:
        del copied[index]
    return History(chain(copied))


def minimize(history, still_fails, max_attempts=500):
    """The smallest history found for which still_fails(history) is true."""
    attempts = 0
    improved = True
    while improved and attempts < max_attempts:
        improved = False
        for candidate in simplifications(history):
            if not candidate.migrations:
                continue
            attempts += 1
            if still_fails(candidate):
                history = candidate
                improved = True
                break
            if attempts >= max_attempts:
                break
    return history
