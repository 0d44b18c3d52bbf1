"""Dedupe claims, pauses, the salt, and serve's idempotency keys, concurrently too."""

from __future__ import annotations

import asyncio

from pingpost.store import Store
from pingpost.store.records import KeyAnswered, KeyClaimed, KeyMismatch, KeyPending

from .helpers import T0, Backend


def test_two_identical_dedupe_keys_at_once_exactly_one_claims(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        results = await asyncio.gather(
            *(
                store.claim_lead("auto", "h-555", since=T0 - 86_400, auction_id=f"A{n}", at=T0)
                for n in range(20)
            )
        )
        winners = [n for n, r in enumerate(results) if r is None]
        assert len(winners) == 1
        assert {r for r in results if r is not None} == {f"A{winners[0]}"}

    backend.run(scenario)


def test_a_dedupe_key_outside_its_window_is_claimed_again(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        assert await store.claim_lead("auto", "k", since=0, auction_id="A1", at=T0) is None
        assert await store.seen_lead("auto", "k", since=T0) == "A1"
        assert await store.seen_lead("auto", "k", since=T0 + 1) is None
        assert await store.seen_lead("other", "k", since=0) is None
        # a later lead with the window past A1: claims, and is now the one remembered
        assert await store.claim_lead("auto", "k", since=T0 + 1, auction_id="A2", at=T0 + 9) is None
        assert (
            await store.claim_lead("auto", "k", since=T0 + 5, auction_id="A3", at=T0 + 10) == "A2"
        )
        # seen_lead never records
        assert await store.seen_lead("auto", "new", since=0) is None
        assert await store.seen_lead("auto", "new", since=0) is None

    backend.run(scenario)


def test_pause_and_unpause(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        await store.pause("grumpy", T0 + 600, "20 consecutive errors")
        state = (await store.account_states(["grumpy"]))["grumpy"]
        assert (state.paused_until, state.pause_reason) == (T0 + 600, "20 consecutive errors")
        await store.pause("grumpy", None, None)
        state = (await store.account_states(["grumpy"]))["grumpy"]
        assert (state.paused_until, state.pause_reason) == (None, None)

    backend.run(scenario)


def test_the_salt_is_made_once(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        salt = await store.salt()
        assert len(salt) >= 16 and await store.salt() == salt

    backend.run(scenario)


def test_idempotency_keys_claimed_concurrently_once(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        results = await asyncio.gather(
            *(store.claim_request("web", "key-1", "hash-a", at=T0) for _ in range(20))
        )
        assert sum(isinstance(r, KeyClaimed) for r in results) == 1
        assert all(isinstance(r, KeyClaimed | KeyPending) for r in results)

    backend.run(scenario)


def test_an_idempotency_key_answers_mismatches_and_releases(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        assert isinstance(await store.claim_request("web", "k", "h", at=T0), KeyClaimed)
        assert isinstance(await store.claim_request("web", "k", "other", at=T0), KeyMismatch)
        assert isinstance(await store.claim_request("web", "k", "h", at=T0), KeyPending)
        await store.complete_request("web", "k", 201, b'{"result": "sold"}')
        assert await store.claim_request("web", "k", "h", at=T0) == KeyAnswered(
            201, b'{"result": "sold"}'
        )
        assert isinstance(await store.claim_request("form", "k", "h", at=T0), KeyClaimed)
        await store.release_request("form", "k")
        assert isinstance(await store.claim_request("form", "k", "h2", at=T0), KeyClaimed)
        await store.complete_request("nobody", "nothing", 200, b"")  # unknown: ignored

    backend.run(scenario)


def test_a_stale_idempotency_claim_is_taken_over_once(backend: Backend) -> None:
    """An instance that died mid-auction leaves its key claimed; past the staleness limit
    one caller (of many at once) takes it over, a fresh claim is never taken."""

    async def scenario(store: Store) -> None:
        assert isinstance(await store.claim_request("web", "k", "h", at=T0), KeyClaimed)
        fresh = await store.claim_request("web", "k", "h", at=T0 + 1, stale_before=T0)
        assert isinstance(fresh, KeyPending)  # claimed at T0: not before T0
        other = await store.claim_request("web", "k", "x", at=T0 + 1, stale_before=T0 + 1)
        assert isinstance(other, KeyMismatch)  # another lead never takes a key over
        results = await asyncio.gather(
            *(
                store.claim_request("web", "k", "h", at=T0 + 100, stale_before=T0 + 50)
                for _ in range(10)
            )
        )
        assert results.count(KeyClaimed(taken_over=True)) == 1
        assert all(isinstance(r, KeyClaimed | KeyPending) for r in results)
        # the new owner's claim is fresh again
        again = await store.claim_request("web", "k", "h", at=T0 + 101, stale_before=T0 + 60)
        assert isinstance(again, KeyPending)
        await store.complete_request("web", "k", 201, b"{}")
        answered = await store.claim_request("web", "k", "h", at=T0 + 999, stale_before=T0 + 998)
        assert answered == KeyAnswered(201, b"{}")  # an answered key is never taken over

    backend.run(scenario)
