"""`${NAME}` and `${NAME:-default}` in config strings.

Every value that came from the environment is a secret (masked in all output); a
default that was used is not. `$${` writes a literal `${`. A missing variable is
an error that names it and never shows a value.

An environment value is data, never template source: in a string that is
rendered as a template (url, headers, auth, body, mapping value/template), a
value holding any of `{}%#` is inserted as the Jinja expression
`{{ "<escaped value>" | safe }}`, which renders to exactly the value in every
flavour. A reference inside a template tag (`{{ "${X}" }}`) is refused: there
the value would be code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pingpost.config.marks import DocMarks, NodePath
from pingpost.errors import Problem

_CONTAINERS = (dict, list)
_REFERENCE = re.compile(r"\$\$\{|\$\{(?:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\})?")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_JINJA_CHARACTERS = frozenset("{}%#")
_PHASES = ("ping", "post")
_TEXT_TEMPLATES = frozenset({("url",), ("test_url",), ("body",)})


@dataclass
class Interpolation:
    """The result of interpolating one document."""

    data: Any
    secrets: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    secret_paths: set[NodePath] = field(default_factory=set)  # strings holding a secret
    templates: bool = False  # a delivery method: some strings are templates


def interpolate(data: Any, marks: DocMarks, env: Mapping[str, str]) -> Interpolation:
    """Replace every reference in every string value (keys are left alone)."""
    result = Interpolation(None)
    result.templates = isinstance(data, dict) and data.get("kind") == "delivery_method"
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
    template = out.templates and is_template_path(path)
    tags = [m.span() for m in _TAG.finditer(text)] if template else []

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$${":
            return "${"
        name, default = match.group(1), match.group(2)
        if name is None:
            out.problems.append(marks.problem(path, _malformed(text, match.start())))
            return token
        if any(start < match.end() and match.start() < end for start, end in tags):
            out.problems.append(marks.problem(path, _in_tag(name)))
            return ""
        value = env.get(name)
        if value is None or (value == "" and default is not None):
            if default is None:
                out.problems.append(marks.problem(path, _missing(name)))
                return ""
            return default
        if value:
            out.secrets.add(value)
            out.secret_paths.add(path)
            if len(value) < SHORT_SECRET and "auth" in path:  # masked only as a whole token
                out.problems.append(marks.problem(path, _short(name), severity="warning"))
        if template and not _JINJA_CHARACTERS.isdisjoint(value):
            return literal_expression(value)
        return value

    return _REFERENCE.sub(replace, text)


SHORT_SECRET = 4  # pingpost.masking.SHORT_SECRET


def _short(name: str) -> str:
    return (
        f"${{{name}}} is shorter than {SHORT_SECRET} characters: output masks it only where "
        "it stands alone (and in auth headers), so it may show inside other text; use a "
        "longer secret"
    )


def literal_expression(value: str) -> str:
    """A Jinja expression that renders to exactly `value`, whatever it holds.

    A JSON string is a valid Jinja string literal (its escapes are Python's);
    non-ASCII stays as is so that astral characters survive Jinja's unescaping.
    `| safe` inserts it untouched, as literal text in the template would be.
    """
    return "{{ " + json.dumps(value, ensure_ascii=False) + " | safe }}"


def is_template_path(path: NodePath) -> bool:
    """Does this string of a delivery method get rendered as a template?"""
    if len(path) < 2 or path[0] not in _PHASES:
        return False
    rest = path[1:]
    if rest in _TEXT_TEMPLATES:
        return True
    if rest[0] == "headers":
        return len(rest) == 2
    if rest[0] == "auth":
        return len(rest) == 2 and rest[1] not in ("type", "name")
    return rest[0] == "mappings" and len(rest) == 3 and rest[2] in ("value", "template")


def _in_tag(name: str) -> str:
    return (
        f"`${{{name}}}` is inside a template tag: an environment value is inserted as "
        "literal text, never as template code; move it out of the `{{ … }}` / `{% … %}`"
    )


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
