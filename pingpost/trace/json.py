"""JSON documents built from results: the spec's JSON result of one lead
(spec/cli.md, "The JSON result of one lead") and the document of one exchange.

Everything a buyer, a lead or a config could put in a document goes through
the masker here, before serialisation (P12). Money is a decimal string.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pingpost.exchange import Headers, RawResponse, RenderedRequest
from pingpost.responses.decode import text_of

if TYPE_CHECKING:
    from pingpost.auction.result import AccountResult, AuctionResult, Exchange
    from pingpost.exchange_check import Check, CheckResult
    from pingpost.responses.outcome import Outcome

SCHEMA_VERSION = 1


T = TypeVar("T")


class MaskerLike(Protocol):
    """What the trace needs of `pingpost.masking.Masker` (the one place that masks)."""

    def text(self, s: str) -> str: ...
    def texts(self, values: Sequence[str]) -> list[str]: ...
    def request(self, r: RenderedRequest) -> RenderedRequest: ...
    def response(self, r: RawResponse) -> RawResponse: ...
    def value(self, obj: Any) -> Any: ...


def money(value: Decimal | None) -> str | None:
    """`Decimal("12.50")` -> `"12.50"`; never scientific notation."""
    return None if value is None else format(value, "f")


def headers_json(headers: Headers) -> dict[str, str]:
    """Headers as an object; a repeated header's values are joined with `, ` (RFC 9110)."""
    out: dict[str, str] = {}
    for name, value in headers:
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


class _FastMasker(MaskerLike, Protocol):
    """A masker that also says what it masks by name (`pingpost.masking.Masker`), so that
    a request's or a response's free text joins the one `texts` call of its document."""

    def by_name(self, name: str, value: str) -> str | None: ...
    def url_parts(self, url: str) -> str: ...
    def own(self, r: RenderedRequest) -> bool: ...


class _Texts:
    """The free text of one document (reasons, verdicts, captures, ...), masked in one
    `masker.text` call when the document is complete: a lead has ~150 such strings, and
    one call over their join costs a fraction of 150 calls (`Masker.texts` says why
    that is exact).
    """

    def __init__(self, masker: MaskerLike) -> None:
        self.masker = masker
        self._slots: list[tuple[Any, Any]] = []
        self._then: list[Callable[[], None]] = []  # what is built from masked values
        by_name = getattr(masker, "by_name", None)
        self.fast: _FastMasker | None = masker if callable(by_name) else None  # type: ignore[assignment]

    def put(self, target: MutableMapping[str, Any] | MutableSequence[Any], key: Any,
            value: str | None) -> None:  # fmt: skip
        target[key] = value
        if value:
            self._slots.append((target, key))

    def then(self, step: Callable[[], None]) -> None:
        self._then.append(step)

    def done(self) -> None:
        masked = self.masker.texts([target[key] for target, key in self._slots])
        for (target, key), value in zip(self._slots, masked, strict=True):
            target[key] = value
        self._slots.clear()
        for step in self._then:
            step()
        self._then.clear()


def _masked(
    build: Callable[[T, _Texts], dict[str, Any]], part: T, masker: MaskerLike
) -> dict[str, Any]:
    """Build one document, then mask all its free text in one pass."""
    texts = _Texts(masker)
    document = build(part, texts)
    texts.done()
    return document


def request_json(request: RenderedRequest, masker: MaskerLike) -> dict[str, Any]:
    masked = masker.request(request)
    return {
        "method": masked.method,
        "url": masked.url,
        "headers": headers_json(masked.headers),
        "body": text_of(masked.body, masked.header("content-type")),
    }


def _request(request: RenderedRequest, texts: _Texts) -> dict[str, Any]:
    """`request_json`, its free text masked with the rest of the document when that is the
    same masking: the masker's own pii forms, and a body shown as its ASCII bytes."""
    fast = texts.fast
    body = request.body
    if fast is None or not _ascii_text(body, request.header("content-type")):
        return request_json(request, texts.masker)
    if not fast.own(request):
        return request_json(request, texts.masker)
    document: dict[str, Any] = {"method": request.method}
    texts.put(document, "url", fast.url_parts(request.url))
    _headers(request.headers, fast, texts, document)
    texts.put(document, "body", body.decode("ascii"))
    return document


def _headers(headers: Headers, fast: _FastMasker, texts: _Texts, into: dict[str, Any]) -> None:
    """`into["headers"]`: `headers_json` of the masked headers, once the text is masked."""
    values: list[str | None] = []
    for name, value in headers:
        values.append(fast.by_name(name, value))
        if values[-1] is None:
            texts.put(values, len(values) - 1, value)
    into["headers"] = None

    def build() -> None:  # every value is a str by now: `done` filled the free ones
        masked = [str(v) for v in values]
        into["headers"] = headers_json(tuple(zip((n for n, _ in headers), masked, strict=True)))

    texts.then(build)


def _ascii_text(body: bytes, content_type: str | None) -> bool:
    """Whether `text_of` shows `body` as its ASCII bytes, masked or not: no BOM, no XML
    declaration to read a charset from, and no charset but UTF-8's. (Masking ASCII text
    inserts `****` only, so it cannot make a charset, a BOM or a declaration.)"""
    if not body.isascii() or body.startswith(b"<?xml"):
        return False
    _, _, params = (content_type or "").partition(";")
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
            if charset not in ("", "utf-8", "utf8"):
                return False
    return True


def response_json(response: RawResponse, masker: MaskerLike) -> dict[str, Any]:
    return _masked(_response, response, masker)


