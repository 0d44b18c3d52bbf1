"""The lines of a batch: a regular file read directly, a pipe or terminal from a thread."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import IO


def read_lines(stream: IO[str]) -> Iterable[str] | AsyncIterable[str]:
    """Lines of `stream` for `run_batch`: a regular file is read directly (reads never block
    for long); a pipe or terminal is read in a worker thread so the auctions in flight keep
    their deadlines while the next line is awaited."""
    try:
        regular = stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. StringIO)
        regular = True
    return stream if regular else _threaded_lines(stream)


async def _threaded_lines(stream: IO[str]) -> AsyncIterator[str]:
    """One line at a time from a daemon thread: lazy (one line ahead at most), and a reader
    blocked on a silent terminal never keeps the process from exiting."""
    loop = asyncio.get_running_loop()
    arrived: asyncio.Queue[str | BaseException] = asyncio.Queue()
    wanted = threading.Semaphore(0)

    def pump() -> None:
        while True:
            wanted.acquire()
            try:
                line: str | BaseException = stream.readline()
            except BaseException as exc:  # handed over to the event loop, raised there
                line = exc
            try:
                loop.call_soon_threadsafe(arrived.put_nowait, line)
            except RuntimeError:  # the loop is closed: nobody is reading any more
                return
            if not isinstance(line, str) or not line:
                return

    threading.Thread(target=pump, name="pingpost-lead-reader", daemon=True).start()
    while True:
        wanted.release()
        line = await arrived.get()
        if isinstance(line, BaseException):
            raise line
        if not line:
            return
        yield line
