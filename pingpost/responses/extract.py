"""Extractors (`bid`, `price`, `reason`, each `capture`): where a value comes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from pingpost.responses.values import as_text, shorten, show

REASON_LIMIT = 300  # a reason is one line in a trace, not a copy of the body


@dataclass(frozen=True, slots=True)
class Extracted:
    value: Any  # what was found (or the default); None when nothing was
    detail: str  # `got "p-1"`, `not found`, `not found, default 0`
    problem: str | None = None  # why it could not run (undecoded body, bad expression)


def extract(extractor: Extractor, response: RawResponse, body: DecodedBody) -> Extracted:
    """Find the value; fall back to `default`. Never raises for anything a buyer sends."""
    try:
        found, problem = _find(extractor, response, body)
    except RuleProblem as exc:
        found, problem = None, str(exc)
    if found is not None:
        return Extracted(found, f"got {show(found)}")
    miss = problem or "not found"
    if extractor.default is not None:
        return Extracted(extractor.default, f"{miss}; default {show(extractor.default)}")
    return Extracted(None, miss, problem)


def _find(extractor: Extractor, response: RawResponse, body: DecodedBody) -> tuple[Any, str | None]:
    if extractor.path is not None:
        problem = body.unreadable()
        if problem is not None:
            return None, problem
        return search(extractor.path, body.data), None
    if extractor.regex is not None:
        pattern = compile_regex(extractor.regex)
        match = pattern.search(body.text)
        return (regex_value(pattern, match) if match else None), None
    return response.header(extractor.header or ""), None


def describe_extractor(extractor: Extractor) -> str:
    """`path Payout`, `regex "price: ([0-9.]+)"`, `header X-Price`, plus any default."""
    return _DESCRIPTIONS(extractor)


def _describe(extractor: Extractor) -> str:
    if extractor.path is not None:
        text = f"path {extractor.path}"
    elif extractor.regex is not None:
        text = f"regex {show(extractor.regex)}"
    else:
        text = f"header {extractor.header}"
    return text if extractor.default is None else f"{text} (default {show(extractor.default)})"


_DESCRIPTIONS: IdentityMemo[Extractor, str] = IdentityMemo(_describe)


def as_capture(value: Any) -> str:
    """A captured value as the string a post template gets: numbers without float noise,
    booleans as `true`/`false`, lists and objects as compact JSON."""
    return as_text(value)


def as_reason(value: Any) -> str:
    """A reason in one line: a list of messages joined with "; " (`Errors: ["a", "b"]`)."""
    if isinstance(value, list):
        text = "; ".join(as_text(item) for item in value if item is not None)
    else:
        text = as_text(value)
    return shorten(" ".join(text.split()), REASON_LIMIT)
