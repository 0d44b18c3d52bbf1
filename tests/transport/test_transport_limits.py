"""Deadlines (P1, P2), per-account pools (P3) and cancellation without leaks (integration)."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections import Counter
from collections.abc import Callable

import pytest

from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.transport import HttpTransport, SendOptions

from .helpers import SLACK_MS, options, post
from .servers import RawServer, answer, drip, hang, send_then_close, slow


def test_a_hanging_buyer_is_cut_at_the_deadline(best_of: Callable[..., float]) -> None:
    async def scenario() -> tuple[RawResponse, float]:
        async with RawServer(hang) as server, HttpTransport() as transport:
            opts = options(0.3)
            result = await transport.send(post(server.url), opts)
            return result, time.monotonic() - (opts.deadline - 0.3)

    def late_ms() -> float:
        result, took = asyncio.run(scenario())
        assert result.failure is not None and result.failure.kind == "timeout"
        assert took >= 0.3  # never before the deadline
        assert abs(result.elapsed_ms - took * 1000) < SLACK_MS
        return took * 1000 - 300

    assert best_of(late_ms, enough=SLACK_MS) <= SLACK_MS


def test_many_stuck_sends_all_end_within_the_slack(best_of: Callable[..., float]) -> None:
    """One deadline shared by 40 sends to hanging and dripping buyers, as in a ping
    round: the last of them returns at most 50 ms after it (P1, P2)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"

    async def scenario() -> float:
        async with (
            RawServer(hang) as hanging,
            RawServer(drip(head, every=0.02)) as dripping,
            HttpTransport(max_connections_per_pool=20) as transport,
        ):
            deadline = time.monotonic() + 0.3
            sends = [
                transport.send(post(server.url), SendOptions(deadline, 65536, pool=pool))
                for pool, server in (("h", hanging), ("d", dripping))
                for _ in range(20)
            ]
            results = await asyncio.gather(*sends)
            late = (time.monotonic() - deadline) * 1000
        assert [r.failure.kind if r.failure else r.status for r in results] == ["timeout"] * 40
        return late

    assert best_of(lambda: asyncio.run(scenario()), runs=3, enough=SLACK_MS) <= SLACK_MS


def test_waiting_for_a_slot_counts_against_the_deadline_and_is_connect_kind() -> None:
    async def scenario() -> tuple[RawResponse, RawResponse, RawResponse, RawServer]:
        async with (
            RawServer(hang) as stuck,
            RawServer(answer()) as other,
            HttpTransport(max_connections_per_pool=1) as transport,
        ):
            holder = asyncio.create_task(transport.send(post(stuck.url), options(0.5, pool="a")))
            await asyncio.sleep(0.05)
            waiter, elsewhere = await asyncio.gather(
                transport.send(post(stuck.url), options(0.2, pool="a")),
                transport.send(post(other.url), options(0.2, pool="b")),  # P3: unaffected
            )
            return await holder, waiter, elsewhere, stuck

    holder, waiter, elsewhere, stuck = asyncio.run(scenario())
    assert holder.failure is not None and holder.failure.kind == "timeout"
    assert waiter.failure is not None
    assert (waiter.failure.kind, waiter.failure.may_have_arrived) == ("connect", False)
    assert "timeout waiting for a free connection (max_connections" in waiter.failure.detail
    assert elsewhere.status == 200  # within its own 0.2 s, while pool `a` is stuck
    assert len(stuck.requests) == 1  # the waiter never reached the buyer


def test_pool_limits_override_the_default() -> None:
    async def scenario() -> RawServer:
        transport = HttpTransport(max_connections_per_pool=1, pool_limits={"big": 3})
        async with RawServer(hang) as server, transport:
            deadline = time.monotonic() + 0.2  # shared: no slot frees before a waiter's end
            pools = ["big"] * 4 + ["small"] * 2
            sends = [
                transport.send(post(server.url), SendOptions(deadline, 1000, pool=p)) for p in pools
            ]
            await asyncio.gather(*sends)
            return server

    assert len(asyncio.run(scenario()).requests) == 3 + 1


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        HttpTransport(max_connections_per_pool=0)
    with pytest.raises(ValueError, match="at least 1"):
        HttpTransport(pool_limits={"a": 0})


