"""The loaded documents of a config, each with its positions, and the problems found in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from pingpost.config.marks import DocMarks, NodePath, On
from pingpost.errors import Problem, Severity


@dataclass
class Loaded:
    """One document. `model` is None when the document itself has errors."""

    kind: str
    name: str | None
    model: BaseModel | None
    marks: DocMarks
    label: str  # `delivery_method `acme``, for messages
    tainted: bool = False  # a check found an error in it: skip the offline checks
    reference: str | None = None  # an account's `method`, even when the account has errors
    secret_paths: frozenset[NodePath] = frozenset()  # strings holding an environment value


class LoadedSet:
    """Every document of a config; the first of each (kind, name) is the one used."""

    def __init__(self) -> None:
        self._docs: list[Loaded] = []
        self._first: dict[tuple[str, str], Loaded] = {}
        # files that could not be read to the end: file -> its text (None: not decoded)
        self.unreadable: dict[str, str | None] = {}

    def add(self, doc: Loaded) -> None:
        self._docs.append(doc)
        if doc.name is not None:
            self._first.setdefault((doc.kind, doc.name), doc)

    def all(self) -> list[Loaded]:
        return list(self._docs)

    def valid(self, kind: str) -> list[Loaded]:
        """The usable documents of `kind` (model loaded, first of its name)."""
        return [
            d
            for d in self._docs
            if d.kind == kind and d.model is not None and self._first.get((kind, d.name or "")) is d
        ]

    def get(self, kind: str, name: str) -> Loaded | None:
        """The document named `name`, usable or not (None when there is none)."""
        return self._first.get((kind, name))

    def has_unnamed(self, kind: str) -> bool:
        """A document of `kind` whose name could not be read: any reference may be to it."""
        return any(d.kind == kind and d.name is None for d in self._docs)

    def unread_definition(self, name: str) -> tuple[bool, str]:
        """May `name` be defined in a file that could not be read? (suppress, note).

        A file whose text names it most likely defines it: the dangling reference is
        not reported (the file's own error is). A file that could not even be
        decoded is named in a note on the reference's error.
        """
        if any(text is not None and name in text for text in self.unreadable.values()):
            return True, ""
        blind = [f"`{file}`" for file, text in self.unreadable.items() if text is None]
        return False, f" ({', '.join(blind)} could not be read)" if blind else ""

    def references(self, kind: str) -> set[str]:
        return {d.reference for d in self._docs if d.kind == kind and d.reference}

    def names(self, kind: str) -> list[str]:
        return sorted(name for k, name in self._first if k == kind)

    def models(self, kind: str) -> dict[str, Any]:
        return {d.name: d.model for d in self.valid(kind) if d.name is not None}

    def settings(self) -> Loaded | None:
        found = self.valid("settings")
        return found[0] if found else None

    def duplicates(self) -> list[Problem]:
        problems: list[Problem] = []
        for doc in self._docs:
            if doc.name is None:
                continue
            first = self._first[(doc.kind, doc.name)]
            if first is doc:
                continue
            line, column = first.marks.position(("name",))
            where = f"{first.marks.file}:{line}:{column}"
            if doc.kind == "settings":
                message = f"a second settings document (the first is at {where}); keep one"
                problems.append(doc.marks.problem(("kind",), message))
            else:
                message = f"{doc.label} is defined twice (first at {where}); names are unique"
                problems.append(doc.marks.problem(("name",), message))
        return problems


@dataclass
class Reporter:
    """Collects located problems; an error taints its document."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, doc: Loaded, path: NodePath, message: str, *, on: On = "value") -> None:
        doc.tainted = True
        self.problems.append(doc.marks.problem(path, message, on=on))

    def warning(self, doc: Loaded, path: NodePath, message: str, *, on: On = "value") -> None:
        self.problems.append(doc.marks.problem(path, message, on=on, severity="warning"))

    def at(
        self, doc: Loaded, position: tuple[int, int], message: str, *, warning: bool = False
    ) -> None:
        if not warning:
            doc.tainted = True
        severity: Severity = "warning" if warning else "error"
        self.problems.append(Problem(doc.marks.file, *position, message, severity))
