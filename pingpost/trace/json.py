"""JSON documents built from results: the spec's JSON result of one lead
(spec/cli.md, "The JSON result of one lead") and the document of one exchange.

Each document is built as plain data, then masked whole by `Masker.document`
before serialisation (P12): every string a buyer, a lead or a config could put
in it, but the names and statuses its readers match on (`Name`: accounts,
methods, statuses, money). Money is a decimal string.
"""

from __future__ import annotations

import contextlib
import functools
import json
import weakref
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orjson import OPT_NON_STR_KEYS
from orjson import dumps as _orjson_dumps

from pingpost.exchange import Headers, RawResponse, RenderedRequest
from pingpost.masking import Masker, Name, requests_of
from pingpost.masking.sites import Sites
from pingpost.responses.decode import text_of

if TYPE_CHECKING:
    from pingpost.auction.result import AccountResult, AuctionResult, Exchange
    from pingpost.commands.check import Check, CheckResult
    from pingpost.responses.outcome import Outcome

SCHEMA_VERSION = 1


def money(value: Decimal | None) -> str | None:
    """`Decimal("12.50")` -> `"12.50"`; never scientific notation."""
    return None if value is None else Name(format(value, "f"))


def _name(value: str | None) -> str | None:
    return None if value is None else Name(value)


def headers_json(headers: Headers) -> dict[str, str]:
    """Headers as an object; a repeated header's values are joined with `, ` (RFC 9110)."""
    out: dict[str, str] = {}
    for name, value in headers:
        if type(name) is not str:  # aiohttp's `istr`: the same JSON, and orjson writes plain
            name = str(name)  # keys twice as fast (no OPT_NON_STR_KEYS)
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def request_json(request: RenderedRequest, masker: Masker) -> dict[str, Any]:
    return masker.with_requests((request,)).document(_request(request))


def response_json(response: RawResponse, masker: Masker) -> dict[str, Any]:
    return masker.document(_response(response))


def outcome_json(outcome: Outcome, masker: Masker) -> dict[str, Any]:
    return masker.document(_outcome(outcome))


def exchange_json(exchange: Exchange, masker: Masker) -> dict[str, Any]:
    """One phase with one account: `{request, response, latency_ms, attempts, outcome}`."""
    masker = masker.with_requests((exchange.request,))
    return masker.document(_exchange(exchange))


def auction_json(result: AuctionResult, masker: Masker) -> dict[str, Any]:
    """The spec's JSON result of one lead (schema_version 1); extra keys keep to the spec."""
    masker = masker.with_requests(requests_of(result))  # what the requests carried
    return masker.document(_plain(result).document)


def auction_json_line(result: AuctionResult, masker: Masker, line_no: int) -> str:
    """`dumps({"line": line_no, **auction_json(result, masker)}, pretty=False)`: a batch's
    line, without copying the document to mask it."""
    with masked_auction(result, masker) as document:
        return dumps({"line": line_no, **document}, pretty=False)


@contextlib.contextmanager
def masked_auction(result: AuctionResult, masker: Masker) -> Iterator[dict[str, Any]]:
    """`auction_json(result, masker)` for the time of the `with`, to be written out: the
    result's plain document, masked in place (no `await` inside: it is shared)."""
    masker = masker.with_requests(requests_of(result))
    with masker.masked_in_place(_plain(result).sites) as document:
        yield document


class _Plain:
    """A live result's plain (unmasked) document, built once, and its sites to mask."""

    __slots__ = ("_sites", "document")

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._sites: Sites | None = None

    @property
    def sites(self) -> Sites:
        if self._sites is None:
            self._sites = Sites(self.document)
        return self._sites


# The plain document of each live result, built once: the store's record (secrets
# masked) and the `--json` line (pii masked too) mask the same document. Keyed by id,
# held only as long as the result.
_PLAIN: dict[int, tuple[weakref.ref[AuctionResult], _Plain]] = {}


def _plain(result: AuctionResult) -> _Plain:
    key = id(result)
    held = _PLAIN.get(key)
    if held is not None and held[0]() is result:
        return held[1]
    plain = _Plain(_auction(result))
    _PLAIN[key] = (weakref.ref(result, functools.partial(_forget, key)), plain)
    return plain


def _forget(key: int, _: weakref.ref[AuctionResult]) -> None:
    _PLAIN.pop(key, None)  # the result is gone: its id may be reused


def _auction(result: AuctionResult) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "lead_id": Name(result.lead_id),
        "lead_type": Name(result.lead.lead_type),
        "result": Name(result.result),
        "sold_to": _name(result.sold_to),
        "price": money(result.price),
        "reason": result.reason,  # unless sold, why not
        "duration_ms": round(result.duration_ms, 1),
        "ping_round_ms": round(result.ping_round_ms, 1),
        "posted_to": [Name(a) for a in result.posted_to],
        "dry_run": result.dry_run,
        "sales": [{"account": Name(s.account), "price": money(s.price)} for s in result.sales],
        "revenue": money(result.revenue),
        "accounts": [_account(a) for a in result.accounts],
    }
    if result.earlier is not None:  # skipped, duplicate, or held in doubt by an earlier one
        earlier = result.earlier
        document["earlier"] = {
            "auction_id": Name(earlier.auction_id),
            "result": _name(earlier.result),
            "sold_to": [Name(a) for a in earlier.sold_to],
        }
    if result.decisions:
        document["decisions"] = list(result.decisions)
    if result.store_error is not None:
        document["store_error"] = result.store_error
    return document