def test_aiohttp_never_resends_an_idempotent_method_by_itself() -> None:
    # aiohttp retries GET/PUT once after a broken connection; P5 forbids that for a post
    async def scenario() -> tuple[RawResponse, RawServer]:
        async with RawServer(send_then_close(b"")) as server, HttpTransport() as transport:
            request = RenderedRequest("PUT", server.url + "/post", (), b'{"lead": 1}')
            return await transport.send(request, options(may_resend=False)), server

    result, server = asyncio.run(scenario())
    assert result.failure is not None and result.failure.may_have_arrived
    assert len(server.requests) == 1


def test_a_cancelled_send_frees_its_slot_and_connection() -> None:
    async def scenario() -> tuple[RawResponse, int, int]:
        async with (
            RawServer(hang) as stuck,
            RawServer(answer()) as healthy,
            HttpTransport(max_connections_per_pool=1) as transport,
        ):
            task = asyncio.create_task(transport.send(post(stuck.url), options(5)))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await stuck.wait_closed_by_client()
            after = await transport.send(post(healthy.url), options(1))
            return after, stuck.open, transport.open_connections()

    after, stuck_open, open_now = asyncio.run(scenario())
    assert after.status == 200
    assert (stuck_open, open_now) == (0, 1)


def test_regression_no_leak_when_200_sends_are_cut_at_the_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """200 sends to a hanging, a slow and a dripping buyer, pools of 5 contended, all
    cut at the deadline (and 20 more cancelled by the caller); afterwards everything is
    closed, normal traffic flows and the connection count is back to normal."""
    caplog.set_level(logging.DEBUG)
    limit = 5
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"

    async def scenario() -> None:
        async with (
            RawServer(hang) as hanging,
            RawServer(slow(1.0)) as slowpoke,
            RawServer(drip(head, every=0.02)) as dripping,
            RawServer(answer()) as healthy,
            HttpTransport(max_connections_per_pool=limit) as transport,
        ):
            buyers = {"h": hanging, "s": slowpoke, "d0": dripping, "d1": dripping}
            began = time.monotonic()
            deadline = began + 0.3  # one deadline for all, as in a ping round

            def at_deadline(pool: str) -> SendOptions:
                return SendOptions(deadline=deadline, max_bytes=65536, pool=pool)

            stuck = [
                transport.send(post(server.url), at_deadline(pool))
                for pool, server in buyers.items()
                for _ in range(50)
            ]
            fine = [transport.send(post(healthy.url), at_deadline("ok")) for _ in range(20)]
            results = await asyncio.gather(*stuck, *fine)
            kinds = Counter(r.failure.kind if r.failure else r.status for r in results[:200])
            # per pool: `limit` sent and timed out, the rest never got a slot (P3)
            assert kinds == {"timeout": 4 * limit, "connect": 200 - 4 * limit}
            assert all(r.status == 200 for r in results[200:])  # other pools unaffected

            cancelled = [
                asyncio.create_task(transport.send(post(hanging.url), options(5, pool="h")))
                for _ in range(20)
            ]
            await asyncio.sleep(0.05)
            for task in cancelled:
                task.cancel()
            outcomes = await asyncio.gather(*cancelled, return_exceptions=True)
            assert all(isinstance(o, asyncio.CancelledError) for o in outcomes)

            for server in buyers.values():
                await server.wait_closed_by_client()
            # the pools whose slots were cancelled or cut are whole again (no permit leaked)
            after = await asyncio.gather(
                *(
                    transport.send(post(healthy.url), options(2, pool=("h", "d0")[i % 2]))
                    for i in range(50)
                )
            )
            assert [r.status for r in after] == [200] * 50
            assert transport.open_connections() <= 2 * limit
            assert transport.open_connections() == healthy.open
            # every slot of the cancelled pool is free: `limit` sends all get through
            again = [transport.send(post(hanging.url), options(0.1, pool="h")) for _ in "12345"]
            kinds = Counter(r.failure.kind for r in await asyncio.gather(*again) if r.failure)
            assert kinds == {"timeout": limit}
            await hanging.wait_closed_by_client()

    asyncio.run(scenario())
    gc.collect()  # any unclosed transport or response would warn now (filterwarnings=error)
    assert not [r for r in caplog.records if "nclosed" in r.getMessage()]


