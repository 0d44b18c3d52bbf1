"""What the service answers: the result's status code, and errors as problem documents.

Every error is an RFC 9457 problem document (`application/problem+json`):

    {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
     "code": "invalid_lead", "detail": "the lead is not valid", "problems": ["..."]}

`code` is stable, for programs; `detail` and `problems` are for people. This
module is where core errors become status codes (the CLI has its own table for
exit codes): a core message never names a command-line flag, and no answer here
adds one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus

from aiohttp import web

from pingpost.errors import LeadError, PingpostError, UsageError
from pingpost.leads import LeadJsonError
from pingpost.store.errors import StoreError, StoreUnavailable

PROBLEM_TYPE = "application/problem+json"
RESULT_TYPE = "application/json"

# The answer to an auction that ran, by its result (spec: operations.md, `serve`).
STATUS_BY_RESULT: Mapping[str, int] = {
    "sold": 201,
    "unsold": 200,
    "in_doubt": 202,
    "duplicate": 409,  # the lead type's dedupe rule: received before, not auctioned
    "skipped": 409,  # the same lead was auctioned before (its result is in the log)
}

# Core errors, most specific first: (class, status, code). The detail is str(error).
ERRORS: Sequence[tuple[type[Exception], int, str]] = (
    (LeadJsonError, 400, "invalid_json"),
    (LeadError, 422, "invalid_lead"),
    (UsageError, 400, "bad_request"),
    (StoreUnavailable, 503, "store_unavailable"),
    (StoreError, 500, "store_error"),
    (PingpostError, 500, "error"),
)


class Refusal(Exception):
    """Stop handling a request and send `response` (an early, expected answer)."""

    def __init__(self, response: web.Response) -> None:
        self.response = response


def status_of(result: str) -> int:
    return STATUS_BY_RESULT.get(result, 200)


def problem_body(
    status: int,
    code: str,
    detail: str,
    *,
    problems: Sequence[str] = (),
    extra: Mapping[str, object] | None = None,
) -> bytes:
    """One problem document, serialised."""
    document: dict[str, object] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if problems:
        document["problems"] = list(problems)
    if extra:
        document.update(extra)
    # ASCII: whatever a message quotes from a request, the answer stays valid UTF-8
    return json.dumps(document, separators=(",", ":")).encode()


def is_problem(body: bytes) -> bool:
    return body.startswith(b'{"type":"about:blank"')


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    problems: Sequence[str] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, object] | None = None,
) -> web.Response:
    """One problem document as an answer."""
    body = problem_body(status, code, detail, problems=problems, extra=extra)
    return web.Response(
        status=status, body=body, content_type=PROBLEM_TYPE, headers=dict(headers or {})
    )


INTERNAL_DETAIL = "internal error; the service log has the details"


def from_error(error: Exception, *, retry_after: str = "1") -> web.Response:
    """The answer to a core error raised while handling a lead."""
    found = next(((s, c) for kind, s, c in ERRORS if isinstance(error, kind)), None)
    if found is None:  # a bug: say so without details (they go to the log)
        return problem(500, "internal_error", INTERNAL_DETAIL)
    status, code = found
    if isinstance(error, LeadError):
        detail = "the body is not valid JSON" if status == 400 else "the lead is not valid"
        return problem(status, code, detail, problems=error.problems)
    headers = {"Retry-After": retry_after} if status == 503 else None
    return problem(status, code, str(error), headers=headers)


def stored_answer(status: int, body: bytes, *, replayed: bool = False) -> web.Response:
    """An answer as the idempotency store keeps it: a JSON result document, or the
    problem document of an auction that failed (replayed: not the first answer)."""
    if is_problem(body):
        headers = {"Retry-After": "1"} if status == 503 else None
        return web.Response(status=status, body=body, content_type=PROBLEM_TYPE, headers=headers)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return web.Response(status=status, body=body, content_type=RESULT_TYPE, headers=headers)
