"""What the store keeps of an auction: `AuctionResult` -> `LeadRecord` and `AuctionRecord`.

    lead ──► lead_record (canonical JSON, lead key)       written with the first post intent
    result ──► auction_record ──► account lines (status, bid, latencies, error kind)
                              └─► document: the JSON result, secrets masked, pii kept

The engine writes these (W1-W2); `pingpost log`, `log show` and `stats` read
them back. The document is the one `deliver --json --show-pii` prints: secrets
are masked before anything reaches the store (P12 at rest), the lead's pii is
kept as the lead itself is (the log is where "what did we send" is answered).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from pingpost.auction.result import AccountResult, AuctionResult, Exchange
from pingpost.auction.verdicts import NO_PRICE
from pingpost.lead_keys import lead_key, received_json
from pingpost.leads import Lead
from pingpost.store.records import (
    AccountLine,
    AuctionRecord,
    LeadRecord,
    LoggedResult,
    PostOutcome,
)

if TYPE_CHECKING:
    from pingpost.config.bundle import Config

# The error kinds of an account's line (`stats` counts them): why a ping was an
# `error`, or why a post ended `post_error` or `in_doubt`.
ERROR_KINDS = (
    "render",  # the request could not be built: nothing was sent
    "connect",  # refused, DNS, connect timeout: the request never left
    "timeout",  # no complete answer before the deadline
    "reset",  # the connection broke while sending or reading
    "too_large",  # the answer was over max_response_bytes
    "protocol",  # not HTTP, bad chunking, ...
    "redirect",  # a 3xx (redirects are never followed)
    "auth",  # HTTP 401, 403 or 407
    "http_4xx",
    "http_5xx",
    "undecodable",  # the body did not decode as the method's format, or a rule could not run
    "invalid_bid",  # a bid that is missing, not a number, negative or not finite
    "rule",  # the method's rules called the answer an error
    "interrupted",  # the post was cut off by an abort
    "internal",  # a bug in pingpost, not the buyer
)
LOGGED: frozenset[str] = frozenset({"sold", "unsold", "in_doubt", "duplicate"})


def lead_record(
    lead: Lead,
    auction_id: str,
    *,
    started_at: float,
    source: str | None = None,
    run: str | None = None,
    follows: str | None = None,
) -> LeadRecord:
    """The lead of one auction as the store keeps it (as received, with its lead key)."""
    text = received_json(lead)
    return LeadRecord(
        auction_id=auction_id,
        lead_key=lead_key(lead.lead_type, text),
        lead_type=lead.lead_type,
        lead_json=text,
        started_at=started_at,
        source=source,
        run=run,
        follows=follows,
    )


def auction_record(
    result: AuctionResult,
    config: Config,
    *,
    lead: LeadRecord | None = None,
    source: str | None = None,
    finished_at: float | None = None,
    outcomes: tuple[PostOutcome, ...] = (),
) -> AuctionRecord:
    """The record `store.finish` takes for `result` (a finished auction, not a dry run
    and not `skipped`: those are never written). `lead` is the record written with the
    auction's post intents, if any (else built from the result); `outcomes`, the answers
    not written yet, go in the result's commit."""
    if result.result not in LOGGED or result.dry_run:
        raise ValueError(f"a {'dry run' if result.dry_run else result.result} is not logged")
    if lead is None:
        lead = lead_record(result.lead, result.lead_id, started_at=result.started_at, source=source)
    logged: LoggedResult = result.result  # type: ignore[assignment]  # checked above
    return AuctionRecord(
        lead=lead,
        result=logged,
        finished_at=(
            finished_at
            if finished_at is not None
            else result.started_at + result.duration_ms / 1000
        ),
        duration_ms=result.duration_ms,
        sold_to=result.sold_to,
        price=result.price,
        revenue=result.revenue,
        reason=result.reason,
        accounts=account_lines(result),
        document=result_document(result, config),
        outcomes=outcomes,
    )


def result_document(result: AuctionResult, config: Config, *, test: bool = False) -> bytes:
    """The JSON result document as the store keeps it: secrets masked, pii kept, UTF-8
    (`pingpost.trace.stored`, which `log show` rebuilds the result from)."""
    from pingpost.trace.stored import stored_document

    return stored_document(result, config, test=test)


def account_lines(result: AuctionResult) -> tuple[AccountLine, ...]:
    """One line per account of the auction: what `stats` and `log --account` read."""
    prices: dict[str, Decimal] = {sale.account: sale.price for sale in result.sales}
    return tuple(
        AccountLine(
            account=a.account,
            status=a.status,
            bid=a.bid,
            ping_ms=_sent_ms(a.ping),
            post_ms=_sent_ms(a.post),
            error_kind=error_kind(a),
            price=prices.get(a.account),
        )
        for a in result.accounts
    )


def _sent_ms(exchange: Exchange | None) -> float | None:
    """The exchange's latency when its request was sent (None: not sent)."""
    if exchange is None or exchange.request is None:
        return None
    if exchange.response is None and exchange.outcome is None:  # rendered, not sent
        return None
    return round(exchange.latency_ms, 3)


def error_kind(account: AccountResult) -> str | None:
    """Why this account's ping was an `error` or its post `post_error`/`in_doubt`
    (one of ERROR_KINDS); None for any other status."""
    if account.status == "error":
        return exchange_error_kind(account.ping, account.reason)
    if account.status in ("post_error", "in_doubt"):
        return exchange_error_kind(account.post, account.reason)
    return None


def exchange_error_kind(exchange: Exchange | None, reason: str | None = None) -> str:
    """The error kind of a failed exchange (see ERROR_KINDS)."""
    if exchange is None or exchange.request is None:
        return "render"
    outcome, response = exchange.outcome, exchange.response
    decided_by = outcome.decided_by if outcome is not None else ""
    if decided_by == "interrupted":
        return "interrupted"
    if response is None:
        internal = decided_by == "internal error" or (reason or "").startswith("internal error")
        return "internal" if internal else "timeout"  # the ping round's own deadline
    if response.failure is not None:
        return response.failure.kind
    undecodable = outcome is not None and outcome.decode_error is not None
    return _answer_kind(response.status or 0, outcome.reason if outcome else None, decided_by) or (
        "undecodable" if undecodable else "rule"
    )


def _answer_kind(status: int, reason: str | None, decided_by: str) -> str | None:
    if status in (401, 403, 407):
        return "auth"
    if status >= 500:
        return "http_5xx"
    if status >= 400:
        return "http_4xx"
    if status >= 300:
        return "redirect"
    if decided_by.startswith("bid:") or reason == NO_PRICE:
        return "invalid_bid"
    if decided_by.startswith("accept could not run"):
        return "undecodable"
    return None