def test_for_config_takes_limits_and_user_agent_from_settings_and_accounts() -> None:
    from pingpost.config.bundle import Config
    from pingpost.config.models import DeliveryAccount, Settings

    def account(name: str, limit: int | None) -> DeliveryAccount:
        data = {"kind": "delivery_account", "name": name, "method": "m", "max_connections": limit}
        return DeliveryAccount.model_validate(data)

    settings = Settings.model_validate(
        {"http": {"max_connections_per_account": 7, "user_agent": "acme-router/2"}}
    )
    accounts = {"a": account("a", None), "b": account("b", 2)}
    config = Config(lead_types={}, methods={}, accounts=accounts, settings=settings)
    transport = HttpTransport.for_config(config)
    assert (transport._limit("a"), transport._limit("b"), transport._limit("other")) == (7, 2, 7)
    assert transport._user_agent == "acme-router/2"


def test_unset_limits_follow_the_run_s_concurrency_and_written_ones_cap_it() -> None:
    """An auction holds at most one exchange per account at a time: a run of N auctions
    gets pools of N (at least 10); a written limit, the settings' or an account's, wins."""
    from pingpost.config.bundle import Config
    from pingpost.config.models import DeliveryAccount, Settings

    def config(http: dict[str, int]) -> Config:
        accounts = {
            name: DeliveryAccount.model_validate(
                {"kind": "delivery_account", "name": name, "method": "m", "max_connections": cap}
            )
            for name, cap in (("a", None), ("b", 3))
        }
        settings = Settings.model_validate({"http": http})
        return Config(lead_types={}, methods={}, accounts=accounts, settings=settings)

    def limits(transport: HttpTransport) -> tuple[int, int]:
        return transport._limit("a"), transport._limit("b")

    assert limits(HttpTransport.for_config(config({}), concurrency=50)) == (50, 3)
    assert limits(HttpTransport.for_config(config({}), concurrency=2)) == (10, 3)
    assert limits(HttpTransport.for_config(config({}))) == (10, 3)
    capped = config({"max_connections_per_account": 8})
    assert limits(HttpTransport.for_config(capped, concurrency=50)) == (8, 3)


def test_a_batch_is_not_held_to_ten_connections_per_account() -> None:
    """40 auctions at once against one account answering in 0.2 s: with pools sized from
    the concurrency they all run together (about 0.2 s), not ten at a time (0.8 s)."""
    from pingpost.config.bundle import Config
    from pingpost.config.models import Settings

    async def scenario() -> float:
        cfg = Config(lead_types={}, methods={}, accounts={}, settings=Settings())
        transport = HttpTransport.for_config(cfg, concurrency=40)
        async with RawServer(slow(0.2)) as server, transport:
            started = time.monotonic()
            results = await asyncio.gather(
                *(transport.send(post(server.url), options(5.0, pool="a")) for _ in range(40))
            )
            took = time.monotonic() - started
        assert [r.status for r in results] == [200] * 40
        return took

    assert asyncio.run(scenario()) < 0.6


def test_a_transport_can_be_opened_again_in_another_event_loop() -> None:
    transport = HttpTransport(max_connections_per_pool=1)  # contended: slots are used

    async def run() -> list[int | None]:
        async with RawServer(answer()) as server, transport:
            results = await asyncio.gather(
                *(transport.send(post(server.url), options()) for _ in "abc")
            )
            return [r.status for r in results]

    assert asyncio.run(run()) == [200] * 3
    assert asyncio.run(run()) == [200] * 3
