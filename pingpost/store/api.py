"""The store's one interface: what the engine, the controls, the CLI and `serve` may ask.

    engine ──► prior(lead_key)                     W3: continue a batch, never sell twice
           ──► claim_lead / bought / usage / ...   controls, before the ping
           ──► post_intent (durable, reserves caps) ──► post ──► post_outcome (durable)
           ──► finish (durable)                     W2: the result, before it is printed
                                                    (with the last posts' outcomes)
    cli    ──► log / auction / stats / open_auctions / resolve / close_auction / purge / info
    serve  ──► claim_request / complete_request     idempotency keys across instances

Three implementations behave alike and pass one test suite: `MemoryStore`
(tests), SQLite (the default) and PostgreSQL. Every write method returns once
its change is durable (committed with `synchronous=FULL` on SQLite); a write
that cannot be made durable raises `StoreUnavailable` and changes nothing.
Times come from the caller. Nothing here knows calendars, schedules or
normalisation: the controls compute windows and hashed keys, the store counts
and compares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from pingpost.store.records import (
    AccountState,
    AuctionRecord,
    CapReached,
    LeadRecord,
    LogQuery,
    LogRow,
    OpenAuction,
    PostIntent,
    PostOutcome,
    PriorAuction,
    RequestClaim,
    StatsRow,
    StoredAuction,
    StoreInfo,
    Usage,
)

SCHEMA_VERSION = 2  # the newest schema this pingpost writes; older stores are migrated


class Store(Protocol):
    """One delivery log and the state of the buyer controls, shared by every process
    that opens the same URL."""

    backend: str  # "memory" | "sqlite" | "postgresql"

    async def open(self, *, migrate: bool = True) -> None:
        """Connect; create or migrate the schema (under a lock: two processes never
        migrate at once). `migrate=False` refuses a store older than this pingpost.
        Raises `StoreTooNew` for a schema newer than `SCHEMA_VERSION`,
        `StoreUnavailable` when it cannot be reached."""

    async def close(self) -> None:
        """Finish pending writes (and fold this process's results into the stats
        rollups), then disconnect."""

    async def info(self) -> StoreInfo: ...

    async def migrate(self) -> tuple[int, int]:
        """Bring the schema to `SCHEMA_VERSION`; (version before, version after). On a
        store not yet open, this opens it (creating it if need be), as `open()` does."""

    # -- write-ahead (W1-W3) ------------------------------------------------------

    async def prior(self, lead_key: str) -> PriorAuction | None:
        """The latest auction of this lead key, finished or interrupted; None if none
        (an auction that never wrote anything is not there: it never posted)."""

    async def post_intent(self, lead: LeadRecord, intent: PostIntent) -> CapReached | None:
        """Make the intent durable, with the auction's lead record the first time.
        Its cap claims are checked and counted atomically with it, across processes:
        if one has no room, nothing is written and the first cap reached is returned.
        The same intent again (auction, account, attempt) is a no-op returning None, so
        that a call retried after an error it may have survived counts once.
        Raises OtherAuction, writing nothing, when another run owns the auction id
        (`lead.run`) or, at the auction's first write, has delivered the same lead key
        since W3 looked (`lead.follows`): checked atomically with the write, across
        processes, so that one batch run twice at once never posts a lead twice."""

    async def post_outcome(self, outcome: PostOutcome) -> None:
        """Record what the post became; release or adjust its reservation (see
        `PostOutcome`); on a sale, the account's last sale time and its bought key."""

    async def finish(self, record: AuctionRecord) -> None:
        """Record the auction's result (and its lead record if no post was made), after
        the outcomes it carries (`record.outcomes`, as `post_outcome` would): in one
        commit on SQLite, each outcome its own just before on PostgreSQL. Raises
        OtherAuction as `post_intent` does."""

    # -- the log --------------------------------------------------------------------

    async def log(self, query: LogQuery) -> list[LogRow]:
        """Auctions newest first, interrupted ones included (result `interrupted`)."""

    async def auction(self, auction_id: str) -> StoredAuction | None: ...

    async def stats(self, since: float, until: float, *, by: str = "account") -> list[StatsRow]:
        """Figures per account (`by="account"`) or per source (`by="source"`) of the
        finished auctions that started in [since, until). Counts and revenue are exact;
        the SQL backends give percentiles within 1% (tally.py), the memory store exact."""

    async def open_auctions(self) -> list[OpenAuction]:
        """Interrupted auctions, and finished ones with a post still in doubt."""

    async def resolve(
        self,
        auction_id: str,
        account: str,
        *,
        sold: bool,
        price: Decimal | None,
        at: float,
        reason: str,
    ) -> None:
        """Record what the buyer confirmed for an open post: sold (at `price`, else the
        bid) or not (its reservation is released). The auction's result follows, and so
        does the account's line (its status and price), so that stats agree."""

    async def close_auction(self, auction_id: str, *, at: float, reason: str) -> None:
        """Write the result of an interrupted auction whose posts were all answered (the
        process ended between its last answer and its result): sold when a post sold (the
        best sale names it), else unsold with `reason`. Raises UnknownAuction when there is
        no such auction, it has a result, or a post of it is still open."""

    async def purge(self, *, before: float | None = None, auction_id: str | None = None) -> int:
        """Delete auctions (lead, document, posts, lines) finished before `before`, or
        the one named, and take them out of the stats; keep hashed keys and cap
        counters. Returns how many were deleted. Open auctions are never purged by age."""

    # -- the controls' state ---------------------------------------------------------

    async def salt(self) -> bytes:
        """A random salt made once per store, for the hashed dedupe keys."""

    async def usage(self, windows: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], Usage]:
        """Cap counters: {account: [window, ...]} -> {(account, window): Usage}."""

    async def claim_lead(
        self, scope: str, key: str, *, since: float, auction_id: str, at: float
    ) -> str | None:
        """Lead-level dedupe, atomic: if `key` was received in `scope` (the lead type)
        at or after `since`, return that auction's id; else record it and return None."""

    async def seen_lead(self, scope: str, key: str, *, since: float) -> str | None:
        """`claim_lead` without recording (dry runs and test pings never consume)."""

    async def bought(self, key: str, since: Mapping[str, float]) -> set[str]:
        """The accounts of `since` that bought this key at or after their time."""

    async def account_states(self, accounts: Sequence[str]) -> dict[str, AccountState]: ...

    async def pause(self, account: str, until: float | None, reason: str | None) -> None:
        """Pause an account until a time (None: end a pause)."""

    # -- `pingpost serve` ---------------------------------------------------------------

    async def claim_request(
        self, source: str, key: str, body_hash: str, *, at: float, stale_before: float | None = None
    ) -> RequestClaim:
        """Claim an idempotency key, atomically across processes. A key claimed with the
        same body and still unanswered is `KeyPending`, unless its claim was made before
        `stale_before`: then this caller takes it over (`KeyClaimed(taken_over=True)`, the
        claim's time set to `at`)."""

    async def complete_request(self, source: str, key: str, status: int, body: bytes) -> None:
        """Store the answer of a claimed key (a key that is not claimed is ignored)."""

    async def release_request(self, source: str, key: str) -> None:
        """Give a claimed key back unanswered (the auction could not run)."""
