"""What the engine writes to the store and what it reads back: plain frozen records.

Times are Unix seconds (float) given by the caller, never read from the wall
clock inside the store, so that tests can inject a clock. Money is `Decimal`.
Nothing here holds a secret: the JSON result document is masked before it
reaches the store (P12 at rest); the lead is kept as received (PII included,
needed to re-post and to answer "what did we send"), and docs/ say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

# Results a finished auction can have in the log (`skipped` leads are not auctions:
# they are never written).
LoggedResult = Literal["sold", "unsold", "in_doubt", "duplicate"]
# What a post intent became. `sold`: accepted; `post_rejected`: definitive no;
# `post_error`: provably never reached the buyer; `in_doubt`: may have arrived (P6).
PostStatus = Literal["sold", "post_rejected", "post_error", "in_doubt"]
# Post statuses that free the cap reservation made with the intent.
RELEASING: frozenset[str] = frozenset({"post_rejected", "post_error"})


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """The lead of one auction, written with its first durable record."""

    auction_id: str
    lead_key: str  # hex digest of the lead type and the lead's canonical JSON (W3)
    lead_type: str
    lead_json: str  # the lead as received, canonical JSON
    started_at: float
    source: str | None = None  # the batch file, `<stdin>`, or the serve source's name
    # The run (one auction's writer: the engine's Recorder) that owns this auction id. A
    # post intent or result for an auction id another run owns is refused (OtherAuction);
    # None: no owner is checked (records read back, `recover --repost`).
    run: str | None = None
    # W3's look at the lead key when this auction was decided: the latest auction it
    # found ("" for none). The auction's first write is refused (OtherAuction) if another
    # auction of the same lead key came since (the same batch run twice at once). None:
    # no such check (each `serve` submission is a new one).
    follows: str | None = None


@dataclass(frozen=True, slots=True)
class CapClaim:
    """One cap a sale must fit in. `window` names the counter: the controls compute it
    from the account's calendar (`day:2026-12-03`, `total`), the store only counts.
    Claims of one intent that name the same window share its counter: a sale counts
    once in it, and each claim's limit is checked against it."""

    window: str
    leads: int | None = None  # at most this many sales in the window
    spend: Decimal | None = None  # at most this sum of sale prices in the window


@dataclass(frozen=True, slots=True)
class PostIntent:
    """A post about to leave (W1): durable before the request is sent."""

    auction_id: str
    account: str
    attempt: int  # 1 for the auction's first post, 2 for the next bidder's, ...
    amount: Decimal  # the bid: what spend caps reserve
    sent_at: float
    idempotency_key: str | None = None
    claims: tuple[CapClaim, ...] = ()  # reserved atomically with the intent, all or none


@dataclass(frozen=True, slots=True)
class CapReached:
    """Why a post intent was refused: this cap of the account has no room left."""

    account: str
    claim: CapClaim
    used_leads: int
    used_spend: Decimal


@dataclass(frozen=True, slots=True)
class PostOutcome:
    """What a post intent became. Releasing statuses free its reservation; a sale
    re-counts its spend at `price` and records `dedupe_key` as bought by the account."""

    auction_id: str
    account: str
    attempt: int
    status: PostStatus
    answered_at: float
    price: Decimal | None = None
    reason: str | None = None
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class AccountLine:
    """One account's part in a finished auction: what `stats` and `log --account` read."""

    account: str
    status: str  # an account status of the JSON result (filtered, accepted, sold, ...)
    bid: Decimal | None = None
    ping_ms: float | None = None  # None: not pinged
    post_ms: float | None = None  # None: not posted
    error_kind: str | None = None  # timeout, connect, http_5xx, invalid_bid, undecodable, ...
    price: Decimal | None = None  # the sale's price when this account bought


