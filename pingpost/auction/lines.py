"""The lines of a batch: a regular file read directly, a pipe or terminal from a thread.

Each line is read with a cap (`MAX_LINE_BYTES`): a longer one is skipped in small
chunks, never held whole, and becomes an `UnreadableLine` (an invalid lead with its
line number), as does a line that is not UTF-8 text. The batch goes on.
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

# A batch line holds one lead, a form of a few kilobytes; a lead file may hold 16 MB,
# but a million such lines must not cost a million times that.
MAX_LINE_BYTES = 1024 * 1024
_SKIP_CHUNK = 64 * 1024  # the rest of an overlong line is read, and dropped, this much at once


@dataclass(frozen=True)
class UnreadableLine:
    """A batch line that is no lead before any parsing: too long, or not UTF-8 text."""

    problem: str


Line = str | UnreadableLine


def read_lines(
    stream: IO[str] | IO[bytes], max_bytes: int = MAX_LINE_BYTES
) -> Iterable[Line] | AsyncIterable[Line]:
    """Lines of `stream` for `run_batch`, each at most `max_bytes` (bytes, when the stream
    has them; a text-only stream counts characters). A regular file is read directly
    (reads never block for long); a pipe or terminal is read in a worker thread so the
    auctions in flight keep their deadlines while the next line is awaited."""
    source: IO[Any] = getattr(stream, "buffer", stream)  # bytes: the cap counts bytes
    try:
        regular = stat.S_ISREG(os.fstat(source.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. StringIO)
        regular = True
    if regular:
        return _direct_lines(source, max_bytes)
    return _threaded_lines(lambda: next_line(source, max_bytes))


def next_line(source: IO[Any], max_bytes: int) -> Line | None:
    """The next line of `source` (None at the end), holding at most `max_bytes` + 1 of it."""
    raw = source.readline(max_bytes + 1)
    if not raw:
        return None
    newline = b"\n" if isinstance(raw, bytes) else "\n"
    if len(raw) > max_bytes and not raw.endswith(newline):
        size = len(raw) + _skip_rest(source, newline)
        return UnreadableLine(
            f"the line is {size:,} bytes long, above the {max_bytes:,} a batch line may hold "
            "(one lead a line)"
        )
    if isinstance(raw, str):
        return raw
    try:
        text: str = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return UnreadableLine(f"not UTF-8 text (byte {exc.start + 1} of the line)")
    return text


def _skip_rest(source: IO[Any], newline: bytes | str) -> int:
    """Read past the rest of an overlong line without keeping it; its length (without
    the newline)."""
    skipped = 0
    while chunk := source.readline(_SKIP_CHUNK):
        skipped += len(chunk)
        if chunk.endswith(newline):
            return skipped - 1
    return skipped


def _direct_lines(source: IO[Any], max_bytes: int) -> Iterator[Line]:
    while (line := next_line(source, max_bytes)) is not None:
        yield line


async def _threaded_lines(read_one: Callable[[], Line | None]) -> AsyncIterator[Line]:
    """One line at a time from a daemon thread: lazy (one line ahead at most), and a reader
    blocked on a silent terminal never keeps the process from exiting."""
    loop = asyncio.get_running_loop()
    arrived: asyncio.Queue[Line | BaseException | None] = asyncio.Queue()
    wanted = threading.Semaphore(0)

    def pump() -> None:
        while True:
            wanted.acquire()
            try:
                line: Line | BaseException | None = read_one()
            except BaseException as exc:  # handed over to the event loop, raised there
                line = exc
            try:
                loop.call_soon_threadsafe(arrived.put_nowait, line)
            except RuntimeError:  # the loop is closed: nobody is reading any more
                return
            if line is None or isinstance(line, BaseException):
                return

    threading.Thread(target=pump, name="pingpost-lead-reader", daemon=True).start()
    while True:
        wanted.release()
        line = await arrived.get()
        if isinstance(line, BaseException):
            raise line
        if line is None:
            return
        yield line
