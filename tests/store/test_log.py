"""The delivery log: `log` with its filters, `log show`, `recover`'s list, resolve and purge."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pingpost.store import Store, UnknownAuction
from pingpost.store.records import CapClaim, LogQuery

from .helpers import T0, Backend, intent, lead, line, outcome, record, sell


async def _history(store: Store) -> None:
    """A1 sold to acme (web), A2 unsold (bluesky pinged), A3 interrupted (post to crown),
    A4 in doubt at bluesky, A5 sold to bluesky (web); one minute apart."""
    await sell(store, lead(1, at=T0, source="web"), "acme", "10.00")
    two = lead(2, at=T0 + 60)
    await store.finish(record(two, "unsold", lines=(line("bluesky", "rejected", bid=None),)))
    three = lead(3, at=T0 + 120)
    await store.post_intent(three, intent(three, "crown"))
    four = lead(4, at=T0 + 180)
    post = intent(four, "bluesky")
    await store.post_intent(four, post)
    await store.post_outcome(outcome(post, "in_doubt"))
    doubt = line("bluesky", "in_doubt", bid="8.00", post_ms=9000.0)
    await store.finish(record(four, "in_doubt", lines=(doubt,)))
    await sell(store, lead(5, at=T0 + 240, source="web"), "bluesky", "7.25")


def _ids(rows: list) -> list[str]:  # type: ignore[type-arg]
    return [r.auction_id for r in rows]


def test_log_lists_newest_first_with_every_filter(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        await _history(store)
        assert _ids(await store.log(LogQuery())) == ["A5", "A4", "A3", "A2", "A1"]
        assert _ids(await store.log(LogQuery(limit=2))) == ["A5", "A4"]
        assert _ids(await store.log(LogQuery(since=T0 + 60, until=T0 + 180))) == ["A3", "A2"]
        assert _ids(await store.log(LogQuery(result="sold"))) == ["A5", "A1"]
        assert _ids(await store.log(LogQuery(result="interrupted"))) == ["A3"]
        assert _ids(await store.log(LogQuery(result="in_doubt"))) == ["A4"]
        assert _ids(await store.log(LogQuery(account="bluesky"))) == ["A5", "A4", "A2"]
        assert _ids(await store.log(LogQuery(account="crown"))) == ["A3"]  # an intent only
        assert _ids(await store.log(LogQuery(source="web"))) == ["A5", "A1"]
        assert _ids(await store.log(LogQuery(lead_id="A2"))) == ["A2"]
        assert _ids(await store.log(LogQuery(account="acme", result="unsold"))) == []
        rows = await store.log(LogQuery(lead_id="A1"))
        (a1,) = rows
        assert (a1.result, a1.sold_to, a1.price, a1.source) == (
            "sold",
            "acme",
            Decimal("10.00"),
            "web",
        )
        (a3,) = await store.log(LogQuery(lead_id="A3"))
        assert (a3.result, a3.sold_to, a3.duration_ms) == ("interrupted", None, None)

    backend.run(scenario)


def test_equal_start_times_order_by_auction_id(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        for n in ("b", "a", "c"):
            await store.finish(record(lead(n, at=T0), "unsold"))
        assert _ids(await store.log(LogQuery())) == ["Ac", "Ab", "Aa"]

    backend.run(scenario)


def test_open_auctions_lists_interrupted_and_in_doubt(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        await _history(store)
        found = await store.open_auctions()
        assert [(o.auction_id, o.state) for o in found] == [
            ("A3", "interrupted"),
            ("A4", "in_doubt"),
        ]
        assert [p.account for p in found[0].posts] == ["crown"]
        assert found[0].posts[0].status is None and found[1].posts[0].status == "in_doubt"

    backend.run(scenario)


def test_resolve_sold_records_the_sale_and_the_result(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        await _history(store)
        await store.resolve(
            "A4", "bluesky", sold=True, price=Decimal("8.50"), at=T0 + 999, reason="buyer confirmed"
        )
        (a4,) = await store.log(LogQuery(lead_id="A4"))
        assert (a4.result, a4.sold_to, a4.price) == ("sold", "bluesky", Decimal("8.50"))
        assert [o.auction_id for o in await store.open_auctions()] == ["A3"]
        (row,) = [r for r in await store.stats(T0, T0 + 600) if r.name == "bluesky"]
        assert row.wins == 2 and row.revenue == Decimal("15.75")
        assert row.posts == {"sold": 2}
        state = (await store.account_states(["bluesky"]))["bluesky"]
        assert state.last_sale_at == T0 + 999

    backend.run(scenario)


def test_resolve_unsold_releases_the_reservation(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        one = lead(1)
        claim = CapClaim("day:x", leads=1)
        await store.post_intent(one, intent(one, "acme", claims=(claim,)))
        usage = await store.usage({"acme": ["day:x"]})
        assert usage[("acme", "day:x")].leads == 1
        await store.resolve("A1", "acme", sold=False, price=None, at=T0 + 5, reason="not received")
        usage = await store.usage({"acme": ["day:x"]})
        assert usage[("acme", "day:x")].leads == 0
        (a1,) = await store.log(LogQuery())
        assert (a1.result, a1.reason) == ("unsold", "not received")
        assert await store.open_auctions() == []
        (source,) = await store.stats(T0, T0 + 60, by="source")
        assert (source.auctions, source.wins) == (1, 0)

    backend.run(scenario)


def test_resolve_without_an_open_post_is_refused(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        await _history(store)
        with pytest.raises(UnknownAuction):
            await store.resolve("nope", "acme", sold=True, price=None, at=T0, reason="x")
        with pytest.raises(UnknownAuction, match="no open post to acme"):
            await store.resolve("A1", "acme", sold=True, price=None, at=T0, reason="x")

    backend.run(scenario)


def test_an_interrupted_auction_whose_posts_were_all_answered_is_closed_from_them(
    backend: Backend,
) -> None:
    """Killed between its last answer and its result: its result is what the answers say
    (the best sale, or unsold), and it leaves `recover`'s list; the stats count it."""

    async def scenario(store: Store) -> None:
        sold_one, unsold_one = lead(1), lead(2, at=T0 + 60)
        first = intent(sold_one, "acme", amount="12.00")
        await store.post_intent(sold_one, first)
        await store.post_outcome(outcome(first, "post_rejected"))
        second = intent(sold_one, "bluesky", attempt=2, amount="9.00")
        await store.post_intent(sold_one, second)
        await store.post_outcome(outcome(second, "sold", price="9.50"))
        lone = intent(unsold_one, "acme")
        await store.post_intent(unsold_one, lone)
        await store.post_outcome(outcome(lone, "post_rejected"))
        assert len(await store.open_auctions()) == 2
        await store.close_auction("A1", at=T0 + 500, reason="closed")
        await store.close_auction("A2", at=T0 + 500, reason="closed")
        rows = {r.auction_id: r for r in await store.log(LogQuery())}
        assert (rows["A1"].result, rows["A1"].sold_to, rows["A1"].price) == (
            "sold",
            "bluesky",
            Decimal("9.50"),
        )
        assert rows["A1"].reason is None
        assert (rows["A2"].result, rows["A2"].sold_to, rows["A2"].reason) == (
            "unsold",
            None,
            "closed",
        )
        assert await store.open_auctions() == []
        (source,) = await store.stats(T0, T0 + 600, by="source")
        assert (source.auctions, source.revenue) == (2, Decimal("9.50"))

    backend.run(scenario)


