"""Builders for response tests: rules as the config language writes them, and answers."""

from __future__ import annotations

import yaml

from pingpost.config.models import Response
from pingpost.exchange import Failure, RawResponse
from pingpost.responses.outcome import Outcome, RuleVerdict

JSON = "application/json"
XML = "application/xml"


def rules(text: str) -> Response:
    """A `response:` block written in YAML, validated by the config models."""
    return Response.model_validate(yaml.safe_load(text) or {})


def answer(
    body: str | bytes = "",
    status: int = 200,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> RawResponse:
    pairs = list((headers or {}).items())
    if content_type is not None:
        pairs.append(("Content-Type", content_type))
    raw = body.encode() if isinstance(body, str) else body
    return RawResponse(status=status, headers=tuple(pairs), body=raw)


def failed(
    kind: str = "timeout", detail: str = "timeout", *, may_have_arrived: bool
) -> RawResponse:
    failure = Failure(kind=kind, detail=detail, may_have_arrived=may_have_arrived)  # type: ignore[arg-type]
    return RawResponse(status=None, failure=failure)


def verdict(outcome: Outcome, rule: str) -> RuleVerdict:
    found = [v for v in outcome.verdicts if v.rule == rule]
    assert len(found) == 1, f"expected one {rule!r} verdict, got {outcome.verdicts}"
    return found[0]
