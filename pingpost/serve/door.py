"""At the door of `POST /v1/leads`: who is posting, how fast, what they sent.

Everything here runs before an auction and answers a refusal on its own (a
`Refusal` carrying a problem document): 503 while shutting down, 401, 429,
415, 413, 400 for text that is not JSON, 422 for a lead that breaks its type.
"""

from __future__ import annotations

from aiohttp import web

from pingpost.config.models import LeadType, Source
from pingpost.leads import Lead, coerce_lead, decode_lead_json
from pingpost.serve.answers import Refusal, problem
from pingpost.serve.service import Service
from pingpost.serve.sources import presented_key, retry_after
from pingpost.serve.state import ServiceConfig

MAX_BODY_BYTES = 1024 * 1024  # spec: bodies over 1 MB are 413
DRAIN_RETRY_AFTER = "5"


def draining() -> web.Response:
    response = problem(
        503, "shutting_down", "this instance is shutting down; send the lead again "
        "(another instance, or this one after its restart, takes it)",
        headers={"Retry-After": DRAIN_RETRY_AFTER},
    )  # fmt: skip
    response.force_close()
    return response


def authenticate(request: web.Request, current: ServiceConfig) -> Source | None:
    key = presented_key(request.headers.get("Authorization"), request.headers.get("X-Api-Key"))
    source = current.keyring.identify(key)
    if source is not None or (key is None and not current.auth):
        return source
    detail = (
        "missing API key: send `Authorization: Bearer KEY` or `X-Api-Key: KEY`"
        if key is None
        else "the API key is not valid"
    )
    challenge = {"WWW-Authenticate": 'Bearer realm="pingpost"'}
    raise Refusal(problem(401, "unauthorized", detail, headers=challenge))


def limit_rate(service: Service, source: Source | None) -> None:
    if source is None:
        return
    wait = service.limits.take(source)
    if wait > 0:
        raise Refusal(
            problem(
                429, "rate_limited", f"over this source's rate limit ({source.rate_limit})",
                headers={"Retry-After": retry_after(wait)},
            )
        )  # fmt: skip


async def read_body(request: web.Request) -> bytes:
    """The body, at most MAX_BODY_BYTES of it; JSON only."""
    ctype = request.content_type
    charset = request.charset
    if not _json_type(ctype):
        raise Refusal(
            problem(415, "unsupported_media_type", "send the lead as JSON with "
                    "`Content-Type: application/json`", extra={"received": ctype[:100]})
        )  # fmt: skip
    if charset is not None and charset.lower() not in ("utf-8", "utf8"):
        raise Refusal(problem(415, "unsupported_charset", "send the lead as UTF-8 JSON"))
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise Refusal(_too_large())
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise Refusal(_too_large()) from None


def _json_type(ctype: str) -> bool:
    """`application/json`, or a JSON-based type such as `application/vnd.x+json`."""
    return ctype == "application/json" or (
        ctype.startswith("application/") and ctype.endswith("+json")
    )


def _too_large() -> web.Response:
    response = problem(
        413, "body_too_large", f"a lead is at most {MAX_BODY_BYTES:,} bytes (1 MB) of JSON"
    )
    response.force_close()  # the rest of the body is never read: the connection cannot be reused
    return response


def parse_lead(body: bytes, lead_type: LeadType) -> tuple[object, Lead]:
    """(the decoded JSON, the lead). Raises LeadJsonError (400) or LeadError (422)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refusal(
            problem(400, "invalid_json", "the body is not valid JSON",
                    problems=[f"not UTF-8 text (byte {exc.start})"])
        ) from None  # fmt: skip
    data = decode_lead_json(text, "lead")
    return data, coerce_lead(data, lead_type, source="lead")
