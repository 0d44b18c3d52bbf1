"""The garbage collector's policy while auctions run, shared by `run_batch`,
`run_auction` and `pingpost serve`.

Each lead allocates thousands of short-lived objects, and with Python's default
young-generation threshold (700) the collector re-scans the objects of the auctions in
flight about once a millisecond: a quarter of a batch's CPU, and 0.5 ms a lead for
auctions run one by one (benchmarks/run.py). While at least one auction (or batch, or
service) runs, the threshold is raised; collections still happen. Nested users share
one raise, and the old threshold comes back when the last one ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# objects allocated between two young-generation collections while auctions run
AUCTION_GC_THRESHOLD = 50_000

_users = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the young-generation threshold while this (or any other user) runs."""
    global _users, _saved
    if _users == 0:
        _saved = gc.get_threshold()
        gc.set_threshold(max(AUCTION_GC_THRESHOLD, _saved[0]), *_saved[1:])
    _users += 1
    try:
        yield
    finally:
        _users -= 1
        if _users == 0:
            gc.set_threshold(*_saved)
