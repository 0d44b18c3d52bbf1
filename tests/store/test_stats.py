"""`stats`: exact counts and revenue on every backend; percentiles within the stated 1%."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

import pytest

from pingpost.store import MemoryStore, Store
from pingpost.store.records import AccountLine, AuctionRecord, StatsRow
from pingpost.store.tally import ALPHA

from .helpers import T0, Backend, lead, line, record

STATUSES = ["outbid", "rejected", "error", "sold", "post_rejected", "in_doubt", "filtered"]


def _random_record(rng: random.Random, n: int, at: float) -> AuctionRecord:
    lines = []
    for account in ("acme", "bluesky", "crown", "delta"):
        status = rng.choice(STATUSES)
        if status == "filtered":
            lines.append(AccountLine(account, status))  # not pinged: not counted
            continue
        bid = None if status in ("rejected", "error") else f"{rng.uniform(0.5, 60):.2f}"
        lines.append(
            line(
                account,
                status,
                bid=bid,
                ping_ms=round(rng.lognormvariate(3.5, 0.8), 1),
                post_ms=80.0 if status in ("sold", "post_rejected", "in_doubt") else None,
                error_kind=rng.choice(["timeout", "http_5xx"]) if status == "error" else None,
                price=bid if status == "sold" else None,
            )
        )
    sold = next((x for x in lines if x.status == "sold"), None)
    source = rng.choice(["web", "batch.jsonl", None])
    return record(
        lead(n, at=at, source=source),
        "sold" if sold else "unsold",
        sold_to=sold.account if sold else None,
        price=str(sold.price) if sold else None,
        lines=tuple(lines),
    )


def _close(got: StatsRow, want: StatsRow) -> None:
    exact = ("name", "auctions", "pings", "accepted", "wins", "posts", "revenue", "errors")
    for attr in exact:
        assert getattr(got, attr) == getattr(want, attr), attr
    assert len(got.bids) == len(want.bids) and len(got.latency_ms) == len(want.latency_ms)
    for g, w in zip(got.bids, want.bids, strict=True):
        assert abs(g - w) <= Decimal(str(ALPHA)) * w + Decimal("0.0001"), (got.bids, want.bids)
    for g_ms, w_ms in zip(got.latency_ms, want.latency_ms, strict=True):
        assert abs(g_ms - w_ms) <= ALPHA * w_ms + 0.05, (got.latency_ms, want.latency_ms)


RANGES = [
    (T0, T0 + 3 * 86_400),  # everything
    (T0 + 30, T0 + 7_000.5),  # partial minutes at both ends, whole minutes and hours
    (T0 + 3_600, T0 + 90_000),  # whole hours and a whole day inside
    (T0 + 59.9, T0 + 61),  # across one minute boundary, no whole minute
    (T0 + 86_400 - 17, T0 + 86_400 + 3_601.25),
    (T0 - 1_000, T0),  # before anything
]


def _records() -> list[AuctionRecord]:
    rng = random.Random(7)
    times = sorted(T0 + rng.uniform(0, 2 * 86_400) for _ in range(300))
    times += [T0 + 30, T0 + 30.5, T0 + 61, T0 + 7_000.25]  # on the ranges' edges
    return [_random_record(rng, n, at) for n, at in enumerate(times)]


async def _compare(store: Store, reference: Store) -> None:
    for since, until in RANGES:
        for by in ("account", "source"):
            got = await store.stats(since, until, by=by)
            want = await reference.stats(since, until, by=by)
            assert [r.name for r in got] == [r.name for r in want], (since, until, by)
            for g, w in zip(got, want, strict=True):
                _close(g, w)


def test_stats_match_the_reference_over_any_range(backend: Backend) -> None:
    records = _records()
    reference = MemoryStore()

    async def write(store: Store) -> None:
        for r in records:
            await store.finish(r)
            await reference.finish(r)
        await _compare(store, reference)  # not folded yet: read from the auctions' rows

    backend.run(write)
    if not backend.durable:
        return
    backend.run(lambda store: _compare(store, reference))  # folded when the first closed

    async def change(store: Store) -> None:  # purge and re-finish folded auctions
        for r in records[::7]:
            await store.purge(auction_id=r.lead.auction_id)
            await reference.purge(auction_id=r.lead.auction_id)
        for r in records[1::11]:
            again = replace(r, result="unsold", accounts=r.accounts[:2])
            await store.finish(again)
            await reference.finish(again)
        await _compare(store, reference)

    backend.run(change)
    backend.run(lambda store: _compare(store, reference))


def test_stats_of_one_account_read_as_an_operator_expects(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        bids = ["10.00", "12.50", "12.50", "14.00"]
        for n, bid in enumerate(bids):
            sold = n == 3
            status = "sold" if sold else "outbid"
            x = line(
                "acme",
                status,
                bid=bid,
                ping_ms=20.0 + n * 10,
                price=bid if sold else None,
                post_ms=50.0 if sold else None,
            )
            y = line("crown", "error", bid=None, ping_ms=1000.0, error_kind="timeout")
            result = "sold" if sold else "unsold"
            await store.finish(record(lead(n, at=T0 + n), result, lines=(x, y)))
        acme, crown = await store.stats(T0, T0 + 60)
        assert (acme.name, acme.auctions, acme.pings, acme.accepted, acme.wins) == (
            "acme",
            4,
            4,
            4,
            1,
        )
        assert acme.bids[0] == pytest.approx(Decimal("12.50"), rel=Decimal(str(ALPHA)))
        assert acme.bids[1] == Decimal("14.00")  # the highest seen: exact
        assert acme.revenue == Decimal("14.00") and acme.posts == {"sold": 1}
        assert acme.latency_ms[0] == pytest.approx(30.0, rel=ALPHA)
        assert (crown.accepted, crown.errors, crown.bids, crown.latency_ms) == (
            0,
            {"timeout": 4},
            (),
            (1000.0, 1000.0, 1000.0),
        )

    backend.run(scenario)


def test_stats_by_source(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        sold = line("acme", "sold", bid="9.99", price="9.99", post_ms=40.0)
        await store.finish(
            record(lead(1, source="web"), "sold", sold_to="acme", price="9.99", lines=(sold,))
        )
        await store.finish(record(lead(2, source="web", at=T0 + 1), "unsold"))
        await store.finish(record(lead(3, source=None, at=T0 + 2), "unsold"))
        rows = await store.stats(T0, T0 + 60, by="source")
        assert [(r.name, r.auctions, r.wins, r.revenue) for r in rows] == [
            ("-", 1, 0, Decimal(0)),
            ("web", 2, 1, Decimal("9.99")),
        ]

    backend.run(scenario)
