"""Schema versions and the steps between them, shared by the SQL backends.

The store's `meta` table holds `schema_version` (0: an empty database). Each
backend lists its steps: step N turns a version N-1 store into version N, inside
the one transaction that also records N, under the backend's migration lock
(SQLite: an exclusive transaction; PostgreSQL: an advisory lock), so two
processes never migrate at once and a failed step leaves the old version whole.

Adding schema version 2 later: write `Step(2, "what changes", apply)` in each
backend's schema module, append it to its `STEPS`, and raise
`api.SCHEMA_VERSION` to 2. tests/store/test_migrations.py shows the pattern with
a fake version 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pingpost.store.errors import StoreTooNew, StoreTooOld

A = TypeVar("A")  # what a step's function is given (a connection), or returns (a coroutine)


@dataclass(frozen=True, slots=True)
class Step(Generic[A]):
    version: int  # the version this step produces
    summary: str
    apply: Callable[..., A]


def pending(
    url: str, found: int, target: int, steps: Sequence[Step[A]], *, migrate: bool
) -> list[Step[A]]:
    """The steps that bring a store at `found` to `target`, in order.

    Raises StoreTooNew for a store written by a newer pingpost, StoreTooOld when
    steps are needed and `migrate` is False.
    """
    if found > target:
        raise StoreTooNew(url, found, target)
    by_version = {s.version: s for s in steps}
    todo = [by_version[v] for v in range(found + 1, target + 1) if v in by_version]
    if len(todo) != target - found:
        missing = sorted(set(range(found + 1, target + 1)) - set(by_version))
        raise ValueError(f"no migration step to schema version {missing[0]}")
    if todo and not migrate:
        raise StoreTooOld(url, found, target)
    return todo
