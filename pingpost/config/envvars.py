"""`${NAME}` and `${NAME:-default}` in config strings.

Every value that came from the environment is a secret (masked in all output); a
default that was used is not. `$${` writes a literal `${`. A missing variable is
an error that names it and never shows a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pingpost.config.marks import DocMarks, NodePath
from pingpost.errors import Problem

_CONTAINERS = (dict, list)
_REFERENCE = re.compile(r"\$\$\{|\$\{(?:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\})?")


@dataclass
class Interpolation:
    """The result of interpolating one document."""

    data: Any
    secrets: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)


def interpolate(data: Any, marks: DocMarks, env: Mapping[str, str]) -> Interpolation:
    """Replace every reference in every string value (keys are left alone)."""
    result = Interpolation(None)
    result.data = _walk(data, (), marks, env, result)
    return result


def _walk(
    node: Any, path: NodePath, marks: DocMarks, env: Mapping[str, str], out: Interpolation
) -> Any:
    """`node` with every string interpolated; unchanged containers are returned as they are."""
    if type(node) is str:
        return _string(node, path, marks, env, out) if "${" in node else node
    if type(node) is dict:
        changed: dict[Any, Any] | None = None
        for key, value in node.items():
            if type(value) in _CONTAINERS or (type(value) is str and "${" in value):
                new = _walk(value, (*path, key), marks, env, out)
                if new is not value:
                    changed = changed if changed is not None else dict(node)
                    changed[key] = new
        return node if changed is None else changed
    if type(node) is list:
        items = [_walk(item, (*path, i), marks, env, out) for i, item in enumerate(node)]
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    return node


def _string(
    text: str, path: NodePath, marks: DocMarks, env: Mapping[str, str], out: Interpolation
) -> str:
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$${":
            return "${"
        name, default = match.group(1), match.group(2)
        if name is None:
            out.problems.append(marks.problem(path, _malformed(text, match.start())))
            return token
        value = env.get(name)
        if value is None or (value == "" and default is not None):
            if default is None:
                out.problems.append(marks.problem(path, _missing(name)))
                return ""
            return default
        if value:
            out.secrets.add(value)
        return value

    return _REFERENCE.sub(replace, text)


def _missing(name: str) -> str:
    return (
        f"environment variable `{name}` is not set "
        f"(set it, or give a default: `${{{name}:-default}}`)"
    )


def _malformed(text: str, start: int) -> str:
    snippet = text[start : start + 24].split("}")[0]
    return (
        f"malformed environment reference `{snippet}`: write `${{NAME}}` or "
        "`${NAME:-default}` (NAME: letters, digits, _), or `$${` for a literal `${`"
    )
