"""The garbage collector's policy at a command's start-up and while auctions run,
shared by the CLI, `run_batch`, `run_auction` and `pingpost serve`.

Start-up (`quiet_startup`, from `pingpost.cli.app.main`): importing the modules and
loading the configs allocates some 100,000 objects that live until the process
ends, and the default threshold (700) has the collector scan them about 150 times: a
fifth of `deliver`'s start-up CPU. Until the first auction starts (or the command
calls `startup_over`), the threshold is above what a start-up allocates; then what
start-up made is frozen out of every later collection (`gc.freeze`: little of it is
garbage) and the threshold is the default again.

Auctions: each lead allocates thousands of short-lived objects, and with the default
young-generation threshold the collector re-scans the objects of the auctions in
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
# ... and during a command's start-up: more than it allocates (deliver: about 110,000)
STARTUP_GC_THRESHOLD = 250_000

_users = 0
_saved: tuple[int, int, int] = gc.get_threshold()
_before_startup: tuple[int, int, int] | None = None  # while a start-up is quiet


def quiet_startup() -> None:
    """No young collection while the command loads (until `startup_over`)."""
    global _before_startup
    if _before_startup is None:
        _before_startup = gc.get_threshold()
        gc.set_threshold(STARTUP_GC_THRESHOLD, *_before_startup[1:])


def startup_over() -> None:
    """Freeze what start-up made out of later collections; the threshold of before."""
    global _before_startup
    if _before_startup is not None:
        gc.freeze()
        gc.set_threshold(*_before_startup)
        _before_startup = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the young-generation threshold while this (or any other user) runs."""
    global _users, _saved
    if _users == 0:
        startup_over()
        _saved = gc.get_threshold()
        gc.set_threshold(max(AUCTION_GC_THRESHOLD, _saved[0]), *_saved[1:])
    _users += 1
    try:
        yield
    finally:
        _users -= 1
        if _users == 0:
            gc.set_threshold(*_saved)
