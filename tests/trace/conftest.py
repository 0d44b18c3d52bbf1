"""Builders for trace tests: results as the engine makes them, and a masker that knows
a secret (`tok-SECRET`) and two pii values (`Zelda`, `4155550142`)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rich.console import Console

from pingpost.auction.result import AccountResult, AuctionResult, Exchange
from pingpost.exchange import Failure, RawResponse, RenderedRequest
from pingpost.leads import Lead
from pingpost.masking import Masker
from pingpost.responses.outcome import Outcome, RuleVerdict

LEAD = Lead(
    "auto_insurance",
    {"FirstName": "Zelda", "Phone": "4155550142", "ZipCode": "94107", "State": "CA", "Age": 34},
)


def exchange(
    status: str = "accepted",
    *,
    http: int | None = 200,
    body: str = '{"Success": true, "Payout": 12.5}',
    bid: str | None = "12.50",
    reason: str | None = None,
    failure: Failure | None = None,
    latency: float = 38.0,
    captures: dict[str, str] | None = None,
) -> Exchange:
    request = RenderedRequest(
        "POST",
        "http://127.0.0.1:8765/acme/ping",
        (("Content-Type", "application/json"), ("Authorization", "Bearer tok-SECRET")),
        b'{"zip": "94107", "first_name": "Zelda"}',
    )
    response = RawResponse(
        http,
        (("Content-Type", "application/json"),),
        body.encode(),
        elapsed_ms=latency,
        failure=failure,
    )
    outcome = Outcome(
        status,  # type: ignore[arg-type]
        bid=Decimal(bid) if bid else None,
        reason=reason,
        captures=captures or {},
        decided_by="accept: path Success equals true",
        verdicts=(
            RuleVerdict("accept", "path Success equals true", status == "accepted", "got true"),
        ),
        decoded_as="json",
    )
    return Exchange(request, response, outcome, latency_ms=latency, attempts=1)


def account(name: str, status: str, **kw: Any) -> AccountResult:
    return AccountResult(
        account=name,
        method=kw.pop("method", f"{name}-method"),
        priority=kw.pop("priority", 0),
        status=status,  # type: ignore[arg-type]
        **kw,
    )


def sold_result() -> AuctionResult:
    """Eight accounts, one of each common status, given out of story order."""
    timeout = Failure("timeout", "timeout after 800 ms", True)
    coverage = "[bold]no coverage[/bold]"
    outbid = "outbid: sold to acme-gold"
    accounts = (
        account("zulu-filtered", "filtered", reason="State=CA not in [TX]"),
        account(
            "yankee-error",
            "error",
            reason="timeout",
            ping=exchange("error", http=None, bid=None, failure=timeout),
        ),
        account(
            "acme-gold",
            "sold",
            bid=Decimal("12.50"),
            ping=exchange(captures={"transaction_id": "T-1"}),
            post=exchange(latency=52.0, bid=None),
        ),
        account(
            "bravo-low",
            "below_floor",
            bid=Decimal("2.00"),
            reason="bid $2.00 below min_bid $5.00",
            ping=exchange(bid="2.00"),
        ),
        account("charlie", "outbid", bid=Decimal("9"), reason=outbid, ping=exchange(bid="9")),
        account("delta", "outbid", bid=Decimal("11"), reason=outbid, ping=exchange(bid="11")),
        account(
            "echo",
            "post_rejected",
            bid=Decimal("15.00"),
            reason="No Matches",
            ping=exchange(bid="15.00"),
            post=exchange("rejected", bid=None, reason="No Matches"),
        ),
        account(
            "foxtrot",
            "rejected",
            reason=coverage,
            ping=exchange("rejected", bid=None, reason=coverage),
        ),
    )
    return AuctionResult(
        lead_id="lead-1",
        lead=LEAD,
        result="sold",
        sold_to="acme-gold",
        price=Decimal("12.50"),
        duration_ms=412.3,
        accounts=accounts,
        ping_round_ms=80.0,
        posted_to=("echo", "acme-gold"),
    )


def render_text(renderable: Any, width: int = 140) -> str:
    """What a plain terminal `width` columns wide would show."""
    console = Console(width=width, record=True, no_color=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


@pytest.fixture
def render() -> Callable[..., str]:
    return render_text


@pytest.fixture
def masker() -> Masker:
    return Masker(secrets=["tok-SECRET"], pii=["Zelda", "4155550142"])


@pytest.fixture
def make_result() -> Callable[..., AuctionResult]:
    def make(**changes: Any) -> AuctionResult:
        return dataclasses.replace(sold_result(), **changes)

    return make


@pytest.fixture
def builders() -> Any:
    """`builders.exchange(...)`, `builders.account(...)`: the same helpers, for tests."""

    class Builders:
        pass

    b = Builders()
    b.exchange = exchange  # type: ignore[attr-defined]
    b.account = account  # type: ignore[attr-defined]
    return b
