"""aiohttp's (and asyncio's) loggers never print a URL with its secrets, at any level (P13)."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import pytest

from pingpost.exchange import RawResponse
from pingpost.transport import HttpTransport
from pingpost.transport.redact import LOGGERS

from .helpers import FakeResolver, free_port, options, post
from .servers import RawServer, answer, hang, reset, send_then_close

SECRET = "canary-s3cret-7f1e"


@pytest.fixture
def everything_logged() -> Iterator[io.StringIO]:
    """Every record of every logger, at DEBUG, formatted with tracebacks."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in LOGGERS}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def test_no_secret_reaches_any_log(everything_logged: io.StringIO) -> None:
    async def scenario() -> list[RawResponse]:
        asyncio.get_running_loop().set_debug(True)  # asyncio's own chatter too
        results = []
        behaviours = [answer(), hang, reset, send_then_close(b"NOT HTTP\r\n\r\n")]
        for behaviour in behaviours:
            async with RawServer(behaviour) as server, HttpTransport() as transport:
                url = f"http://user:{SECRET}@127.0.0.1:{server.port}/k/{SECRET}?key={SECRET}"
                results.append(await transport.send(post(url), options(0.2)))
                # as aiohttp would if a future version logged its requests
                logging.getLogger("aiohttp.client").debug("POST %s", url)
        async with HttpTransport(resolver=FakeResolver()) as transport:
            results.append(await transport.send(post(f"http://x.invalid/?k={SECRET}"), options()))
            refused = f"http://127.0.0.1:{free_port()}/?k={SECRET}"
            results.append(await transport.send(post(refused), options()))
        return results

    results = asyncio.run(scenario())
    assert [r.failure.kind if r.failure else r.status for r in results] == [
        200,
        "timeout",
        "reset",
        "protocol",
        "connect",
        "connect",
    ]
    assert SECRET not in repr(results)
    assert SECRET not in everything_logged.getvalue()


def test_a_leaked_response_warning_is_scrubbed(everything_logged: io.StringIO) -> None:
    # what asyncio logs when aiohttp reports an unclosed response: the URL is cut short

    async def scenario() -> None:
        async with HttpTransport():
            loop = asyncio.get_running_loop()
            loop.call_exception_handler(
                {
                    "message": "Unclosed response",
                    "client_response": f"<ClientResponse(http://h/?k={SECRET}) [200 OK]>",
                }
            )

    asyncio.run(scenario())
    output = everything_logged.getvalue()
    assert "Unclosed response" in output and "http://h/…" in output
    assert SECRET not in output
