"""The README's console blocks, run for real and compared with what the README shows.

A ```console block holds commands (`$ pingpost ...`, `$ curl ...`; a line ending in
`\\` goes on on the next line) and, under each, the output it prints: stdout and
stderr, as a terminal shows them. `run_tour` runs every command of every block in
order, in a scratch copy of the repository's `configs/` and `examples/`, against
servers on free ports, and `mismatches` says which shown lines the real run does not
print. Lines are compared with their runs of spaces counted as one (table widths
move with their content).

Conventions, for the README's writers:

- A line that is only `...` stands for lines left out; `…` inside a line stands for
  text left out of that line.
- Parts that change from run to run (timings, ids, tokens) are named in an HTML
  comment just above the block: `<!-- tour: vary ms, uuid -->`. Each name is one of
  `VARY` below; in those places any value matches. Everything else must be exact.
- A command that keeps running (a server) is named in the comment too:
  `<!-- tour: background pingpost serve -->` starts every command of the block that
  begins with `pingpost serve` in the background, for the blocks below it, and waits
  until it listens. Its own output is not compared.
- The README shows the usual ports (8765 for the sandbox, 8080 for `serve`); the run
  uses free ports in their place, and the comparison puts the usual ones back.

`python -m tests.readme_tour --update` rewrites each shown output from a real run
(keeping the lines a block leaves out); review the diff before committing it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PORTS = (8765, 8080)  # the sandbox's and `pingpost serve`'s, as the README shows them
VARY = {
    "ms": r"\d[\d,]*(?:\.\d+)? ms",  # a duration in milliseconds
    "s": r"\d+(?:\.\d+)? s",  # a duration in seconds
    "uuid": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "token": r"[A-Za-z0-9]{32}",  # the sandbox's ping tokens
    "rate": r"\d[\d,]*\.\d",  # leads/s
    # money that depends on the order concurrent auctions finish in (a capped buyer's
    # last sales in a batch)
    "money": r"\$\d[\d,]*\.\d\d",
    "date": r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT",  # HTTP Date
    "time": r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",  # a time in the log's tables
}
_DIRECTIVE = re.compile(r"<!--\s*tour:\s*(\w+)\s*(.*?)\s*-->")
_COMMAND_TIMEOUT = 180  # seconds; the 1,000-lead batch is the longest


@dataclass
class Command:
    text: str  # as shown, without the `$ `; continuation lines joined with newlines
    shown: list[str]  # the output lines shown under it
    background: bool = False


@dataclass
class Block:
    start: int  # index of the ```console line in the README's lines
    end: int  # index of the closing ``` line
    commands: list[Command]
    vary: tuple[str, ...] = ()


def blocks(text: str) -> list[Block]:
    """Every ```console block of `text`, with the directives of the comment above it."""
    lines = text.splitlines()
    found: list[Block] = []
    for i, line in enumerate(lines):
        if line.strip() != "```console":
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        vary: tuple[str, ...] = ()
        background: list[str] = []
        for kind, value in _directives(lines, i):
            if kind == "vary":
                vary = tuple(v.strip() for v in value.split(",") if v.strip())
                unknown = set(vary) - set(VARY)
                assert not unknown, f"README line {i}: unknown vary {unknown}; known: {list(VARY)}"
            elif kind == "background":
                background.append(value)
            else:
                raise AssertionError(f"README line {i}: unknown tour directive `{kind}`")
        found.append(Block(i, end, _commands(lines[i + 1 : end], background), vary))
    return found


def _directives(lines: list[str], at: int) -> Iterator[tuple[str, str]]:
    """The `<!-- tour: ... -->` comments right above line `at` (blank lines between)."""
    j = at - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    while j >= 0 and (match := _DIRECTIVE.fullmatch(lines[j].strip())):
        yield match.group(1), match.group(2)
        j -= 1


def _commands(body: list[str], background: list[str]) -> list[Command]:
    commands: list[Command] = []
    i = 0
    while i < len(body):
        line = body[i]
        assert line.startswith("$ "), f"output before any `$ ` command: {line!r}"
        parts = [line[2:]]
        while parts[-1].rstrip().endswith("\\") and i + 1 < len(body):
            i += 1
            parts.append(body[i])
        i += 1
        shown: list[str] = []
        while i < len(body) and not body[i].startswith("$ "):
            shown.append(body[i])
            i += 1
        text = "\n".join(parts)
        serves = any(text.startswith(prefix) for prefix in background if prefix)
        commands.append(Command(text, shown, serves))
    return commands


# ------------------------------------------------------------------ running


@dataclass
class Tour:
    """A scratch directory with the sample configs and examples, and free ports."""

    workdir: Path
    ports: dict[int, int]  # the README's port -> the one used
    env: dict[str, str]
    servers: list[subprocess.Popen[str]] = field(default_factory=list)

    def to_run(self, text: str) -> str:
        for shown, used in self.ports.items():
            text = text.replace(f"127.0.0.1:{shown}", f"127.0.0.1:{used}")
        return text

    def as_shown(self, text: str) -> str:
        for shown, used in self.ports.items():
            text = text.replace(f"127.0.0.1:{used}", f"127.0.0.1:{shown}")
        return text

    def run(self, command: Command) -> list[str]:
        """The lines `command` prints (stdout and stderr in the order written)."""
        text = self.to_run(command.text)
        if command.background:
            self._start(text)
            return []
        done = subprocess.run(
            ["bash", "-c", text],
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=_COMMAND_TIMEOUT,
        )
        return self.as_shown(done.stdout).splitlines()

    def _start(self, text: str) -> None:
        words = shlex.split(text, comments=True)
        port = {"sandbox": self.ports[8765], "serve": self.ports[8080]}.get(words[1])
        if port is not None and "--port" not in words and "-p" not in words:
            words += ["--port", str(port)]
        server = subprocess.Popen(
            words,
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.servers.append(server)
        if port is not None:
            _wait_for(port, server)

    def stop(self) -> None:
        for server in self.servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
        for server in self.servers:
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)
            if server.stderr is not None:
                server.stderr.close()


