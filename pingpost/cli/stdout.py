"""Results on stdout, whole, even when a signal lands mid-write (P6).

CPython's buffered stdout can drop the rest of a write of a few KB when a signal
handler runs while the pipe is full: the write returns part of the bytes and the
rest never reaches the pipe (measured on 3.11: a `deliver --json` line cut at 8,192
bytes, the next line glued to it, the lead missing from stdout). `deliver` holds
Ctrl-C and SIGTERM while it prints, so its results go out here: the bytes written
with `os.write` until none are left (a partial write goes on where it stopped).
"""

from __future__ import annotations

import os
import sys


def write_stdout(text: str) -> None:
    """Write `text` to stdout and flush it; on a pipe or a file, every byte of it."""
    stream = sys.stdout
    try:
        fd = stream.fileno()
        direct = not stream.isatty()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
        fd, direct = -1, False
    if not direct:
        stream.write(text)
        stream.flush()
        return
    stream.flush()  # whatever was written before goes first
    data = memoryview(text.encode(stream.encoding or "utf-8", stream.errors or "strict"))
    while data:
        data = data[os.write(fd, data) :]
