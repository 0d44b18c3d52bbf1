"""The JSON result document as the delivery log keeps it, and the result rebuilt from it.

    AuctionResult ──► stored_document (secrets masked, pii kept) ──► the store
    the store ──► rebuilt_result(document, lead) ──► the trace and JSON `deliver` printed

The stored document is the JSON result document of one lead (`auction_json`),
with what the trace needs to come out the same, line for line, and nothing else:

- times unrounded (the trace shows `12.46` as `12 ms`: rounded twice it could say 13);
- per request, `sensitive`: what its mappings made of lead fields (`ADA` from `Ada`),
  masked like pii when it is shown;
- per request or response, `header_pairs` when a header name repeats (the document
  joins its values into one: its object then has fewer names than there were headers);
- `stored`: the version of these additions, and whether the auction ran in test mode.

Secrets are masked before it is written (P12 at rest); pii is kept, as the lead is,
and masked again whenever the log is shown. The JSON `log show` prints is built
from the rebuilt result by `auction_json`, exactly as `deliver` built it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pingpost.auction.result import AccountResult, AuctionResult, Earlier, Exchange, Sale
from pingpost.config.bundle import Config
from pingpost.exchange import Failure, Headers, RawResponse, RenderedRequest
from pingpost.leads import Lead
from pingpost.masking import Masker
from pingpost.responses.decode import text_bytes
from pingpost.responses.outcome import Outcome, RuleVerdict
from pingpost.trace.json import compact_bytes, masked_auction

STORED_VERSION = 1


def stored_document(result: AuctionResult, config: Config, *, test: bool = False) -> bytes:
    """The document the log keeps for `result`: UTF-8 JSON, secrets masked, pii kept."""
    masker = Masker.for_result(config, result, show_pii=True)
    # the shared plain document, masked in place and given the exact figures for the
    # time it is written out: no copy of it is made
    with masked_auction(result, masker) as document, _Changes() as put:
        put(document, "duration_ms", result.duration_ms)
        put(document, "ping_round_ms", result.ping_round_ms)
        for shown, account in zip(document["accounts"], result.accounts, strict=True):
            for phase in ("ping", "post"):
                exchange: Exchange | None = getattr(account, phase)
                if exchange is not None:
                    _exact(put, shown[phase], exchange, masker)
        put(document, "stored", {"version": STORED_VERSION, "test": test})
        return compact_bytes(document)


class _Changes:
    """Values put into a shared document for a while: each is taken back on exit (a new
    key removed, a replaced value restored), last first."""

    def __init__(self) -> None:
        self._undo: list[tuple[dict[str, Any], str, Any]] = []

    def __call__(self, target: dict[str, Any], key: str, value: Any) -> None:
        self._undo.append((target, key, target.get(key, _NEW)))
        target[key] = value

    def __enter__(self) -> _Changes:
        return self

    def __exit__(self, *_: object) -> None:
        for target, key, value in reversed(self._undo):
            if value is _NEW:
                del target[key]
            else:
                target[key] = value


_NEW = object()  # a key the document did not have


def _exact(put: _Changes, shown: dict[str, Any], exchange: Exchange, masker: Masker) -> None:
    """Put in `shown` (one exchange of the document) what the document rounds or joins."""
    put(shown, "latency_ms", exchange.latency_ms)
    request, response = exchange.request, exchange.response
    if request is not None:
        if request.sensitive:
            put(shown["request"], "sensitive", [list(pair) for pair in request.sensitive])
        if _joined(shown["request"], request.headers):
            pairs = [list(p) for p in masker.request(request).headers]
            put(shown["request"], "header_pairs", pairs)
    if response is not None:
        put(shown["response"], "elapsed_ms", response.elapsed_ms)
        if _joined(shown["response"], response.headers):
            masked = masker.headers(response.headers)
            put(shown["response"], "header_pairs", [[k, masker.text(v)] for k, v in masked])


def _joined(shown: dict[str, Any], headers: Headers) -> bool:
    """Whether the document joined a repeated header's values (`headers_json`): its
    object has fewer names than the message had headers."""
    return len(shown["headers"]) != len(headers)


def stored_test_mode(document: Mapping[str, Any]) -> bool:
    """Whether the stored auction ran in test mode (its methods' test URLs)."""
    stored = document.get("stored")
    return bool(stored.get("test")) if isinstance(stored, Mapping) else False


def rebuilt_result(document: Mapping[str, Any], lead: Lead) -> AuctionResult:
    """The result a stored document was made from (secrets stay masked)."""
    return AuctionResult(
        lead_id=document["lead_id"],
        lead=lead,
        result=document["result"],
        sold_to=document.get("sold_to"),
        price=_money(document.get("price")),
        duration_ms=float(document.get("duration_ms") or 0.0),
        accounts=tuple(_account(a) for a in document.get("accounts", ())),
        ping_round_ms=float(document.get("ping_round_ms") or 0.0),
        posted_to=tuple(document.get("posted_to", ())),
        dry_run=bool(document.get("dry_run", False)),
        reason=document.get("reason"),
        sales=tuple(
            Sale(str(s["account"]), Decimal(str(s["price"]))) for s in document.get("sales", ())
        ),
        earlier=_earlier(document.get("earlier")),
        decisions=tuple(str(d) for d in document.get("decisions", ())),
        store_error=document.get("store_error"),
    )


def _earlier(doc: Mapping[str, Any] | None) -> Earlier | None:
    if doc is None:
        return None
    return Earlier(str(doc["auction_id"]), doc.get("result"), tuple(doc.get("sold_to", ())))


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _account(doc: Mapping[str, Any]) -> AccountResult:
    return AccountResult(
        account=doc["account"],
        method=doc.get("method", ""),
        priority=int(doc.get("priority", 0)),
        status=doc["status"],
        reason=doc.get("reason"),
        bid=_money(doc.get("bid")),
        ping=_exchange(doc.get("ping")),
        post=_exchange(doc.get("post")),
    )


def _exchange(doc: Mapping[str, Any] | None) -> Exchange | None:
    if doc is None:
        return None
    request, response, outcome = doc.get("request"), doc.get("response"), doc.get("outcome")
    return Exchange(
        request=None if request is None else _request(request),
        response=None if response is None else _response(response),
        outcome=None if outcome is None else _outcome(outcome),
        latency_ms=float(doc.get("latency_ms") or 0.0),
        attempts=int(doc.get("attempts") or 0),
    )


def _headers(doc: Mapping[str, Any]) -> Headers:
    pairs = doc.get("header_pairs")
    if pairs is not None:
        return tuple((str(k), str(v)) for k, v in pairs)
    return tuple((str(k), str(v)) for k, v in (doc.get("headers") or {}).items())


def _request(doc: Mapping[str, Any]) -> RenderedRequest:
    headers = _headers(doc)
    return RenderedRequest(
        method=doc["method"],
        url=doc["url"],
        headers=headers,
        body=text_bytes(doc.get("body") or "", _content_type(headers)),
        sensitive=tuple((str(f), str(t)) for f, t in doc.get("sensitive", ())),
    )


def _response(doc: Mapping[str, Any]) -> RawResponse:
    headers = _headers(doc)
    failure = doc.get("failure")
    body = text_bytes(doc.get("body") or "", _content_type(headers))
    size = doc.get("body_bytes")
    return RawResponse(
        status=doc.get("status"),
        headers=headers,
        body=body,
        elapsed_ms=float(doc.get("elapsed_ms") or 0.0),
        attempts=int(doc.get("attempts") or 1),
        failure=None
        if failure is None
        else Failure(failure["kind"], failure["detail"], bool(failure["may_have_arrived"])),
        received_bytes=int(size) if size is not None and size != len(body) else None,
    )


def _content_type(headers: Headers) -> str | None:
    return next((v for k, v in headers if k.lower() == "content-type"), None)


def _outcome(doc: Mapping[str, Any]) -> Outcome:
    return Outcome(
        status=doc["outcome"],
        bid=_money(doc.get("bid")),
        price=_money(doc.get("price")),
        reason=doc.get("reason"),
        captures=dict(doc.get("captures") or {}),
        decided_by=doc.get("decided_by") or "",
        verdicts=tuple(
            RuleVerdict(v["rule"], v["description"], bool(v["matched"]), v.get("detail") or "")
            for v in doc.get("verdicts", ())
        ),
        decoded_as=doc.get("decoded_as") or "text",
        decode_error=doc.get("decode_error"),
    )
