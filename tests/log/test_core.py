"""The log's core on MemoryStore: a logged auction and what changed since, the stored lead,
retention, resolving several open posts, re-posting through a recording transport."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest

from pingpost.config import load_config
from pingpost.config.bundle import Config
from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.log.errors import CannotRepost, NoOpenPost
from pingpost.log.recover import resolve
from pingpost.log.refusal import repost_refusal
from pingpost.log.repost import repost
from pingpost.log.retention import apply_retention
from pingpost.log.shown import logged_auction, stored_lead
from pingpost.store import MemoryStore, UnknownAuction
from pingpost.store.records import AuctionRecord, LeadRecord, PostIntent, PostOutcome
from pingpost.transport import SendOptions
from tests.trace_cli_fixtures import LEAD

from .conftest import KEYED_METHOD

NOW = time.time()


@pytest.fixture
def config(buyer_setup) -> Config:  # type: ignore[no-untyped-def]
    setup = buyer_setup("acme")
    (setup.dir / "methods" / "keyed.yaml").write_text(KEYED_METHOD.format(base=setup.base))
    (setup.dir / "accounts" / "keyed.yaml").write_text(
        "kind: delivery_account\nname: keyed-main\nmethod: keyed\n"
    )
    return load_config(setup.dir)


def lead(auction_id: str = "C-1", at: float = NOW, **fields: object) -> LeadRecord:
    text = json.dumps({**LEAD, **fields})
    return LeadRecord(auction_id, f"key-{auction_id}", "auto_insurance", text, at)


def intent(account: str, attempt: int = 1, key: str | None = "C-1:keyed-main") -> PostIntent:
    return PostIntent("C-1", account, attempt, Decimal("20.00"), NOW + 1, key)


def document(captures: dict[str, str]) -> bytes:
    ping = {"outcome": {"outcome": "accepted", "captures": captures}}
    account = {"account": "keyed-main", "status": "in_doubt", "ping": ping, "post": None}
    return json.dumps(
        {"lead_id": "C-1", "result": "in_doubt", "posted_to": ["keyed-main"], "accounts": [account]}
    ).encode()


async def in_doubt(store: MemoryStore, captures: dict[str, str] | None = None) -> None:
    """C-1: one post to keyed-main, answered in doubt; the result written."""
    await store.post_intent(lead(), intent("keyed-main"))
    await store.post_outcome(PostOutcome("C-1", "keyed-main", 1, "in_doubt", NOW + 2))
    doc = document({"ping_id": "k-7"} if captures is None else captures)
    record = AuctionRecord(lead(), "in_doubt", NOW + 3, 3000.0, document=doc)
    await store.finish(record)


class Recording:
    """A transport that answers every post with `status` and `body`, and keeps them."""

    def __init__(self, status: int = 200, body: bytes = b'{"result": "success"}') -> None:
        self.sent: list[RenderedRequest] = []
        self.status, self.body = status, body

    async def send(self, request: RenderedRequest, options: SendOptions) -> RawResponse:
        self.sent.append(request)
        headers = (("Content-Type", "application/json"),)
        return RawResponse(self.status, headers, self.body, elapsed_ms=4.0)


def test_stored_lead_is_read_again_or_kept_as_stored(config: Config) -> None:
    again = stored_lead(lead(Age="41"), config)
    assert again.values["Age"] == 41 and again.values["Phone"] == "4155550199"
    gone = stored_lead(lead(Unknown="x"), config)  # no longer valid: shown as stored
    assert gone.values["Unknown"] == "x" and gone.lead_type == "auto_insurance"


def test_a_logged_auction_knows_what_changed_since(config: Config) -> None:
    async def scenario() -> None:
        store = MemoryStore()
        with pytest.raises(UnknownAuction):
            await logged_auction(store, "C-1", config)
        await in_doubt(store)
        logged = await logged_auction(store, "C-1", config)
        assert (logged.interrupted, logged.changed, logged.later) == (False, False, ())
        await store.resolve("C-1", "keyed-main", sold=True, price=None, at=NOW, reason="ok")
        logged = await logged_auction(store, "C-1", config)
        assert logged.changed and [p.status for p in logged.later] == ["sold"]

    asyncio.run(scenario())


def test_resolve_settles_every_open_post_to_the_account(config: Config) -> None:
    async def scenario() -> None:
        store = MemoryStore()
        await in_doubt(store)
        await store.post_intent(lead(), intent("keyed-main", 2))  # a re-post, unanswered
        done = await resolve(store, "C-1", sold=True, price=None, account=None, at=NOW, reason=None)
        assert (done.account, done.price, done.settled) == ("keyed-main", Decimal("20.00"), 2)
        assert (done.row.result, done.row.sold_to, done.row.price) == (
            "sold",
            "keyed-main",
            Decimal("20.00"),
        )
        with pytest.raises(NoOpenPost, match="nothing to resolve"):
            await resolve(store, "C-1", sold=True, price=None, account=None, at=NOW)

    asyncio.run(scenario())


def test_repost_sends_the_same_post_under_the_same_key(config: Config) -> None:
    async def scenario() -> None:
        store = MemoryStore()
        await in_doubt(store)
        wire = Recording(body=b'{"result": "success", "price": "19.00"}')
        done = await repost(store, config, "C-1", account=None, transport=wire, clock=time.time)
        (sent,) = wire.sent
        assert sent.header("Idempotency-Key") == "C-1:keyed-main"
        assert json.loads(sent.body) == {"ping_id": "k-7", "phone": "4155550199"}
        assert (done.attempt, done.status, done.price) == (2, "sold", Decimal("19.00"))
        assert (done.row.result, done.row.price) == ("sold", Decimal("19.00"))
        stored = await store.auction("C-1")
        assert stored is not None
        assert [(p.attempt, p.status) for p in stored.posts] == [(1, "sold"), (2, "sold")]
        assert await store.open_auctions() == []

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ("acme", "its delivery method `acme` declares no idempotency key"),
        ("no key", "the first post carried no idempotency key"),
        ("masked", "the log keeps them masked"),
        ("no capture", "the log has no accepted ping from this account with them"),
        ("gone", "the account is no longer configured"),
    ],
)
def test_repost_refuses_and_says_why(config: Config, change: str, why: str) -> None:
    async def scenario() -> None:
        store = MemoryStore()
        account = {"acme": "acme-main", "gone": "old-main"}.get(change, "keyed-main")
        key = None if change == "no key" else f"C-1:{account}"
        await store.post_intent(lead(), PostIntent("C-1", account, 1, Decimal(5), NOW, key))
        captures = {"masked": {"ping_id": "****"}, "no capture": {}}.get(change, {"ping_id": "x"})
        doc = json.loads(document(captures))
        doc["accounts"][0]["account"] = account
        record = AuctionRecord(lead(), "in_doubt", NOW, 1.0, document=json.dumps(doc).encode())
        await store.finish(record)
        stored = await store.auction("C-1")
        assert stored is not None
        assert why in (repost_refusal(config, stored, stored.posts[0]) or "")
        wire = Recording()
        with pytest.raises(CannotRepost, match=why.replace("(", r"\(").replace(")", r"\)")):
            await repost(store, config, "C-1", account=None, transport=wire, clock=time.time)
        assert wire.sent == []

    asyncio.run(scenario())


class Counting(MemoryStore):
    purges = 0

    async def purge(self, *, before: float | None = None, auction_id: str | None = None) -> int:
        self.purges += 1
        return await super().purge(before=before, auction_id=auction_id)


def test_retention_purges_only_when_something_is_that_old(config: Config, tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Counting()
        old = lead("OLD", NOW - 5 * 86400)
        record = AuctionRecord(old, "unsold", old.started_at + 1, 1000.0)
        await store.finish(record)
        settings = config.settings
        assert await apply_retention(store, settings, NOW) == 0 and store.purges == 0
        keep = settings.model_copy(
            update={"log": settings.log.model_copy(update={"retention": 6 * 86400.0})}
        )
        assert await apply_retention(store, keep, NOW) == 0 and store.purges == 0
        short = settings.model_copy(
            update={"log": settings.log.model_copy(update={"retention": 86400.0})}
        )
        assert await apply_retention(store, short, NOW) == 1 and store.purges == 1
        assert await store.auction("OLD") is None

    asyncio.run(scenario())
