"""Auctions owned by their run: one batch delivered twice at once never posts a lead twice.

Two runs racing to write the first post intent of one lead (the same lead key, W3 having
found nothing for both) or of one auction id (a source's own id): exactly one wins, the
other is refused with OtherAuction and nothing of it is written. Each sql test races two
store objects (two connections, two writer threads) on one database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from pingpost.store import Store
from pingpost.store.errors import OtherAuction
from pingpost.store.records import CapClaim, LogQuery

from .helpers import Backend, intent, lead, outcome, record, sell

DAY = CapClaim("day:2027-01-15", leads=100)


def _two_stores(backend: Backend, scenario: Callable[[Store, Store], Awaitable[None]]) -> None:
    """`scenario(a, b)` with two stores on one database (the same one for `memory:`)."""

    async def both(a: Store) -> None:
        if not backend.durable:
            return await scenario(a, a)
        b = backend.make()
        await b.open()
        try:
            return await scenario(a, b)
        finally:
            await b.close()

    backend.run(both)


def test_two_runs_racing_for_one_lead_one_wins(backend: Backend) -> None:
    """The same lead in two runs of one batch (new uuids as auction ids, W3 found nothing
    in either): each race, exactly one intent is written; the other is refused, naming
    the winner's auction, and reserves nothing."""

    async def scenario(a: Store, b: Store) -> None:
        for n in range(12):
            mine = replace(lead(f"{n}-a", key=f"K{n}"), run="r1", follows="")
            theirs = replace(lead(f"{n}-b", key=f"K{n}"), run="r2", follows="")
            got = await asyncio.gather(
                a.post_intent(mine, intent(mine, claims=(DAY,))),
                b.post_intent(theirs, intent(theirs, claims=(DAY,))),
                return_exceptions=True,
            )
            refused = [g for g in got if isinstance(g, OtherAuction)]
            assert len(refused) == 1 and got.count(None) == 1, got
            winner = mine if got[0] is None else theirs
            loser = theirs if winner is mine else mine
            assert refused[0].other == winner.auction_id and refused[0].same_lead
            assert refused[0].auction_id == loser.auction_id
            assert await a.auction(loser.auction_id) is None  # nothing of it written
            prior = await b.prior(f"K{n}")
            assert prior is not None and prior.auction_id == winner.auction_id
        usage = await a.usage({"acme": [DAY.window]})
        assert usage[("acme", DAY.window)].leads == 12  # one reservation per lead

    _two_stores(backend, scenario)


def test_two_runs_racing_for_one_auction_id_one_wins(backend: Backend) -> None:
    """The same lead with its own id (`id_field`): both runs chose `R1`. The same account
    and attempt in both must not pass for a retried call of the winner's."""

    async def scenario(a: Store, b: Store) -> None:
        for n in range(12):
            base = replace(lead(n, key=f"K{n}"), auction_id=f"R{n}")
            mine, theirs = replace(base, run="r1", follows=""), replace(base, run="r2", follows="")
            got = await asyncio.gather(
                a.post_intent(mine, intent(mine)),
                b.post_intent(theirs, intent(theirs)),
                return_exceptions=True,
            )
            refused = [g for g in got if isinstance(g, OtherAuction)]
            assert len(refused) == 1 and got.count(None) == 1, got
            assert refused[0].other == f"R{n}" and refused[0].same_lead
            stored = await a.auction(f"R{n}")
            assert stored is not None and len(stored.posts) == 1
            loser = theirs if got[0] is None else mine
            with pytest.raises(OtherAuction):  # its result too
                await b.finish(record(loser, "unsold"))
            with pytest.raises(OtherAuction):  # and a retry of its intent
                await a.post_intent(loser, intent(loser))

    _two_stores(backend, scenario)