@dataclass(frozen=True, slots=True)
class AuctionRecord:
    """A finished auction (W2): written once, at the end."""

    lead: LeadRecord
    result: LoggedResult
    finished_at: float
    duration_ms: float
    sold_to: str | None = None
    price: Decimal | None = None
    revenue: Decimal = Decimal(0)  # the sum of every sale (shared leads sell several times)
    reason: str | None = None
    accounts: tuple[AccountLine, ...] = ()
    document: bytes = b""  # the JSON result document (UTF-8), secrets masked, PII kept
    # the answers of the auction's last posts, written first in the result's commit: a
    # post that ends the auction costs one commit after its answer, not two (W2)
    outcomes: tuple[PostOutcome, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenPost:
    """A post intent with no answer, or with an in-doubt one (`recover` lists them)."""

    account: str
    attempt: int
    sent_at: float
    amount: Decimal
    idempotency_key: str | None
    status: Literal["in_doubt"] | None  # None: no outcome was ever written
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PriorAuction:
    """The latest auction of a lead key, for W3 (continue a batch, never sell twice).

    `finished`: it has a result. `interrupted`: it has a lead record and post
    intents but no result (the process died or was killed).
    """

    auction_id: str
    state: Literal["finished", "interrupted"]
    result: LoggedResult | None  # the finished result
    sold_to: tuple[str, ...]  # accounts with a `sold` post outcome (finished or not)
    open_posts: tuple[OpenPost, ...]  # intents without an outcome, or in doubt
    at: float  # finished_at, else started_at


@dataclass(frozen=True, slots=True)
class OpenAuction:
    """An interrupted or in-doubt auction, as `pingpost recover` lists it."""

    auction_id: str
    lead_type: str
    source: str | None
    started_at: float
    state: Literal["interrupted", "in_doubt"]
    posts: tuple[OpenPost, ...]


@dataclass(frozen=True, slots=True)
class LogQuery:
    since: float | None = None
    until: float | None = None
    account: str | None = None  # auctions this account took part in (pinged or posted)
    result: str | None = None
    lead_id: str | None = None  # the auction id
    source: str | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class LogRow:
    auction_id: str
    started_at: float
    lead_type: str
    source: str | None
    result: str  # a LoggedResult, or `interrupted`
    sold_to: str | None
    price: Decimal | None
    duration_ms: float | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class StoredAuction:
    """Everything the log holds of one auction (`pingpost log show`)."""

    row: LogRow
    lead: LeadRecord
    document: bytes | None  # None while interrupted (no result written)
    posts: tuple[PostRecord, ...]


@dataclass(frozen=True, slots=True)
class PostRecord:
    account: str
    attempt: int
    sent_at: float
    amount: Decimal
    idempotency_key: str | None
    status: PostStatus | None
    price: Decimal | None
    reason: str | None
    answered_at: float | None


@dataclass(frozen=True, slots=True)
class Usage:
    """A cap counter: sales and spend counted in one window (reservations included)."""

    leads: int = 0
    spend: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the store remembers of an account between auctions."""

    last_sale_at: float | None = None  # round robin: longest without a sale first
    paused_until: float | None = None  # auto-pause (health)
    pause_reason: str | None = None


@dataclass(frozen=True, slots=True)
class StatsRow:
    """Figures of one account (or one source) over a time range."""

    name: str
    auctions: int = 0  # by source: leads received; by account: auctions it was part of
    pings: int = 0
    accepted: int = 0
    bids: tuple[Decimal, ...] = ()  # p50, p95 of accepted bids (empty: none)
    wins: int = 0
    posts: dict[str, int] = field(default_factory=dict)  # PostStatus -> count
    revenue: Decimal = Decimal(0)
    latency_ms: tuple[float, ...] = ()  # ping latency p50, p95, p99 (empty: no ping)
    errors: dict[str, int] = field(default_factory=dict)  # error kind -> count


@dataclass(frozen=True, slots=True)
class StoreInfo:
    backend: Literal["sqlite", "postgresql", "memory"]
    url: str  # without a password
    schema_version: int
    supported_version: int  # the newest schema this pingpost knows
    size_bytes: int | None
    counts: dict[str, int]  # auctions, posts, open auctions, ...


# Idempotency keys of `pingpost serve` (a retried submission gets the first answer).
@dataclass(frozen=True, slots=True)
class KeyClaimed:
    """This caller owns the key now: run the auction, then `complete_request`.
    `taken_over`: the key was claimed before, by a caller that never answered within the
    staleness limit (an instance that died mid-auction): its auction may have posted."""

    taken_over: bool = False


@dataclass(frozen=True, slots=True)
class KeyPending:
    """Another caller (maybe another instance) owns the key and has not answered yet."""


@dataclass(frozen=True, slots=True)
class KeyAnswered:
    status: int
    body: bytes


@dataclass(frozen=True, slots=True)
class KeyMismatch:
    """The key was used before with a different body: 422."""


RequestClaim = KeyClaimed | KeyPending | KeyAnswered | KeyMismatch