@contextmanager
def tour() -> Iterator[Tour]:
    """A scratch copy of configs/ and examples/, their sandbox URL on a free port."""
    ports = {shown: _free_port() for shown in PORTS}
    with tempfile.TemporaryDirectory(prefix="pingpost-tour-") as scratch:
        workdir = Path(scratch)
        shutil.copytree(ROOT / "examples", workdir / "examples")
        shutil.copytree(ROOT / "configs", workdir / "configs")
        for path in (workdir / "configs").rglob("*.y*ml"):
            text = path.read_text(encoding="utf-8")
            for shown, used in ports.items():
                text = text.replace(f"127.0.0.1:{shown}", f"127.0.0.1:{used}")
            path.write_text(text, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PINGPOST_")}
        bin_dir = str(Path(sys.executable).parent)
        env.update(
            PATH=bin_dir + os.pathsep + env.get("PATH", ""),
            NO_COLOR="1",
            COLUMNS="120",
            PYTHONUNBUFFERED="1",  # stdout and stderr interleave as a terminal shows them
        )
        running = Tour(workdir, ports, env)
        try:
            yield running
        finally:
            running.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(port: int, server: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            err = server.stderr.read() if server.stderr else ""
            raise AssertionError(f"the background command exited early:\n{err}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


# ------------------------------------------------------------------ comparing


def normal(line: str) -> str:
    return " ".join(line.split())


def pattern(line: str, vary: tuple[str, ...]) -> re.Pattern[str]:
    """A shown line as a pattern: `…` and the block's varying parts match anything of
    their kind; the rest is literal."""
    text = normal(line)
    kinds = "|".join(f"(?:{VARY[name]})" for name in vary)
    pieces: list[str] = []
    at = 0
    for match in re.finditer(kinds, text) if kinds else ():
        pieces.append(_literal(text[at : match.start()]))
        pieces.append(f"(?:{kinds})")
        at = match.end()
    pieces.append(_literal(text[at:]))
    return re.compile("".join(pieces))


def _literal(text: str) -> str:
    return ".*?".join(re.escape(part) for part in text.split("…"))


def mismatches(shown: list[str], printed: list[str], vary: tuple[str, ...]) -> list[str]:
    """The shown lines the printed output does not match, in order ([] when it does).
    A `...` line matches any number of printed lines."""
    expected = [None if s.strip() in ("...", "…") else pattern(s, vary) for s in shown]
    actual = [normal(p) for p in printed]
    memo: dict[tuple[int, int], bool] = {}

    def fits(i: int, j: int) -> bool:
        if (i, j) not in memo:
            if i == len(expected):
                memo[i, j] = j == len(actual)
            elif expected[i] is None:
                memo[i, j] = any(fits(i + 1, k) for k in range(j, len(actual) + 1))
            else:
                wanted = expected[i]
                assert wanted is not None
                memo[i, j] = j < len(actual) and bool(wanted.fullmatch(actual[j]))
                memo[i, j] = memo[i, j] and fits(i + 1, j + 1)
        return memo[i, j]

    if fits(0, 0):
        return []
    return _first_difference(shown, printed, vary)


def _first_difference(shown: list[str], printed: list[str], vary: tuple[str, ...]) -> list[str]:
    """A readable account of where the output first differs from the README."""
    unmatched = [
        s
        for s in shown
        if s.strip() not in ("...", "…")
        and not any(pattern(s, vary).fullmatch(normal(p)) for p in printed)
    ]
    extra = "\n".join(f"    {p}" for p in printed)
    missing = "\n".join(f"    {s}" for s in unmatched) or "    (every line is there)"
    return [f"shown but not printed, or out of order:\n{missing}\nprinted:\n{extra}"]


# ------------------------------------------------------------------ updating


def updated(command: Command, printed: list[str], vary: tuple[str, ...]) -> list[str]:
    """The new shown output of `command`: unchanged when it still matches (no churn of
    timings); else what it printed, keeping the README's `...` (the same number of
    lines before and after it). A line shortened with `…` has to be shortened again."""
    if not mismatches(command.shown, printed, vary):
        return command.shown
    printed = [line.rstrip() for line in printed]
    cut = [i for i, line in enumerate(command.shown) if line.strip() in ("...", "…")]
    if not cut:
        return printed
    head = cut[0]
    tail = len(command.shown) - cut[-1] - 1
    return [*printed[:head], "...", *(printed[-tail:] if tail else [])]


def update_readme() -> None:
    text = README.read_text(encoding="utf-8")
    lines = text.splitlines()
    with tour() as running:
        outputs = [(block, [running.run(c) for c in block.commands]) for block in blocks(text)]
    for block, printed in reversed(outputs):  # backwards: earlier line numbers stay valid
        body: list[str] = []
        for command, lines_printed in zip(block.commands, printed, strict=True):
            body += [f"$ {command.text}".split("\n")[0], *command.text.split("\n")[1:]]
            if command.background:
                body += command.shown
            else:
                body += updated(command, lines_printed, block.vary)
        lines[block.start + 1 : block.end] = body
    README.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.readme_tour --update")
    update_readme()
