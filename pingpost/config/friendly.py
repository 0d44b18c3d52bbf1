"""Pydantic's validation errors, turned into one located, friendly line each.

`error_paths` recovers each error's YAML path (for the line and column) and the
model that owns it (for "did you mean" suggestions and the allowed values).
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from pingpost.config.error_paths import Located, locate, strip
from pingpost.config.marks import DocMarks, NodePath, On, show_path
from pingpost.config.models import CONDITION_OPERATORS, PathCondition, PingRequest
from pingpost.errors import Problem

_CONDITION_KEYS = ("path", "regex", "contains", "status", "header", "all", "any", "not")


def problems_from(
    error: ValidationError, model: type[BaseModel], marks: DocMarks, label: str
) -> list[Problem]:
    """Every error of `error` as a located problem; `label` is e.g. "delivery_method `acme`"."""
    located = _deepest(
        [(locate(model, err["loc"]), err) for err in error.errors(include_url=False)]
    )
    problems: list[Problem] = []
    by_path: dict[NodePath, list[tuple[Located, Any]]] = {}
    for where, err in located:
        by_path.setdefault(where.path, []).append((where, err))
    typos = _typo_objects(located)
    for path, group in by_path.items():
        types_only = [g for g in group if _expectation(g[1]["type"]) is not None]
        if len(types_only) > 1 and len(types_only) == len(group):
            problems.append(_union_problem(path, group, marks, label))
            continue
        for where, err in group:
            if err["type"] == "missing" and where.path[:-1] in typos:
                continue
            message, on, at = _message(where, err, label)
            problems.append(marks.problem(at, message, on=on))
    return problems


def _deepest(located: list[tuple[Located, Any]]) -> list[tuple[Located, Any]]:
    """Drop "expected X" at a path when another error lies under it.

    For `status: [200, x]` (an int or a list of ints) pydantic says both "not an
    int" at `status` and "not an int" at `status[1]`; only the second is useful.
    """
    paths = [where.path for where, _ in located]

    def shadowed(where: Located, err: Any) -> bool:
        n = len(where.path)
        return _expectation(err["type"]) is not None and any(
            len(p) > n and p[:n] == where.path for p in paths
        )

    return [(where, err) for where, err in located if not shadowed(where, err)]


def _typo_objects(located: Iterable[tuple[Located, Any]]) -> set[NodePath]:
    """Objects with an unknown key that looks like a typo of a known one.

    Their "missing key" errors are noise: `{urll: x}` is missing `url` because of
    the typo, and `{contain: x}` is missing `path` because it was meant as `contains`.
    """
    out: set[NodePath] = set()
    for where, err in located:
        if (
            err["type"] == "extra_forbidden"
            and where.path
            and _close(str(where.path[-1]), _known_keys(where.owner))
        ):
            out.add(where.path[:-1])
    return out


# --------------------------------------------------------------------------- messages

_EXPECT = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "decimal_type": "a decimal number such as 12.50",
    "decimal_parsing": "a decimal number such as 12.50",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "tuple_type": "a list",
    "list_type": "a list",
}


def _expectation(error_type: str) -> str | None:
    return _EXPECT.get(error_type)


def _message(where: Located, err: Any, label: str) -> tuple[str, On, NodePath]:
    """The message, and where it points: the value, the key, or the enclosing key."""
    kind, path = err["type"], where.path
    subject = _subject(label, path)
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return _unknown_key(where, label), "key", path
    if kind == "missing":
        return f"missing key `{path[-1]}` in {_subject(label, path[:-1])}", "parent", path
    if kind == "union_tag_not_found":
        key = str(ctx.get("discriminator", "type")).strip("'")
        message = f"missing key `{key}` in {subject} (one of {_tags(where.annotation)})"
        return message, "parent", (*path, key)
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "")).strip("'")
        got, tags = str(ctx.get("tag", "")), _quoted(ctx.get("expected_tags", ""))
        message = f"{_subject(label, (*path, key))}: unknown {key} `{got}`; expected one of "
        return message + ", ".join(tags) + _did_you_mean(got, tags), "value", (*path, key)
    if kind == "literal_error":
        allowed = _literal_values(where.annotation) or _quoted(ctx.get("expected", ""))
        got = _show(err.get("input"))
        hint = _did_you_mean(str(err.get("input")), allowed)
        return f"{subject}: expected one of {', '.join(allowed)}, got {got}{hint}", "value", path
    if kind in ("value_error", "assertion_error"):
        return f"{subject}: {ctx.get('error', err['msg'])}", "value", path
    on: On = "key" if where.key_error else "value"
    return f"{subject}: {_describe(err, where)}", on, path


def _describe(err: Any, where: Located) -> str:
    kind, value = err["type"], err.get("input")
    expected = _expectation(kind)
    if expected:
        if where.key_error:
            return f"the key {_show(value)} must be {expected}"
        hint = (
            f'; quote it: "{_yaml_text(value)}"'
            if kind == "string_type" and _is_plain(value)
            else ""
        )
        return f"expected {expected}, got {_show(value)}{hint}"
    ctx = err.get("ctx") or {}
    bounds = {
        "greater_than": "greater than {gt}",
        "greater_than_equal": "at least {ge}",
        "less_than": "less than {lt}",
        "less_than_equal": "at most {le}",
        "string_too_short": "not empty",
        "finite_number": "a finite number",
    }
    if kind in bounds:
        limits = {k: _number(v) for k, v in ctx.items()}
        return f"must be {bounds[kind].format(**limits)}, got {_show(value)}"
    return f"{err['msg'][:1].lower()}{err['msg'][1:]}"


def _union_problem(
    path: NodePath, group: list[tuple[Located, Any]], marks: DocMarks, label: str
) -> Problem:
    wanted: list[str] = []
    for _, err in group:
        text = _expectation(err["type"]) or ""
        if text not in wanted:
            wanted.append(text)
    value = group[0][1].get("input")
    message = f"{_subject(label, path)}: expected {' or '.join(wanted)}, got {_show(value)}"
    return marks.problem(path, message)


def _unknown_key(where: Located, label: str) -> str:
    key = str(where.path[-1])
    known = _known_keys(where.owner)
    text = f"unknown key `{key}` in {_subject(label, where.path[:-1])}"
    if key == "include_ping_mappings" and where.owner is PingRequest:
        return text + "; it only means something in `post:` (start from the ping's mappings)"
    hint = _did_you_mean(key, known)
    return text + (hint or (f"; known keys: {', '.join(known)}" if 0 < len(known) <= 12 else ""))


def _known_keys(owner: type[BaseModel] | None) -> list[str]:
    if owner is None:
        return []
    keys = [info.alias or name for name, info in owner.model_fields.items()]
    if owner is PathCondition:  # a condition may be any of the kinds, not only a path
        keys += [k for k in _CONDITION_KEYS if k not in keys]
        keys += [op for op in CONDITION_OPERATORS if op not in keys]
    return keys


def _subject(label: str, path: NodePath) -> str:
    return f"{label} {show_path(path)}" if path else label


def _close(word: str, candidates: Sequence[str]) -> str | None:
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def _did_you_mean(word: str, candidates: Sequence[str]) -> str:
    close = _close(word, candidates)
    # `429` (a number) is "close" to "429" (text): suggesting the same spelling helps nobody
    return f"; did you mean `{close}`?" if close and close != word else ""


def _tags(annotation: Any) -> str:
    tags: list[str] = []
    for member in typing.get_args(strip(annotation)) if annotation is not None else ():
        inner = strip(member)
        if (
            isinstance(inner, type)
            and issubclass(inner, BaseModel)
            and "type" in inner.model_fields
        ):
            tags += [str(v) for v in typing.get_args(inner.model_fields["type"].annotation)]
    return ", ".join(tags) or "?"


def _literal_values(annotation: Any) -> list[str]:
    tp = strip(annotation) if annotation is not None else None
    if typing.get_origin(tp) is typing.Literal:
        return [str(v) for v in typing.get_args(tp)]
    return []


def _quoted(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text)


def _is_plain(value: Any) -> bool:
    return isinstance(value, int | float | bool)


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"`{text}`"
