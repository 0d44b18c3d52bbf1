"""`decode:` documents inside strings: a SOAP result holding escaped XML, JSON in a JSON string.

Each listed string is parsed (xml, json or form, exactly as a body would be)
and put in its place before any rule runs, so the rules' paths go on into it:
`Envelope.Body.SubmitResponse.SubmitResult.Result.Status`. Steps run in
order, so a later one may decode a string inside an earlier one's document.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pingpost.config.models import DecodeStep
from pingpost.responses.compiled import RuleProblem, compile_path
from pingpost.responses.decode import DecodedBody, parse_as


def decode_inner(
    body: DecodedBody, steps: tuple[DecodeStep, ...]
) -> tuple[DecodedBody, str | None]:
    """`body` with every listed string replaced by its document, or (body, why one failed).

    A path that is missing, null, empty text or already a document is left as it
    is (a rejection often lacks the result a bid carries); a string that does not
    parse is a problem naming its path.
    """
    data = body.data
    for step in steps:
        try:
            keys = _keys(step.path)
        except RuleProblem as exc:
            return body, str(exc)
        data, problem = _replaced(data, keys, step)
        if problem is not None:
            return body, problem
    return replace(body, data=data), None


def _keys(path: str) -> tuple[str, ...]:
    keys = compile_path(path).keys
    if keys is None:  # validate refuses these; a config built in code may still hold one
        raise RuleProblem(f"decode path {path!r} must be plain keys joined by dots")
    return keys


def _replaced(data: Any, keys: tuple[str, ...], step: DecodeStep) -> tuple[Any, str | None]:
    """`data` with the string at `keys` decoded, copying each object on the way (the
    body's own data is not changed in place)."""
    if not keys:
        return _decoded(data, step)
    if not isinstance(data, dict) or keys[0] not in data:
        return data, None
    inner, problem = _replaced(data[keys[0]], keys[1:], step)
    if problem is not None or inner is data[keys[0]]:
        return data, problem
    return {**data, keys[0]: inner}, None


def _decoded(value: Any, step: DecodeStep) -> tuple[Any, str | None]:
    text = value
    if isinstance(value, dict) and isinstance(value.get("#text"), str):
        text = value["#text"]  # an XML element with attributes (`xsi:type`) keeps its text here
    if not isinstance(text, str) or not text.strip():
        return value, None
    try:
        return parse_as(step.as_, text), None
    except (ValueError, RecursionError) as exc:
        return value, f"decode {step.path} as {step.as_}: not {step.as_}: {exc}"
