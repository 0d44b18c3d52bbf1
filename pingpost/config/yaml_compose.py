"""Build plain Python data and its position table from PyYAML's event stream.

Iterative (an explicit stack), so nesting is bounded by `MAX_DEPTH` and never by
the interpreter's recursion limit. Aliases share the anchored value (no copy) and
are charged against `MAX_ALIAS_NODES` by the size of what they stand for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from pingpost.config.marks import DocMarks, NodePath, Position
from pingpost.config.yaml_scalars import (
    COLLECTION_TAGS,
    KEY_TYPES,
    STR_TAGS,
    resolve_plain,
    show_tag,
)
from pingpost.errors import Problem

MAX_DEPTH = 100
MAX_ALIAS_NODES = 100_000  # nodes that aliases may stand for, per file

_NO_KEY = object()  # a map frame waiting for its next key
_BAD_KEY = object()  # a key we refused: its value is read and dropped

# (relative path, kind, line, column); kind: "k" key, "v" scalar value, "c" collection
# value, "b" a literal block scalar (`|`)
MarkEntry = tuple[NodePath, str, int, int]


@dataclass
class Document:
    """One YAML document: its plain data, positions, and problems found while reading it."""

    file: str
    index: int  # 0-based position of the document in its file
    data: Any
    marks: DocMarks
    problems: list[Problem] = field(default_factory=list)


class Fatal(Exception):
    """The rest of the file cannot be read (too deep, alias bomb)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class _Frame:
    path: NodePath
    container: dict[Any, Any] | list[Any]
    position: Position
    anchor: str | None
    marks_start: int
    key: Any = _NO_KEY
    is_merge: bool = False  # the value being read belongs to a `<<` key
    merges: list[tuple[Any, list[MarkEntry]]] = field(default_factory=list)
    count: int = 1
    is_key: bool = False  # a collection used as a mapping key (refused)


