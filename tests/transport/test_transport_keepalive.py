"""Keep-alive and posts (P6): a post never rides a connection the buyer may be closing.

A buyer closes idle keep-alive connections after its own timeout; a request written
as that close crosses it on the wire is lost or not, nobody can tell, so a post sent
that way would be in doubt for no reason. Posts (`SendOptions.phase == "post"`) reuse
only connections idle for at most `post_max_idle` (POST_MAX_IDLE, 1 s); pings keep
aiohttp's pool as it is.
"""

from __future__ import annotations

import asyncio

from pingpost.exchange import RawResponse
from pingpost.transport import POST_MAX_IDLE, HttpTransport

from .helpers import options, post
from .servers import RawServer, closes_when_idle, slow


def test_a_post_takes_a_fresh_connection_after_max_idle() -> None:
    behaviour = closes_when_idle(0.3)

    async def scenario() -> tuple[list[RawResponse], RawServer]:
        async with RawServer(behaviour) as server, HttpTransport(post_max_idle=0.2) as transport:
            url = server.url + "/post"
            first = await transport.send(post(url), options(phase="post"))
            soon = await transport.send(post(url), options(phase="post"))
            await asyncio.sleep(0.45)  # past the buyer's idle timeout and post_max_idle
            late = await transport.send(post(url), options(phase="post"))
        return [first, soon, late], server

    results, server = asyncio.run(scenario())
    assert [r.status for r in results] == [200, 200, 200], [r.failure for r in results]
    assert behaviour.dropped == 0  # type: ignore[attr-defined]
    # a connection idle briefly is reused (no handshake per post); the stale one is not
    assert server.connections == 2


def test_pings_keep_reusing_the_pool() -> None:
    async def scenario() -> RawServer:
        async with RawServer(closes_when_idle(5.0)) as server, HttpTransport() as transport:
            for _ in range(3):
                result = await transport.send(post(server.url + "/ping"), options())
                assert result.status == 200
                await asyncio.sleep(0.05)
        return server

    assert asyncio.run(scenario()).connections == 1


def test_pings_and_posts_do_not_share_idle_connections() -> None:
    # the post's connection must be one it knows the idle time of: never the ping's pool
    behaviour = closes_when_idle(0.1)

    async def scenario() -> tuple[RawResponse, int]:
        async with RawServer(behaviour) as server, HttpTransport() as transport:
            await transport.send(post(server.url + "/ping"), options())
            await asyncio.sleep(0.25)
            result = await transport.send(post(server.url + "/post"), options(phase="post"))
            return result, transport.open_connections()

    result, still_open = asyncio.run(scenario())
    assert result.status == 200, result.failure
    assert behaviour.dropped == 0  # type: ignore[attr-defined]
    assert still_open == 2  # the ping's connection and the post's, both counted


def test_the_post_idle_limit_is_below_common_server_timeouts() -> None:
    # gunicorn closes idle connections after 2 s, Apache, Node and uvicorn after 5 s
    assert 0 < POST_MAX_IDLE <= 1.0


def test_the_surplus_of_a_burst_idles_out_under_steady_traffic() -> None:
    # aiohttp takes the oldest idle connection first: one request after another then
    # cycles through every connection of a past burst, none ever idles long enough to
    # expire, and the pool keeps its busiest size forever (a serve soak's descriptors
    # grew so). The transport takes the freshest: the surplus idles out. Posts' pool,
    # for its short idle limit; pings' pool is the same connector with aiohttp's 15 s.
    async def scenario() -> tuple[int, int, int]:
        async with RawServer(slow(0.02)) as server, HttpTransport(post_max_idle=0.3) as transport:
            url = server.url + "/post"
            burst = [transport.send(post(url), options(phase="post")) for _ in range(8)]
            assert all(r.status == 200 for r in await asyncio.gather(*burst))
            after_burst = transport.open_connections()
            end = asyncio.get_running_loop().time() + 1.0
            while asyncio.get_running_loop().time() < end:  # one at a time, every ~25 ms
                result = await transport.send(post(url), options(phase="post"))
                assert result.status == 200, result.failure
            return after_burst, transport.open_connections(), server.connections

    after_burst, after_steady, opened = asyncio.run(scenario())
    assert after_burst == opened == 8
    assert after_steady == 1