def _response(response: RawResponse, texts: _Texts) -> dict[str, Any]:
    fast = texts.fast
    if fast is None or response.failure is not None:
        masked = texts.masker.response(response)
        headers: dict[str, str] | None = headers_json(masked.headers)
    else:  # headers masked with the document's text; the raw body is not needed (below)
        masked, headers = response, None
    failure: dict[str, Any] | None = None
    if masked.failure is not None:
        failure = {"kind": masked.failure.kind, "detail": None}
        texts.put(failure, "detail", masked.failure.detail)
        failure["may_have_arrived"] = masked.failure.may_have_arrived
    document: dict[str, Any] = {
        "status": masked.status,
        "headers": headers,
        "body": None,
        "body_bytes": len(response.body),
        "elapsed_ms": round(masked.elapsed_ms, 1),
        "attempts": masked.attempts,
        "failure": failure,
    }
    if headers is None and fast is not None:
        _headers(response.headers, fast, texts, document)
    # Decoded with its charset before masking: pii in a UTF-16 body is found only then.
    texts.put(document, "body", text_of(response.body, response.header("content-type")))
    return document


def outcome_json(outcome: Outcome, masker: MaskerLike) -> dict[str, Any]:
    return _masked(_outcome, outcome, masker)


def _outcome(outcome: Outcome, texts: _Texts, into: dict[str, Any] | None = None) -> dict[str, Any]:
    """The outcome's keys, added to `into` (slots must point at the final dict)."""
    document = {} if into is None else into
    document["outcome"] = outcome.status
    document["bid"] = money(outcome.bid)
    document["price"] = money(outcome.price)
    texts.put(document, "reason", outcome.reason)
    captures: dict[str, Any] = {}
    for name, value in outcome.captures.items():
        texts.put(captures, name, value)
    document["captures"] = captures
    texts.put(document, "decided_by", outcome.decided_by)
    document["decoded_as"] = outcome.decoded_as
    texts.put(document, "decode_error", outcome.decode_error)
    verdicts = []
    for v in outcome.verdicts:
        verdict: dict[str, Any] = {"rule": v.rule}
        texts.put(verdict, "description", v.description)
        verdict["matched"] = v.matched
        texts.put(verdict, "detail", v.detail)
        verdicts.append(verdict)
    document["verdicts"] = verdicts
    return document


def exchange_json(exchange: Exchange, masker: MaskerLike) -> dict[str, Any]:
    """One phase with one account: `{request, response, latency_ms, attempts, outcome}`."""
    return _masked(_exchange, exchange, masker)


def _exchange(exchange: Exchange, texts: _Texts) -> dict[str, Any]:
    request, response, outcome = exchange.request, exchange.response, exchange.outcome
    return {
        "request": None if request is None else _request(request, texts),
        "response": None if response is None else _response(response, texts),
        "latency_ms": round(exchange.latency_ms, 1),
        "attempts": exchange.attempts,
        "outcome": None if outcome is None else _outcome(outcome, texts),
    }


def _account(account: AccountResult, texts: _Texts) -> dict[str, Any]:
    document: dict[str, Any] = {
        "account": account.account,
        "method": account.method,
        "priority": account.priority,
        "status": account.status,
    }
    texts.put(document, "reason", account.reason)
    document["bid"] = money(account.bid)
    document["ping"] = None if account.ping is None else _exchange(account.ping, texts)
    document["post"] = None if account.post is None else _exchange(account.post, texts)
    return document


def auction_json(result: AuctionResult, masker: MaskerLike) -> dict[str, Any]:
    """The spec's JSON result of one lead (schema_version 1); extra keys keep to the spec."""
    texts = _Texts(masker)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "lead_id": result.lead_id,
        "lead_type": result.lead.lead_type,
        "result": result.result,
        "sold_to": result.sold_to,
        "price": money(result.price),
        "reason": None,  # unless sold, why not (filled in below, masked)
        "duration_ms": round(result.duration_ms, 1),
        "ping_round_ms": round(result.ping_round_ms, 1),
        "posted_to": list(result.posted_to),
        "dry_run": result.dry_run,
        "accounts": [_account(a, texts) for a in result.accounts],
    }
    texts.put(document, "reason", result.reason)
    texts.done()
    return document


def dumps(document: Mapping[str, Any], *, pretty: bool = True) -> str:
    """Serialise a document: indented for one result, one compact line for batches."""
    if pretty:
        return json.dumps(document, indent=2, ensure_ascii=False, default=str)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)


def check_json(result: CheckResult, masker: MaskerLike) -> dict[str, Any]:
    """`test-ping`/`test-post --json`: the first exchange's outcome, bid, reason and captures
    at the top level; with `--post`, the post's document under `post`."""
    from pingpost.exchange_check import diagnose

    texts = _Texts(masker)

    def fill(document: dict[str, Any], check: Check) -> dict[str, Any]:
        document["phase"] = check.phase
        _outcome(check.outcome, texts, into=document)
        document["latency_ms"] = round(check.latency_ms, 1)
        document["timeout_s"] = check.timeout
        texts.put(document, "diagnosis", diagnose(check))
        document["request"] = request_json(check.request, masker)
        document["response"] = _response(check.response, texts)
        return document

    first, *rest = result.checks
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "method": result.method,
        "account": result.account,
        "lead_id": result.lead_id,
    }
    fill(document, first)
    if result.ping is not None and first is result.ping:
        document["post"] = fill({}, rest[0]) if rest else None
        if result.post_skipped:
            document["post_skipped"] = result.post_skipped
    texts.done()
    return document