class Composer:
    """Feed it events; complete documents accumulate in `docs`."""

    def __init__(self, file: str, text: str = "") -> None:
        self.file = file
        self.lines = text.splitlines()
        self.docs: list[Document] = []
        self.alias_nodes = 0
        self._reset()

    def _reset(self) -> None:
        self.stack: list[_Frame] = []
        self.marks: list[MarkEntry] = []
        self.anchors: dict[str, tuple[Any, int, list[MarkEntry]]] = {}
        self.problems: list[Problem] = []
        self.root: Any = None
        self.start: Position = (1, 1)

    # ------------------------------------------------------------------ events

    def feed(self, event: yaml.Event) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self._scalar(event)  # type: ignore[arg-type]
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            self._start(event)  # type: ignore[arg-type]
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self._end()
        elif kind is yaml.AliasEvent:
            self._alias(event)  # type: ignore[arg-type]
        elif kind is yaml.DocumentStartEvent:
            self._reset()
            self.start = _position(event)
        elif kind is yaml.DocumentEndEvent:
            self._finish_document()

    def _finish_document(self) -> None:
        marks = DocMarks(self.file, self.start)
        for path, kind, line, column in self.marks:
            if kind == "k":
                marks.keys.setdefault(path, (line, column))
            elif kind == "v":
                marks.values.setdefault(path, (line, column))
            elif kind == "c":
                marks.values.setdefault(path, (line, column))
                marks.collections.add(path)
            else:  # "b": the column is that of the block's text
                marks.literal_blocks[path] = column
        index = len(self.docs)
        self.docs.append(Document(self.file, index, self.root, marks, self.problems))

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        position = _position(event)
        value: Any = event.value
        tag = event.tag
        if tag is not None and tag not in STR_TAGS:
            self._refuse_tag(tag, position)
        elif tag is None and event.implicit[0]:
            value = resolve_plain(event.value)
        top = self.stack[-1] if self.stack else None
        if (
            top is not None
            and event.anchor is None
            and event.style != "|"
            and self._attach_plain(top, value, position)
        ):
            return
        if top is not None and isinstance(top.container, dict) and top.key is _NO_KEY:
            is_merge = event.value == "<<" and tag is None and event.implicit[0]
            self._set_key(top, value, position, is_merge=is_merge)
            return
        path = self._child_path()
        entries: list[MarkEntry] = [((), "v", *position)]
        if event.style == "|":
            entries.append(((), "b", position[0], self._indent(position[0])))
        self._complete(value, 1, path, entries, event.anchor)

    def _attach_plain(self, top: _Frame, value: Any, position: Position) -> bool:
        """The common case, kept fast: a plain value in a list, or under a key just read."""
        container = top.container
        if type(container) is list:
            path = (*top.path, len(container))
            container.append(value)
        elif top.key is _NO_KEY or top.key is _BAD_KEY or top.is_merge:
            return False
        else:
            path = (*top.path, top.key)
            container[top.key] = value
            top.key = _NO_KEY
        top.count += 1
        self.marks.append((path, "v", *position))
        return True

    def _start(self, event: yaml.MappingStartEvent | yaml.SequenceStartEvent) -> None:
        position = _position(event)
        if len(self.stack) >= MAX_DEPTH:
            raise Fatal(
                Problem(self.file, *position, f"the YAML nests deeper than {MAX_DEPTH} levels")
            )
        if event.tag is not None and event.tag not in COLLECTION_TAGS:
            self._refuse_tag(event.tag, position)
        top = self.stack[-1] if self.stack else None
        is_key = top is not None and isinstance(top.container, dict) and top.key is _NO_KEY
        path = () if is_key else self._child_path()
        marks_start = len(self.marks)
        if not is_key:
            self.marks.append((path, "c", *position))
        container: dict[Any, Any] | list[Any] = (
            {} if isinstance(event, yaml.MappingStartEvent) else []
        )
        frame = _Frame(path, container, position, event.anchor, marks_start, is_key=is_key)
        self.stack.append(frame)

    def _end(self) -> None:
        frame = self.stack.pop()
        top = self.stack[-1] if self.stack else None
        if frame.is_key and top is not None:
            del self.marks[frame.marks_start :]
            self.problems.append(
                Problem(self.file, *frame.position, "a mapping key must be a plain value")
            )
            top.key = _BAD_KEY
            return
        if frame.merges:
            self._apply_merges(frame)
        entries: list[MarkEntry] = []
        if frame.anchor is not None or (top is not None and (top.is_merge or top.key is _BAD_KEY)):
            # lift the subtree's marks out: an anchor replays them, a merge re-roots them
            depth = len(frame.path)
            entries = [(p[depth:], k, ln, c) for p, k, ln, c in self.marks[frame.marks_start :]]
            del self.marks[frame.marks_start :]
        self._complete(frame.container, frame.count, frame.path, entries, frame.anchor)

    def _alias(self, event: yaml.AliasEvent) -> None:
        position = _position(event)
        anchor = event.anchor or ""
        if anchor not in self.anchors:
            self.problems.append(
                Problem(self.file, *position, f"unknown alias `*{anchor}` (no `&{anchor}` before)")
            )
            value, count = None, 1
            entries: list[MarkEntry] = [((), "v", *position)]
        else:
            value, count, entries = self.anchors[anchor]
            self.alias_nodes += count
            if self.alias_nodes > MAX_ALIAS_NODES:
                raise Fatal(
                    Problem(
                        self.file,
                        *position,
                        f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes "
                        "(an alias bomb?); write the values out",
                    )
                )
            entries = [((), "v", *position), *(e for e in entries if e[0] or e[1] == "c")]
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.container, dict) and top.key is _NO_KEY:
            self._set_key(top, value, position, is_merge=False)
            return
        self._complete(value, count, self._child_path(), entries, None)

    # ------------------------------------------------------------------ building

    def _indent(self, line: int) -> int:
        """The 1-based column where a block scalar's text starts (the line after `|`)."""
        if line < len(self.lines):
            text = self.lines[line]
            return len(text) - len(text.lstrip(" ")) + 1
        return 1

    def _child_path(self) -> NodePath:
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.container, list):
            return (*top.path, len(top.container))
        return (*top.path, top.key) if top.key not in (_NO_KEY, _BAD_KEY) else top.path

    def _set_key(self, top: _Frame, key: Any, position: Position, *, is_merge: bool) -> None:
        assert isinstance(top.container, dict)
        if is_merge:
            top.key, top.is_merge = "<<", True
            return
        if type(key) not in KEY_TYPES:
            self.problems.append(
                Problem(self.file, *position, "a mapping key must be a plain value")
            )
            top.key = _BAD_KEY
            return
        if key in top.container:
            first = self._key_line((*top.path, key))
            self.problems.append(
                Problem(
                    self.file, *position, f"duplicate key `{key}` (first defined on line {first})"
                )
            )
            top.key = _BAD_KEY
            return
        top.key = key
        self.marks.append(((*top.path, key), "k", *position))

    def _key_line(self, path: NodePath) -> int:
        return next((line for p, k, line, _ in self.marks if p == path and k == "k"), 0)

    def _complete(
        self, value: Any, count: int, path: NodePath, entries: list[MarkEntry], anchor: str | None
    ) -> None:
        """A node is complete: store its anchor, attach it to its parent, record its marks."""
        if anchor is not None:
            self.anchors[anchor] = (value, count, entries)
        if not self.stack:
            self.root = value
            self.marks.extend(((*path, *p), k, line, col) for p, k, line, col in entries)
            return
        top = self.stack[-1]
        top.count += count
        if isinstance(top.container, list):
            top.container.append(value)
        elif top.is_merge:
            top.merges.append((value, entries))
            top.key, top.is_merge = _NO_KEY, False
            return
        elif top.key is _BAD_KEY:
            top.key = _NO_KEY
            return
        else:
            top.container[top.key] = value
            top.key = _NO_KEY
        self.marks.extend(((*path, *p), k, line, col) for p, k, line, col in entries)

    def _apply_merges(self, frame: _Frame) -> None:
        """`<<: *base` or `<<: [*a, *b]`: keys written here win, then earlier sources."""
        assert isinstance(frame.container, dict)
        for value, entries in frame.merges:
            sources = [(value, entries)]
            if isinstance(value, list):
                sources = [
                    (item, [(p[1:], k, ln, c) for p, k, ln, c in entries if p[:1] == (i,)])
                    for i, item in enumerate(value)
                ]
            for source, source_entries in sources:
                if not isinstance(source, dict):
                    line, column = frame.position
                    self.problems.append(
                        Problem(self.file, line, column, "`<<` merges mappings only")
                    )
                    continue
                for key, item in source.items():
                    if key in frame.container:  # written here, or by an earlier source
                        continue
                    frame.container[key] = item
                    self.marks.extend(
                        ((*frame.path, *p), k, ln, c)
                        for p, k, ln, c in source_entries
                        if p[:1] == (key,)
                    )

    def _refuse_tag(self, tag: str, position: Position) -> None:
        self.problems.append(
            Problem(
                self.file,
                *position,
                f"the tag `{show_tag(tag)}` is not allowed: pingpost configs are plain data "
                "(quote the value if it is text)",
            )
        )


def _position(event: yaml.Event) -> Position:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
