"""The event loop of the commands: uvloop where it is installed, else asyncio's own.

uvloop (a default dependency on Linux and macOS) runs the same aiohttp code with less
CPU per exchange (benchmarks/run.py). `PINGPOST_EVENT_LOOP=asyncio` chooses asyncio's
loop, for troubleshooting; behaviour is the same on both.

Before the loop starts, the process's soft limit on open files is raised to its hard
limit: a burst of auctions holds up to concurrency x accounts buyer connections, and the
usual soft limit of 1,024 (systemd's default too) is below what a busy `serve` or a
`deliver --concurrency 200` can open, while the hard limit is usually far above it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
ENV_VAR = "PINGPOST_EVENT_LOOP"
FILES_WANTED = 65536  # open files asked for; never above the hard limit


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None (asyncio's default loop)."""
    if os.environ.get(ENV_VAR, "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:  # Windows, or installed without it: asyncio's loop
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def raise_open_files_limit(wanted: int = FILES_WANTED) -> int:
    """Raise the soft limit on open files towards `wanted` (within the hard limit) and
    return the soft limit now in force; -1 where the platform has no such limit."""
    try:
        import resource
    except ImportError:  # Windows: no RLIMIT_NOFILE
        return -1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):  # refused (a sandbox, macOS's OPEN_MAX): keep going
            return soft
        return target
    return soft


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the chosen loop, with the open-files limit raised."""
    raise_open_files_limit()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