def check_json(result: CheckResult, masker: Masker) -> dict[str, Any]:
    """`test-ping`/`test-post --json`: the first exchange's outcome, bid, reason and captures
    at the top level; with a post after the ping, the post's document under `post`."""
    first, *rest = result.checks
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "method": Name(result.method),
        "account": _name(result.account),
        "lead_id": Name(result.lead_id),
        **_check(first),
    }
    if result.ping is not None and first is result.ping:
        document["post"] = _check(rest[0]) if rest else None
        if result.post_skipped:
            document["post_skipped"] = result.post_skipped
    masker = masker.with_requests(requests_of(result))
    return masker.document(document)


def dumps(document: Mapping[str, Any], *, pretty: bool = True) -> str:
    """Serialise a document: indented for one result, one compact line for batches
    (written by orjson where that is exact: `_fast`)."""
    if pretty:
        return json.dumps(document, indent=2, ensure_ascii=False, default=str)
    line = _fast(document, str)
    if line is not None:
        return line.decode()
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)


def compact_bytes(document: Mapping[str, Any]) -> bytes:
    """`json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()`, byte
    for byte (written by orjson where that is exact: `_fast`)."""
    line = _fast(document, None)
    if line is not None:
        return line
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _fast(document: Mapping[str, Any], default: Callable[[Any], Any] | None) -> bytes | None:
    """The compact JSON of `document` as the json module writes it (`ensure_ascii=False`,
    `default`), in UTF-8, written by orjson: a batch writes one document per lead, and
    the store another, several times cheaper so. None where the two could differ: an
    integer past 64 bits or a string that is not valid UTF-8 (orjson refuses them), a
    float with a one-digit negative exponent (`1e-07` against `1e-7`), a value orjson
    cannot write without a `default`. Keys that are str subclasses (aiohttp's header
    names) or numbers come out as the json module writes them. Floats are only
    pingpost's own timings (buyers' and leads' numbers are Decimals): no NaN reaches it."""
    try:
        line = _orjson_dumps(document, default=default)
    except TypeError:  # orjson.JSONEncodeError: a key that is not a str, or another value
        try:
            line = _orjson_dumps(document, default=default, option=OPT_NON_STR_KEYS)
        except TypeError:
            return None
    if _short_exponent(line):
        return None
    return line


_DIGITS = b"0123456789"
_NUMBER_END = b",]}"  # what follows a number in compact JSON


def _short_exponent(line: bytes) -> bool:
    """Whether `line` may hold a number like `1e-7` (the json module writes `1e-07`). A
    string holding one only costs the fallback; a uuid's `1e-4c` is not one. A scan for
    `e-` rather than a regex: a regex starting with a class tries every byte of a 12 KB
    document, and hex ids put `e-` in most of them."""
    at = line.find(b"e-")
    size = len(line)
    while at != -1:
        end = at + 3
        if (
            at
            and end <= size
            and line[at - 1] in _DIGITS
            and line[at + 2] in _DIGITS
            and (end == size or line[end] in _NUMBER_END)
        ):
            return True
        at = line.find(b"e-", at + 2)
    return False


# --------------------------------------------------------------------------- plain parts


def _request(request: RenderedRequest) -> dict[str, Any]:
    return {
        "method": Name(request.method),
        "url": request.url,
        "headers": headers_json(request.headers),
        "body": text_of(request.body, request.header("content-type")),
    }


def _response(response: RawResponse) -> dict[str, Any]:
    failure = response.failure
    return {
        "status": response.status,
        "headers": headers_json(response.headers),
        # Decoded with its charset before masking: pii in a UTF-16 body is found only then.
        "body": text_of(response.body, response.header("content-type")),
        "body_bytes": response.size,
        "elapsed_ms": round(response.elapsed_ms, 1),
        "attempts": response.attempts,
        "failure": None
        if failure is None
        else {
            "kind": Name(failure.kind),
            "detail": failure.detail,
            "may_have_arrived": failure.may_have_arrived,
        },
    }


def _outcome(outcome: Outcome) -> dict[str, Any]:
    return {
        "outcome": Name(outcome.status),
        "bid": money(outcome.bid),
        "price": money(outcome.price),
        "reason": outcome.reason,
        "captures": dict(outcome.captures),
        "decided_by": outcome.decided_by,
        "decoded_as": Name(outcome.decoded_as),
        "decode_error": outcome.decode_error,
        "verdicts": [
            {
                "rule": Name(v.rule),
                "description": v.description,
                "matched": v.matched,
                "detail": v.detail,
            }
            for v in outcome.verdicts
        ],
    }


def _exchange(exchange: Exchange) -> dict[str, Any]:
    request, response, outcome = exchange.request, exchange.response, exchange.outcome
    return {
        "request": None if request is None else _request(request),
        "response": None if response is None else _response(response),
        "latency_ms": round(exchange.latency_ms, 1),
        "attempts": exchange.attempts,
        "outcome": None if outcome is None else _outcome(outcome),
    }


def _account(account: AccountResult) -> dict[str, Any]:
    return {
        "account": Name(account.account),
        "method": Name(account.method),
        "priority": account.priority,
        "status": Name(account.status),
        "reason": account.reason,
        "bid": money(account.bid),
        "ping": None if account.ping is None else _exchange(account.ping),
        "post": None if account.post is None else _exchange(account.post),
    }


def _check(check: Check) -> dict[str, Any]:
    from pingpost.commands.check import diagnose  # the engine and aiohttp: not for `log`

    from_outcome = _outcome(check.outcome)
    return {
        "phase": Name(check.phase),
        **from_outcome,
        "latency_ms": round(check.latency_ms, 1),
        "timeout_s": check.timeout,
        "diagnosis": diagnose(check),
        "request": _request(check.request),
        "response": _response(check.response),
    }
