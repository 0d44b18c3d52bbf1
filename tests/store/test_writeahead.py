"""W1-W3 through the store's API: leads, intents, outcomes, results, prior auctions."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from pingpost.store import Store, UnknownAuction

from .helpers import T0, Backend, intent, lead, line, outcome, record, sell


def test_an_unknown_lead_key_has_no_prior_auction(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        assert await store.prior("nope") is None
        assert await store.auction("A1") is None

    backend.run(scenario)


def test_an_intent_makes_the_auction_interrupted_until_it_finishes(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        one = lead(1)
        post = intent(one, "acme", key="idem-1")
        assert await store.post_intent(one, post) is None
        prior = await store.prior(one.lead_key)
        assert prior is not None
        assert (prior.auction_id, prior.state, prior.result, prior.sold_to) == (
            "A1",
            "interrupted",
            None,
            (),
        )
        assert prior.at == one.started_at
        (open_post,) = prior.open_posts
        assert open_post.account == "acme" and open_post.status is None
        assert open_post.idempotency_key == "idem-1" and open_post.amount == Decimal("10.00")
        stored = await store.auction("A1")
        assert stored is not None
        assert stored.row.result == "interrupted" and stored.document is None
        assert stored.lead == one  # the lead as received, PII included

    backend.run(scenario)


def test_outcomes_then_the_result(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        one = lead(1)
        first = intent(one, "acme", attempt=1, amount="12.00")
        second = intent(one, "bluesky", attempt=2, amount="11.00", at=T0 + 1)
        await store.post_intent(one, first)
        await store.post_outcome(outcome(first, "post_rejected", reason="HTTP 409"))
        await store.post_intent(one, second)
        await store.post_outcome(outcome(second, "sold", price="11.50"))
        interim = await store.prior(one.lead_key)
        assert interim is not None
        assert interim.state == "interrupted" and interim.sold_to == ("bluesky",)
        assert interim.open_posts == ()
        document = b'{"lead_id": "A1", "result": "sold"}' * 300
        lines = (
            line("acme", "post_rejected", bid="12.00", post_ms=50.0),
            line("bluesky", "sold", bid="11.00", post_ms=60.0, price="11.50"),
        )
        done = record(one, "sold", sold_to="bluesky", price="11.50", lines=lines, document=document)
        await store.finish(done)
        prior = await store.prior(one.lead_key)
        assert prior is not None
        assert (prior.state, prior.result, prior.at) == ("finished", "sold", done.finished_at)
        stored = await store.auction("A1")
        assert stored is not None
        assert stored.document == document
        assert stored.row.sold_to == "bluesky" and stored.row.price == Decimal("11.50")
        assert stored.row.duration_ms == done.duration_ms
        assert [(p.account, p.attempt, p.status) for p in stored.posts] == [
            ("acme", 1, "post_rejected"),
            ("bluesky", 2, "sold"),
        ]
        assert stored.posts[0].reason == "HTTP 409"
        assert stored.posts[1].price == Decimal("11.50")

    backend.run(scenario)


def test_a_result_carries_the_last_answer_into_its_commit(backend: Backend) -> None:
    """The engine hands the answer that ended the auction to `finish`, not `post_outcome`:
    written with the result, as if written just before it."""

    async def scenario(store: Store) -> None:
        one = lead(1)
        post = intent(one, "acme", amount="12.00")
        await store.post_intent(one, post)
        sold = line("acme", "sold", bid="12.00", post_ms=50.0, price="12.50")
        done = record(one, "sold", sold_to="acme", price="12.50", lines=(sold,))
        await store.finish(replace(done, outcomes=(outcome(post, "sold", price="12.50"),)))
        prior = await store.prior(one.lead_key)
        assert prior is not None
        assert (prior.state, prior.sold_to, prior.open_posts) == ("finished", ("acme",), ())
        stored = await store.auction("A1")
        assert stored is not None
        assert [(p.account, p.status, p.price) for p in stored.posts] == [
            ("acme", "sold", Decimal("12.50"))
        ]
        assert await store.open_auctions() == []

    backend.run(scenario)


def test_a_result_carrying_an_answer_to_no_post_writes_nothing(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        one = lead(1)
        post = intent(one, "acme")
        await store.post_intent(one, post)
        stray = outcome(intent(one, "bluesky", attempt=2), "sold", price="10.00")
        with pytest.raises(UnknownAuction):
            await store.finish(replace(record(one, "sold", sold_to="bluesky"), outcomes=(stray,)))
        prior = await store.prior(one.lead_key)
        assert prior is not None and prior.state == "interrupted"
        assert [p.account for p in prior.open_posts] == ["acme"]

    backend.run(scenario)


def test_a_result_without_posts_writes_the_lead_too(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        one = lead(7)
        await store.finish(record(one, "unsold", reason="no bids"))
        prior = await store.prior(one.lead_key)
        assert prior is not None and prior.result == "unsold" and prior.open_posts == ()
        stored = await store.auction("A7")
        assert stored is not None and stored.lead == one
        assert stored.row.reason == "no bids" and stored.posts == ()

    backend.run(scenario)


def test_an_in_doubt_post_stays_open_after_the_result(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        one = lead(1)
        post = intent(one)
        await store.post_intent(one, post)
        await store.post_outcome(outcome(post, "in_doubt", reason="timeout after sending"))
        await store.finish(record(one, "in_doubt"))
        prior = await store.prior(one.lead_key)
        assert prior is not None and prior.state == "finished" and prior.result == "in_doubt"
        (still,) = prior.open_posts
        assert still.status == "in_doubt" and still.reason == "timeout after sending"
        (listed,) = await store.open_auctions()
        assert (listed.auction_id, listed.state) == ("A1", "in_doubt")

    backend.run(scenario)


def test_prior_is_the_latest_auction_of_the_key(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        await store.finish(record(lead(1, key="same"), "unsold"))
        await store.finish(record(lead(2, key="same", at=T0 + 60), "unsold"))
        prior = await store.prior("same")
        assert prior is not None and prior.auction_id == "A2"
        await store.purge(auction_id="A2")
        prior = await store.prior("same")
        assert prior is not None and prior.auction_id == "A1"

    backend.run(scenario)


def test_a_repeated_intent_is_written_and_counted_once(backend: Backend) -> None:
    from pingpost.store.records import CapClaim

    async def scenario(store: Store) -> None:
        one = lead(1)
        post = intent(one, claims=(CapClaim("day:2027-01-15", leads=5),))
        assert await store.post_intent(one, post) is None
        assert await store.post_intent(one, post) is None
        usage = await store.usage({"acme": ["day:2027-01-15"]})
        assert usage[("acme", "day:2027-01-15")].leads == 1
        stored = await store.auction("A1")
        assert stored is not None and len(stored.posts) == 1

    backend.run(scenario)


def test_an_outcome_for_no_intent_is_refused(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        one = lead(1)
        with pytest.raises(UnknownAuction):
            await store.post_outcome(outcome(intent(one), "sold"))
        await store.post_intent(one, intent(one, "acme"))
        with pytest.raises(UnknownAuction, match="bluesky"):
            await store.post_outcome(outcome(intent(one, "bluesky"), "sold"))
        # the failed op changed nothing; the store still works
        assert (await store.prior(one.lead_key)) is not None

    backend.run(scenario)


def test_finishing_twice_keeps_the_last_result(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        one = lead(1)
        await store.finish(record(one, "unsold", lines=(line("acme"),)))
        await sell(store, one, "bluesky", "9.00")
        stored = await store.auction("A1")
        assert stored is not None and stored.row.result == "sold"
        rows = await store.stats(T0, T0 + 60)
        assert [r.name for r in rows] == ["bluesky"]

    backend.run(scenario)


def test_what_was_written_survives_a_reopen(sql_backend: Backend) -> None:
    async def write(store: Store) -> bytes:
        one = lead(1)
        await store.post_intent(one, intent(one))
        await sell(store, lead(2))
        return await store.salt()

    async def read(store: Store) -> bytes:
        prior = await store.prior("K1")
        assert prior is not None and prior.state == "interrupted"
        assert (await store.auction("A2")) is not None
        return await store.salt()

    salt = sql_backend.run(write)
    assert len(salt) >= 16
    assert sql_backend.run(read) == salt
