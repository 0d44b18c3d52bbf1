"""Idempotency-Key: one auction per key and source, the first answer for every retry, 422 for
the key reused with another lead; held in the store, so across instances too."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pingpost.sandbox import Sandbox
from pingpost.serve.idempotency import Idempotency, body_digest, valid_key
from pingpost.store import MemoryStore
from pingpost.store.records import KeyAnswered, KeyClaimed, KeyMismatch, KeyPending

from .helpers import LEAD, OTHER_KEY, buyer, post_lead, problem_of, running_service, write_config


@pytest.fixture
def slow(buyers: Callable[..., Sandbox], tmp_path: Path) -> tuple[Sandbox, Path]:
    """One buyer that takes 150 ms a request: an auction lasts about 300 ms."""
    sandbox = buyers(buyer("s", 10, latency_ms=150))
    return sandbox, write_config(tmp_path, sandbox.url, ["s"])


def test_the_same_key_twice_at_once_is_one_auction_and_one_answer(
    slow: tuple[Sandbox, Path],
) -> None:
    sandbox, config = slow
    with running_service(config) as service, ThreadPoolExecutor(4) as pool:
        key = {"Idempotency-Key": "order-1"}
        answers = list(pool.map(lambda _: post_lead(service.url, headers=key), range(4)))
    assert [a.status for a in answers] == [201] * 4
    assert len({a.body for a in answers}) == 1  # byte for byte the same answer
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 3
    assert len(sandbox.ledger(phase="ping")) == 1 and len(sandbox.ledger(phase="post")) == 1
    assert len(service.events("request")) == 4
    assert len({e.get("auction_id") for e in service.events("request")}) == 1


def test_a_retry_later_gets_the_first_answer(slow: tuple[Sandbox, Path]) -> None:
    sandbox, config = slow
    with running_service(config) as service:
        first = post_lead(service.url, headers={"Idempotency-Key": "k-1"})
        again = post_lead(service.url, headers={"Idempotency-Key": "k-1"})
        reordered = post_lead(service.url, dict(reversed(list(LEAD.items()))),
                              headers={"Idempotency-Key": "k-1"})  # fmt: skip
        fresh = post_lead(service.url, headers={"Idempotency-Key": "k-2"})
    assert first.status == again.status == reordered.status == 201
    assert first.body == again.body == reordered.body
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert fresh.json()["lead_id"] != first.json()["lead_id"]
    assert len(sandbox.ledger(phase="post")) == 2


def test_the_same_key_with_another_lead_is_422(slow: tuple[Sandbox, Path]) -> None:
    sandbox, config = slow
    with running_service(config) as service:
        first = post_lead(service.url, headers={"Idempotency-Key": "k"})
        other = post_lead(service.url, {**LEAD, "Zip": "10001"}, headers={"Idempotency-Key": "k"})
    assert first.status == 201
    assert "different lead" in str(problem_of(other, 422, "idempotency_key_reused")["detail"])
    assert len(sandbox.ledger(phase="ping")) == 1


def test_keys_belong_to_their_source(slow: tuple[Sandbox, Path]) -> None:
    sandbox, config = slow
    with running_service(config) as service:
        one = post_lead(service.url, headers={"Idempotency-Key": "shared"})
        two = post_lead(service.url, key=OTHER_KEY, query="?lead_type=auto",
                        headers={"Idempotency-Key": "shared"})  # fmt: skip
    assert one.status == two.status == 201
    assert one.json()["lead_id"] != two.json()["lead_id"]
    assert len(sandbox.ledger(phase="post")) == 2


@pytest.mark.parametrize("key", ["", "a" * 256, "has space", "naïve"])
def test_malformed_keys_are_400(slow: tuple[Sandbox, Path], key: str) -> None:
    sandbox, config = slow
    with running_service(config) as service:
        answer = post_lead(service.url, headers={"Idempotency-Key": key.encode().decode("latin-1")})
    problem_of(answer, 400, "invalid_idempotency_key")
    assert sandbox.ledger() == []


def test_an_invalid_lead_does_not_use_up_its_key(slow: tuple[Sandbox, Path]) -> None:
    _, config = slow
    with running_service(config) as service:
        bad = post_lead(service.url, {"Zip": "1"}, headers={"Idempotency-Key": "k"})
        good = post_lead(service.url, headers={"Idempotency-Key": "k"})
    assert bad.status == 422 and good.status == 201


def test_two_instances_on_one_store_run_one_auction(slow: tuple[Sandbox, Path]) -> None:
    """Two services sharing one store (in one event loop, as MemoryStore needs): the second
    instance finds the key pending and polls the store for the first one's answer."""
    sandbox, config = slow
    store = MemoryStore()
    with running_service(config, store=store) as one, running_service(config, store=store) as two:
        assert one.url != two.url
        with ThreadPoolExecutor(2) as pool:
            key = {"Idempotency-Key": "across"}
            answers = list(pool.map(lambda url: post_lead(url, headers=key), [one.url, two.url]))
    assert [a.status for a in answers] == [201, 201]
    assert answers[0].body == answers[1].body
    assert len(sandbox.ledger(phase="post")) == 1


# -- the Idempotency helper over MemoryStore ---------------------------------------------


def test_claim_wait_complete_in_one_instance() -> None:
    async def main() -> None:
        idem = Idempotency(MemoryStore())
        assert isinstance(await idem.claim("s", "k", "d1"), KeyClaimed)
        assert isinstance(await idem.claim("s", "k", "d1"), KeyPending)
        assert isinstance(await idem.claim("s", "k", "d2"), KeyMismatch)
        waiter = asyncio.ensure_future(idem.wait("s", "k", "d1", timeout=5))
        await asyncio.sleep(0.01)
        await idem.complete("s", "k", 201, b"{}")
        assert await waiter == KeyAnswered(201, b"{}")
        assert await idem.claim("s", "k", "d1") == KeyAnswered(201, b"{}")

    asyncio.run(main())


def test_a_released_key_tells_waiters_to_retry_and_is_free_again() -> None:
    async def main() -> None:
        store = MemoryStore()
        owner, other = Idempotency(store), Idempotency(store)
        assert isinstance(await owner.claim("s", "k", "d"), KeyClaimed)
        local = asyncio.ensure_future(owner.wait("s", "k", "d", timeout=5))
        remote = asyncio.ensure_future(other.wait("s", "k", "d", timeout=5))
        await asyncio.sleep(0.05)
        await owner.release("s", "k")
        assert await local is None and await remote is None
        assert isinstance(await other.claim("s", "k", "d"), KeyClaimed)

    asyncio.run(main())


def test_a_wait_ends_at_its_timeout() -> None:
    async def main() -> None:
        store = MemoryStore()
        await Idempotency(store).claim("s", "k", "d")
        assert await Idempotency(store).wait("s", "k", "d", timeout=0.2) is None

    asyncio.run(main())


def test_digest_and_key_rules() -> None:
    from decimal import Decimal

    assert body_digest("auto", {"a": 1, "b": 2}) == body_digest("auto", {"b": 2, "a": 1})
    assert body_digest("auto", {"a": 1}) != body_digest("home", {"a": 1})
    assert body_digest("auto", {"a": Decimal("1.50")}) != body_digest("auto", {"a": "1.50"})
    assert valid_key("0b6f-uuid") and not valid_key("") and not valid_key("a b")
