"""What a buyer reads from a request: decoded fields, and whether its accept rules hold."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl
from xml.parsers.expat import ExpatError

import xmltodict

from pingpost.sandbox.request import Request
from pingpost.sandbox.spec import BuyerSpec, Rule

MISSING: Any = object()


class BodyError(Exception):
    """A request body the buyer cannot decode (answered with 400)."""


def request_fields(request: Request) -> dict[str, Any]:
    """Query parameters, overlaid with the body decoded by its Content-Type."""
    fields: dict[str, Any] = {}
    if request.query:
        fields.update(parse_qsl(request.query, keep_blank_values=True))
    if request.body:
        fields.update(decode_body(request.body, request.content_type))
    return fields


def decode_body(body: bytes, content_type: str) -> dict[str, Any]:
    kind = _body_kind(body, content_type)
    try:
        if kind == "json":
            data = json.loads(body)
            if not isinstance(data, dict):
                raise BodyError("JSON body must be an object")
            return data
        if kind == "xml":
            return _xml_fields(body)
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise BodyError("body is not UTF-8") from None
    except (ValueError, ExpatError) as exc:  # JSONDecodeError is a ValueError
        raise BodyError(f"body is not valid {kind.upper()}: {_first_line(exc)}") from None


def _body_kind(body: bytes, content_type: str) -> str:
    content_type = content_type.split(";", 1)[0].strip().lower()
    if content_type.endswith(("/json", "+json")):
        return "json"
    if content_type.endswith(("/xml", "+xml")):
        return "xml"
    if content_type == "application/x-www-form-urlencoded":
        return "form"
    if content_type and not content_type.startswith("text/"):
        raise BodyError(f"cannot decode a {content_type} body: send JSON, XML or a form")
    start = body.lstrip()[:1]  # no or a text Content-Type: sniff, like lenient buyers do
    if start in (b"{", b"["):
        return "json"
    if start == b"<":
        return "xml"
    if b"=" in body:
        return "form"
    raise BodyError("cannot tell the body's format: set Content-Type (JSON, XML or a form)")


def _xml_fields(body: bytes) -> dict[str, Any]:
    """The children of the root element (`<Lead><State>CA</State></Lead>` → {"State": "CA"})."""
    data = xmltodict.parse(body, disable_entities=True)
    root = next(iter(data.values()), None)
    return root if isinstance(root, dict) else {}


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


# --------------------------------------------------------------------------- field lookup


def lookup(data: Any, name: str) -> Any:
    """The value at a dotted name, or MISSING; a literal key with dots (`Lead.ZipCode`) wins."""
    if isinstance(data, dict):
        if name in data:
            return data[name]
        parts = name.split(".")
        for cut in range(1, len(parts)):
            key = ".".join(parts[:cut])
            if key in data:
                found = lookup(data[key], ".".join(parts[cut:]))
                if found is not MISSING:
                    return found
        return MISSING
    if isinstance(data, list):
        head, _, rest = name.partition(".")
        if head.isdigit() and int(head) < len(data):
            return data[int(head)] if not rest else lookup(data[int(head)], rest)
    return MISSING


def lead_key(fields: dict[str, Any], buyer: BuyerSpec) -> str:
    """Which lead a post carries: the buyer's `lead_field` as text when the post has it,
    else a fingerprint of the post's fields without the token (the same lead posted twice
    to one buyer gets the same key, whatever its token)."""
    if buyer.lead_field is not None:
        value = _scalar(lookup(fields, buyer.lead_field))
        if value is not MISSING and value is not None and not isinstance(value, dict | list):
            return _text(value)
    rest = {k: v for k, v in fields.items() if k != buyer.token_key}
    text = json.dumps(rest, sort_keys=True, default=str, ensure_ascii=False)
    return "fp:" + hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


# --------------------------------------------------------------------------- accept rules


Check = Callable[[Any], bool]


class Accepts:
    """A buyer's accept rules, compiled once: `first_failed(fields)` is None when it accepts."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._checks = [(rule, compile_rule(rule)) for rule in rules]

    def first_failed(self, fields: dict[str, Any]) -> Rule | None:
        for rule, check in self._checks:
            if not check(_scalar(lookup(fields, rule.field))):
                return rule
        return None


def rule_holds(rule: Rule, fields: dict[str, Any]) -> bool:
    return compile_rule(rule)(_scalar(lookup(fields, rule.field)))


def compile_rule(rule: Rule) -> Check:
    """A predicate on the field's value (MISSING when absent).

    Values compare as numbers when both sides are numbers ("21" equals 21), else as text
    (true equals "true"). Every operator but `exists: false` fails on a missing field.
    """
    op = rule.operator
    if op == "exists":
        wanted = bool(rule.exists)
        return lambda v: (v is not MISSING and v is not None and v != "") is wanted
    if op in ("equals", "in", "not_in"):
        member = _membership((rule.equals,) if op == "equals" else rule.expected or ())
        if op == "not_in":
            return lambda v: v is not MISSING and not member(v)
        return member
    if op == "matches":
        pattern = re.compile(rule.matches or "")
        return lambda v: v is not MISSING and pattern.search(_text(v)) is not None
    bound = float(rule.expected)
    if op == "gte":
        return lambda v: (n := _number(v)) is not None and n >= bound
    return lambda v: (n := _number(v)) is not None and n <= bound


def _membership(options: Iterable[Any]) -> Check:
    texts = frozenset(_text(o) for o in options)
    numbers = frozenset(n for o in options if (n := _number(o)) is not None)

    def member(value: Any) -> bool:
        if value is MISSING:
            return False
        if isinstance(value, str) and value in texts:
            return True
        number = _number(value)
        return _text(value) in texts if number is None else number in numbers

    return member


def describe_failure(rule: Rule, fields: dict[str, Any]) -> str:
    """A short reason for the ledger, e.g. `state='NV': needs in [CA, TX]`."""
    value = _scalar(lookup(fields, rule.field))
    shown = f"{rule.field} missing" if value is MISSING else f"{rule.field}={value!r}"
    if rule.operator == "exists":
        return f"{shown}: needs exists {_text(rule.exists)}"
    expected: Any = rule.expected
    if isinstance(expected, tuple):
        expected = "[" + ", ".join(_text(v) for v in expected) + "]"
    elif isinstance(expected, float) and expected.is_integer():
        expected = int(expected)
    return f"{shown}: needs {rule.operator} {_text(expected)}"


def _scalar(value: Any) -> Any:
    if isinstance(value, dict) and "#text" in value:  # XML element with attributes
        return value["#text"]
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