def test_the_owner_writes_on_and_its_retries_count_once(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        one = replace(lead(1), run="r1", follows="")
        first = intent(one, "acme", claims=(DAY,))
        assert await store.post_intent(one, first) is None
        assert await store.post_intent(one, first) is None  # a retried call
        await store.post_outcome(outcome(first, "post_rejected"))
        second = intent(one, "bluesky", attempt=2)
        assert await store.post_intent(one, second) is None
        await store.post_outcome(outcome(second, "sold", price="9.00"))
        await store.finish(record(one, "sold", sold_to="bluesky", price="9.00"))
        await store.finish(record(one, "sold", sold_to="bluesky", price="9.00"))  # again
        (row,) = await store.log(LogQuery())
        assert (row.auction_id, row.result, row.sold_to) == ("A1", "sold", "bluesky")
        assert (await store.usage({"acme": [DAY.window]}))[("acme", DAY.window)].leads == 0

    backend.run(scenario)


def test_another_lead_with_the_same_auction_id_is_refused_as_not_the_same(
    backend: Backend,
) -> None:
    """Two leads sent with one source id: the second run may take `X~2` (continuing.py)."""

    async def scenario(store: Store) -> None:
        first = replace(lead(1, key="K1"), auction_id="X", run="r1", follows="")
        await store.post_intent(first, intent(first))
        other = replace(lead(2, key="K2"), auction_id="X", run="r2", follows="")
        with pytest.raises(OtherAuction) as refused:
            await store.post_intent(other, intent(other, "bluesky"))
        assert refused.value.other == "X" and not refused.value.same_lead
        stored = await store.auction("X")
        assert stored is not None and [p.account for p in stored.posts] == ["acme"]

    backend.run(scenario)


def test_a_rerun_follows_the_auction_w3_saw(backend: Backend) -> None:
    """`--again` (or an interrupted auction run again) names the auction it continues: it
    may write; a second run that saw the same one is refused once the first wrote."""

    async def scenario(store: Store) -> None:
        done = replace(lead(1), auction_id="R1", run="r1", follows="")
        await sell(store, done)
        stale = replace(done, auction_id="R1~2", run="r2", follows="")
        with pytest.raises(OtherAuction) as refused:  # W3 found nothing: R1 came since
            await store.post_intent(stale, intent(stale))
        assert refused.value.other == "R1"
        again = replace(done, auction_id="R1~2", run="r3", follows="R1")
        assert await store.post_intent(again, intent(again)) is None
        twin = replace(done, auction_id="u-123", run="r4", follows="R1")
        with pytest.raises(OtherAuction) as refused:
            await store.finish(record(twin, "unsold"))
        assert refused.value.other == "R1~2" and refused.value.same_lead
        prior = await store.prior(done.lead_key)
        assert prior is not None and prior.auction_id == "R1~2"

    backend.run(scenario)


def test_an_auction_refused_as_a_duplicate_does_not_hold_the_lead(backend: Backend) -> None:
    """A run whose lead was refused by the lead type's dedupe rule (claimed by the other
    run's auction, which has not written yet) never posts: the other run may."""

    async def scenario(store: Store) -> None:
        dup = replace(lead(1), auction_id="D", run="r1", follows="")
        await store.finish(record(dup, "duplicate", document=b""))
        original = replace(lead(1), auction_id="O", run="r2", follows="")
        assert await store.post_intent(original, intent(original)) is None

    backend.run(scenario)


def test_without_a_run_nothing_is_checked(backend: Backend) -> None:
    """`serve`'s submissions are each a new one (follows None), and a record read back
    (`recover --repost`) names no run: the same lead key twice is written twice."""

    async def scenario(store: Store) -> None:
        await sell(store, lead(1))
        await sell(store, replace(lead(1), auction_id="A1b"))
        assert len(await store.log(LogQuery(limit=10))) == 2
        again = intent(lead(1), "bluesky", attempt=2, amount="3.00")
        assert await store.post_intent(lead(1), again) is None
        stored = await store.auction("A1")
        assert stored is not None and [p.account for p in stored.posts] == ["acme", "bluesky"]

    backend.run(scenario)
