"""Extractors (`bid`, `price`, `reason`, each `capture`): where a value comes from.

A value counts as found unless it is empty: null, a blank string, an empty
list (or one whose items are all empty). `default` stands in for an empty
value; an extractor with only a `default` is a fixed value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from pingpost.config.models import Extractor
from pingpost.exchange import RawResponse
from pingpost.responses.compiled import (
    IdentityMemo,
    RuleProblem,
    compile_regex,
    regex_value,
    search,
)
from pingpost.responses.decode import DecodedBody
from pingpost.responses.documents import searchable_text, selector_value, xpath_value
from pingpost.responses.values import as_text, shorten, show

REASON_LIMIT = 300  # a reason is one line in a trace, not a copy of the body
_NO_NAMESPACES: Mapping[str, str] = {}


class Extracted(NamedTuple):  # a tuple: the cheapest value to build, a few per interpret
    value: Any  # what was found (or the default); None when nothing was
    detail: str  # `got "p-1"`, `not found`, `not found, default 0`
    problem: str | None = None  # why it could not run (undecoded body, bad expression)
    defaulted: bool = False  # the value is the extractor's `default`, nothing was found


def extract(
    extractor: Extractor,
    response: RawResponse,
    body: DecodedBody,
    namespaces: Mapping[str, str] = _NO_NAMESPACES,
) -> Extracted:
    """Find the value; fall back to `default` when it is empty. Never raises for anything
    a buyer sends. `namespaces`: the response's XPath prefixes."""
    try:
        found, problem = _find(extractor, response, body, namespaces)
    except RuleProblem as exc:
        found, problem = None, str(exc)
    default = extractor.default
    if default is None:
        if found is not None:
            return Extracted(found, f"got {show(found)}")
        return Extracted(None, problem or "not found", problem)
    if not is_empty(found):
        return Extracted(found, f"got {show(found)}")
    if not extractor.sources():
        return Extracted(default, "fixed value", defaulted=True)
    miss = problem or ("not found" if found is None else f"got {show(found)}")
    return Extracted(default, f"{miss}; default {show(default)}", defaulted=True)


def is_empty(value: Any) -> bool:
    """Null, a blank string, an empty list, or a list of nothing but empty items."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return all(is_empty(item) for item in value)
    return False


def _find(
    extractor: Extractor, response: RawResponse, body: DecodedBody, ns: Mapping[str, str]
) -> tuple[Any, str | None]:
    if extractor.path is not None:
        problem = body.unreadable()
        if problem is not None:
            return None, problem
        return search(extractor.path, body.data), None
    if extractor.regex is not None:
        pattern = compile_regex(extractor.regex)
        match = pattern.search(searchable_text(body))
        return (regex_value(pattern, match) if match else None), None
    if extractor.header is not None:
        return _header(extractor.header, extractor.matches, response), None
    if extractor.cookie is not None:
        return cookie(response, extractor.cookie), None
    if extractor.selector is not None:
        return selector_value(body, extractor.selector), None
    if extractor.xpath is not None:
        return xpath_value(body, extractor.xpath, ns), None
    return None, None  # only a default: a fixed value


def _header(name: str, matches: str | None, response: RawResponse) -> str | None:
    if matches is None:
        return response.header(name)
    pattern = compile_regex(matches)
    return next((v for v in response.header_values(name) if pattern.search(v)), None)


def cookie(response: RawResponse, name: str) -> str | None:
    """The value `Set-Cookie` gave cookie `name`; a later one replaces an earlier one, as
    in a browser. Cookie names are case-sensitive; a quoted value loses its quotes."""
    found = None
    for header in response.header_values("set-cookie"):
        pair = header.split(";", 1)[0]
        key, eq, value = pair.partition("=")
        if eq and key.strip() == name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            found = value
    return found


def describe_extractor(extractor: Extractor) -> str:
    """`path Payout`, `regex "price: ([0-9.]+)"`, `header X-Price`, plus any default."""
    return _DESCRIPTIONS(extractor)


def _describe(extractor: Extractor) -> str:
    if extractor.path is not None:
        text = f"path {extractor.path}"
    elif extractor.regex is not None:
        text = f"regex {show(extractor.regex)}"
    elif extractor.header is not None:
        text = f"header {extractor.header}"
        if extractor.matches is not None:
            text += f" matching {show(extractor.matches)}"
    elif extractor.cookie is not None:
        text = f"cookie {extractor.cookie}"
    elif extractor.selector is not None:
        text = f"selector {show(extractor.selector)}"
    elif extractor.xpath is not None:
        text = f"xpath {show(extractor.xpath)}"
    else:
        return f"fixed {show(extractor.default)}"
    return text if extractor.default is None else f"{text} (default {show(extractor.default)})"


_DESCRIPTIONS: IdentityMemo[Extractor, str] = IdentityMemo(_describe)


def as_capture(value: Any) -> str:
    """A captured value as the string a post template gets: numbers without float noise,
    booleans as `true`/`false`, lists and objects as compact JSON."""
    return as_text(value)


def as_reason(value: Any) -> str:
    """A reason in one line: a list of messages joined with "; " (`Errors: ["a", "b"]`),
    its empty items left out."""
    if isinstance(value, list):
        text = "; ".join(as_text(item) for item in value if not is_empty(item))
    else:
        text = as_text(value)
    return shorten(" ".join(text.split()), REASON_LIMIT)
