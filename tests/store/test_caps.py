"""Cap reservations: atomic with the intent, never past a cap, released or kept as the spec says."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from pingpost.store import Store
from pingpost.store.records import CapClaim, CapReached, Usage

from .helpers import T0, Backend, intent, lead, outcome

DAY = "day:2027-01-15"


def test_fifty_concurrent_intents_against_a_cap_of_ten_reserve_exactly_ten(
    backend: Backend,
) -> None:
    claim = CapClaim(DAY, leads=10)

    async def scenario(store: Store) -> None:
        leads = [lead(n) for n in range(50)]
        results = await asyncio.gather(
            *(store.post_intent(x, intent(x, "acme", claims=(claim,))) for x in leads)
        )
        refused = [r for r in results if r is not None]
        assert len(refused) == 40
        assert all(isinstance(r, CapReached) and r.claim == claim for r in refused)
        assert all(r.used_leads == 10 for r in refused if r is not None)
        usage = await store.usage({"acme": [DAY]})
        assert usage[("acme", DAY)] == Usage(10, Decimal("100.00"))
        # a refused intent wrote nothing: only 10 auctions exist
        assert len(await store.open_auctions()) == 10

    backend.run(scenario)


def test_a_spend_cap_with_decimal_prices_stops_at_the_budget(backend: Backend) -> None:
    claim = CapClaim("month:2027-01", spend=Decimal("1.00"))

    async def scenario(store: Store) -> None:
        results = await asyncio.gather(
            *(
                store.post_intent(x, intent(x, "acme", amount="0.10", claims=(claim,)))
                for x in (lead(n) for n in range(25))
            )
        )
        assert sum(r is None for r in results) == 10  # 10 x 0.10 == 1.00 exactly, not 0.999...
        usage = await store.usage({"acme": ["month:2027-01"]})
        assert usage[("acme", "month:2027-01")].spend == Decimal("1.00")
        over = lead(99)
        refused = await store.post_intent(over, intent(over, amount="0.01", claims=(claim,)))
        assert isinstance(refused, CapReached) and refused.used_spend == Decimal("1.00")

    backend.run(scenario)


def test_a_sale_recounts_the_spend_at_its_price(backend: Backend) -> None:
    claim = CapClaim("month:2027-01", spend=Decimal("20.00"))

    async def scenario(store: Store) -> None:
        one = lead(1)
        post = intent(one, amount="12.00", claims=(claim,))
        await store.post_intent(one, post)
        await store.post_outcome(outcome(post, "sold", price="11.25"))
        usage = await store.usage({"acme": ["month:2027-01"]})
        assert usage[("acme", "month:2027-01")] == Usage(1, Decimal("11.25"))
        two = lead(2)
        refused = await store.post_intent(two, intent(two, amount="8.76", claims=(claim,)))
        assert isinstance(refused, CapReached)
        assert await store.post_intent(two, intent(two, amount="8.75", claims=(claim,))) is None

    backend.run(scenario)


def test_release_on_rejection_and_keep_while_in_doubt(backend: Backend) -> None:
    claim = CapClaim(DAY, leads=1)

    async def scenario(store: Store) -> None:
        one, two, three = lead(1), lead(2), lead(3)
        first = intent(one, claims=(claim,))
        assert await store.post_intent(one, first) is None
        assert isinstance(await store.post_intent(two, intent(two, claims=(claim,))), CapReached)
        await store.post_outcome(outcome(first, "post_rejected"))
        second = intent(two, claims=(claim,))
        assert await store.post_intent(two, second) is None  # the released one lets it sell
        await store.post_outcome(outcome(second, "in_doubt"))
        assert isinstance(
            await store.post_intent(three, intent(three, claims=(claim,))), CapReached
        )
        await store.post_outcome(outcome(second, "in_doubt"))  # settling twice changes nothing
        usage = await store.usage({"acme": [DAY]})
        assert usage[("acme", DAY)].leads == 1

    backend.run(scenario)


def test_a_post_that_never_left_releases_and_settling_twice_releases_once(
    backend: Backend,
) -> None:
    claim = CapClaim("total", leads=5)

    async def scenario(store: Store) -> None:
        one, two = lead(1), lead(2)
        await store.post_intent(one, intent(one, claims=(claim,)))
        post = intent(two, claims=(claim,))
        await store.post_intent(two, post)
        await store.post_outcome(outcome(post, "post_error"))
        await store.post_outcome(outcome(post, "post_rejected"))
        usage = await store.usage({"acme": ["total"]})
        assert usage[("acme", "total")] == Usage(1, Decimal("10.00"))

    backend.run(scenario)


def test_claims_of_one_window_share_its_counter(backend: Backend) -> None:
    by_leads = CapClaim(DAY, leads=2)
    by_spend = CapClaim(DAY, spend=Decimal("25"))

    async def scenario(store: Store) -> None:
        for n in range(2):
            x = lead(n)
            assert await store.post_intent(x, intent(x, claims=(by_leads, by_spend))) is None
        usage = await store.usage({"acme": [DAY], "bluesky": [DAY]})
        assert usage[("acme", DAY)] == Usage(2, Decimal("20.00"))
        assert usage[("bluesky", DAY)] == Usage()
        x = lead(9)
        refused = await store.post_intent(x, intent(x, claims=(by_spend, by_leads)))
        assert isinstance(refused, CapReached) and refused.claim == by_spend

    backend.run(scenario)


def test_every_claim_must_fit_or_none_is_counted(backend: Backend) -> None:
    hour = CapClaim("hour:2027-01-15T08", leads=1)
    day = CapClaim(DAY, leads=10)

    async def scenario(store: Store) -> None:
        one, two = lead(1), lead(2)
        assert await store.post_intent(one, intent(one, claims=(day, hour))) is None
        refused = await store.post_intent(two, intent(two, claims=(day, hour)))
        assert isinstance(refused, CapReached) and refused.claim == hour
        usage = await store.usage({"acme": [DAY, hour.window]})
        assert usage[("acme", DAY)].leads == 1 and usage[("acme", hour.window)].leads == 1
        assert await store.prior(two.lead_key) is None  # nothing of lead 2 was written

    backend.run(scenario)


def test_last_sale_and_bought_keys(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        one = lead(1)
        post = intent(one, "acme", at=T0 + 10)
        await store.post_intent(one, post)
        await store.post_outcome(outcome(post, "sold", price="10", dedupe_key="h1"))
        states = await store.account_states(["acme", "bluesky"])
        assert states["acme"].last_sale_at == T0 + 10.25
        assert states["bluesky"].last_sale_at is None
        assert await store.bought("h1", {"acme": T0, "bluesky": T0}) == {"acme"}
        assert await store.bought("h1", {"acme": T0 + 11}) == set()
        assert await store.bought("h2", {"acme": 0}) == set()

    backend.run(scenario)
