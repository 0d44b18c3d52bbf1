"""Safe YAML reading: plain data plus the position of every node, hostile input refused.

We build Python values straight from the parser's event stream, without
PyYAML's constructors, so that nothing but plain data can come out of a file:

- only the YAML 1.2 core schema: `true`/`false` are booleans, `yes`/`no`/`on`/`off`
  and `12:30` stay strings, `012` is 12;
- no tags but `!!str` (and `!!map`/`!!seq`): `!!python/...` and custom tags are refused;
- duplicate keys are refused, merge keys (`<<: *base`) are honoured;
- bounded: file size, nesting depth, and the nodes that aliases may expand to
  (a "billion laughs" file is refused after a small budget, not expanded);
- the event loop is iterative, so deep nesting cannot exhaust the Python stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pingpost.config.marks import file_problem
from pingpost.config.yaml_compose import MAX_DEPTH, Composer, Document, Fatal
from pingpost.errors import Problem

MAX_FILE_BYTES = 1024 * 1024

_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_file(path: Path, display: str) -> tuple[list[Document], list[Problem], str | None]:
    """Read every document of one file. Returns (documents, file problems, decoded text)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [], [file_problem(display, _too_large(size))], None
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return [], [file_problem(display, f"cannot read the file: {exc.strerror or exc}")], None
    if len(raw) > MAX_FILE_BYTES:  # grew while we looked
        return [], [file_problem(display, _too_large(len(raw)))], None
    text, problem = decode(raw, display)
    if text is None:
        return [], [problem] if problem else [], None
    docs, problems = read_text(text, display)
    return docs, problems, text


def _too_large(size: int) -> str:
    return (
        f"the file is {size / 1024 / 1024:.1f} MB; config files are limited to "
        f"{MAX_FILE_BYTES // 1024 // 1024} MB (split it into several files)"
    )


def decode(raw: bytes, display: str) -> tuple[str | None, Problem | None]:
    """UTF-8 only (a UTF-8 byte order mark is allowed); the bad byte is located."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        start = exc.start
        line = raw.count(b"\n", 0, start) + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        message = f"the file is not valid UTF-8 (byte 0x{raw[start]:02x}); save it as UTF-8"
        return None, file_problem(display, message, (line, column))


def read_text(text: str, display: str) -> tuple[list[Document], list[Problem]]:
    """Every document of `text`; a fatal problem keeps the documents read before it."""
    composer = Composer(display, text)
    parser = _LOADER(text)
    try:
        event = parser.get_event()
        while event is not None and type(event) is not yaml.StreamEndEvent:
            composer.feed(event)
            event = parser.get_event()
    except Fatal as fatal:
        return composer.docs, [fatal.problem]
    except yaml.MarkedYAMLError as exc:
        return composer.docs, [_syntax_problem(exc, display, text)]
    except yaml.YAMLError as exc:  # ReaderError: a control character
        return composer.docs, [_reader_problem(exc, text, display)]
    finally:
        parser.dispose()
    if not composer.docs:
        return [], [file_problem(display, "the file holds no YAML document (expected a `kind`)")]
    return composer.docs, []


def _syntax_problem(exc: yaml.MarkedYAMLError, display: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "syntax error"
    if "nesting depth" in problem:
        problem = f"the YAML nests too deeply (more than {MAX_DEPTH} levels are refused)"
    elif "tab" in problem or (mark and _char_at(text, mark.line, mark.column) == "\t"):
        problem = "a tab character: YAML indents with spaces, never tabs"
    elif exc.context:
        problem = f"{problem} ({exc.context})"
    position = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    return file_problem(display, f"invalid YAML: {problem}", position)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    return lines[line][column : column + 1] if line < len(lines) else ""


def _reader_problem(exc: yaml.YAMLError, text: str, display: str) -> Problem:
    index = getattr(exc, "position", 0)
    character = getattr(exc, "character", None)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    if isinstance(character, str):
        character = ord(character)
    what = f"character U+{character:04X}" if isinstance(character, int) else "a character"
    message = f"invalid YAML: {what} is not allowed in YAML text (control characters)"
    return file_problem(display, message, (line, column))
