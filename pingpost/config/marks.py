"""Where every node of a YAML document sits, so each problem points at its exact spot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pingpost.errors import Problem, Severity

Key = str | int | float | bool | None
NodePath = tuple[Key, ...]
Position = tuple[int, int]  # 1-based line and column
On = Literal["value", "key", "parent"]


@dataclass
class DocMarks:
    """The side table of one document: node path -> position of its key and of its value.

    Paths are the YAML keys and list indices from the document root, e.g.
    `("ping", "mappings", "zip")`. A lookup for a path that does not exist (a
    missing key, a key the user never wrote) falls back to its deepest existing
    parent, so every problem gets a real position.
    """

    file: str
    start: Position = (1, 1)
    keys: dict[NodePath, Position] = field(default_factory=dict)
    values: dict[NodePath, Position] = field(default_factory=dict)
    collections: set[NodePath] = field(default_factory=set)  # mappings and lists
    literal_blocks: dict[NodePath, int] = field(default_factory=dict)  # `|` -> text column

    def position(self, path: NodePath, on: On = "value") -> Position:
        """The position of `path`'s value (or key); `parent` points at the enclosing key.

        A path that is not in the file falls back to its deepest existing parent:
        a scalar parent is shown at its value (the shorthand `zip: ZipCode` stands
        for `{field: ZipCode}`), a mapping or list at its key.
        """
        if on == "parent":
            return self._enclosing(path[:-1])
        first, second = (self.keys, self.values) if on == "key" else (self.values, self.keys)
        found = first.get(path) or second.get(path)
        if found is not None:
            return found
        while path:
            path = path[:-1]
            if path in self.collections:
                return self.keys.get(path) or self.values[path]
            if path in self.values:
                return self.values[path]
        return self.values.get((), self.start)

    def _enclosing(self, path: NodePath) -> Position:
        # a mapping is best shown by its key (`ping:`), a list item by its `-`
        while path:
            found = self.keys.get(path) or self.values.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.values.get((), self.start)

    def text_position(self, path: NodePath, line_in_text: int) -> Position:
        """The file position of line `line_in_text` (1-based) inside a string value.

        Exact for literal block scalars (`|`), whose text starts on the next line;
        for other styles the value's own position is the best we know.
        """
        line, column = self.position(path)
        if path in self.literal_blocks and line_in_text >= 1:
            return line + line_in_text, self.literal_blocks[path]
        return line, column

    def problem(
        self, path: NodePath, message: str, *, on: On = "value", severity: Severity = "error"
    ) -> Problem:
        line, column = self.position(path, on)
        return Problem(self.file, line, column, message, severity)


def file_problem(file: str, message: str, position: Position = (0, 0)) -> Problem:
    """A problem with the file as a whole (unreadable, empty, too large)."""
    return Problem(file, position[0], position[1], message)


def show_path(path: NodePath) -> str:
    """`ping.mappings["contact.phone"].field`, `examples[0].ping` ..."""
    out = ""
    for key in path:
        if isinstance(key, int) and not isinstance(key, bool):
            out += f"[{key}]"
        elif isinstance(key, str) and key and all(c.isalnum() or c in "_-@" for c in key):
            out += f".{key}" if out else key
        else:
            out += f"[{_quote(key)}]"
    return out


def _quote(key: Key) -> str:
    if isinstance(key, str):
        return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)