def test_only_an_answered_interrupted_auction_can_be_closed(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        await _history(store)  # A1 sold, A3 interrupted with no answer, A4 in doubt
        with pytest.raises(UnknownAuction, match="not in the store"):
            await store.close_auction("nope", at=T0, reason="x")
        for finished_or_open in ("A1", "A3", "A4"):
            with pytest.raises(UnknownAuction, match="posts were all answered"):
                await store.close_auction(finished_or_open, at=T0, reason="x")
        (a3,) = await store.log(LogQuery(lead_id="A3"))
        assert a3.result == "interrupted"  # nothing written

    backend.run(scenario)


def test_purge_by_age_keeps_open_auctions_counters_and_keys(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        await _history(store)
        claim = CapClaim("total", leads=100)
        six = lead(6, at=T0 + 300)
        post = intent(six, "acme", claims=(claim,))
        await store.post_intent(six, post)
        await store.post_outcome(outcome(post, "sold", price="10.00", dedupe_key="h-phone"))
        await store.finish(record(six, "sold", sold_to="acme", price="10.00"))
        assert await store.claim_lead("auto", "h-lead", since=0, auction_id="A6", at=T0) is None
        deleted = await store.purge(before=T0 + 10_000)
        assert deleted == 4  # A1, A2, A5, A6: never A3 (interrupted) nor A4 (in doubt)
        assert _ids(await store.log(LogQuery())) == ["A4", "A3"]
        assert await store.auction("A1") is None and await store.prior("K1") is None
        usage = await store.usage({"acme": ["total"]})
        assert usage[("acme", "total")].leads == 1
        assert await store.bought("h-phone", {"acme": 0.0}) == {"acme"}
        assert await store.seen_lead("auto", "h-lead", since=0) == "A6"
        assert [r.name for r in await store.stats(T0, T0 + 600)] == ["bluesky"]

    backend.run(scenario)


def test_purge_by_id_deletes_one_auction_whatever_its_state(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        await _history(store)
        assert await store.purge(auction_id="A3") == 1
        assert await store.purge(auction_id="A3") == 0
        assert _ids(await store.log(LogQuery())) == ["A5", "A4", "A2", "A1"]
        assert [o.auction_id for o in await store.open_auctions()] == ["A4"]

    backend.run(scenario)
