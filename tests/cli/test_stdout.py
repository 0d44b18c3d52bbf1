"""Results reach stdout whole when signals land mid-write (P6: no lead missing from stdout).

A process that holds SIGINT (a handler that only counts, as `deliver` does) writes lines
of several KB into a pipe read slowly, under a storm of SIGINTs: with `sys.stdout.write`,
CPython drops the rest of a line cut by a signal (a few lines in a hundred here); every
line must arrive whole.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

WRITER = textwrap.dedent(
    """
    import json, signal, sys
    from pingpost.cli.stdout import write_stdout

    seen = []
    signal.signal(signal.SIGINT, lambda *_: seen.append(1))
    print("ready", file=sys.stderr, flush=True)
    for i in range(LINES):
        write_stdout(json.dumps({"line": i, "pad": "x" * (5000 + 61 * i % 9000)}) + "\\n")
    print(f"signals {len(seen)}", file=sys.stderr, flush=True)
    """
)
LINES = 300


def test_lines_written_while_signals_land_arrive_whole() -> None:
    code = WRITER.replace("LINES", str(LINES))
    chunks: list[bytes] = []
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stderr.readline() == b"ready\n"
        out = proc.stdout.fileno()

        def read_slowly() -> None:  # keeps the pipe full, so writes block and get cut
            while chunk := os.read(out, 4096):
                chunks.append(chunk)
                time.sleep(0.0003)

        reader = threading.Thread(target=read_slowly)
        reader.start()
        sent = 0
        while proc.poll() is None and sent < 2000:
            proc.send_signal(signal.SIGINT)
            sent += 1
            time.sleep(0.002)
        reader.join(30)
        err = proc.stderr.read().decode()
        proc.wait(10)
    # the writes all returned (a signal after them may end the process as SIGINT does)
    assert err.startswith("signals ") and proc.returncode in (0, -signal.SIGINT), err
    assert int(err.split()[-1]) > 10, "too few signals landed to test anything"
    lines = b"".join(chunks).decode().splitlines()
    assert [json.loads(line)["line"] for line in lines] == list(range(LINES))
