"""The transport against pytest-httpserver: the exact request, P13 and retries (integration)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.transport import HttpTransport, SendOptions

from .helpers import SLACK_MS, FakeResolver, get, options, post
from .servers import RawServer, answer, hang


def send(request: RenderedRequest, opts: SendOptions | None = None, **kw: object) -> RawResponse:
    async def scenario() -> RawResponse:
        async with HttpTransport(**kw) as transport:  # type: ignore[arg-type]
            return await transport.send(request, opts or options())

    return asyncio.run(scenario())


def replies(*responses: Response) -> Callable[[Request], Response]:
    """A handler answering with `responses` in turn, then repeating the last."""
    queue = list(responses)

    def handler(request: Request) -> Response:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def sent(httpserver: HTTPServer) -> int:
    return len(httpserver.log)


# ------------------------------------------------------------ the exact request


def test_request_is_sent_as_rendered(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v2/ping", method="POST").respond_with_data(
        '{"ok": true}', status=201, headers={"X-Ping-Id": "p-1"}, content_type="application/json"
    )
    # a signed query must reach the buyer byte for byte: no re-quoting of %2F or %7e
    url = httpserver.url_for("/v2/ping") + "?sig=a%2Fb%7e&x=1+2"
    request = post(url, b'{"zip": "90210"}', ("X-Api-Version", "2"))
    result = send(request)
    assert result.failure is None
    assert (result.status, result.body, result.attempts) == (201, b'{"ok": true}', 1)
    assert result.header("x-ping-id") == "p-1"
    assert result.content_type == "application/json"
    assert result.elapsed_ms > 0
    seen, _ = httpserver.log[0]
    assert seen.environ["RAW_URI"] == "/v2/ping?sig=a%2Fb%7e&x=1+2"
    assert seen.get_data() == b'{"zip": "90210"}'
    assert seen.headers["X-Api-Version"] == "2"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["User-Agent"] == "pingpost"


def test_unencoded_urls_are_encoded(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_data("ok")
    result = send(get(httpserver.url_for("/p") + "?city=San José&x=<1>"))
    assert result.status == 200
    seen, _ = httpserver.log[0]
    assert seen.args["city"] == "San José" and seen.args["x"] == "<1>"


def test_user_agent_and_content_type(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_data("ok")
    send(get(httpserver.url_for("/p"), ("User-Agent", "acme-bot/1")), user_agent="ua-default")
    send(RenderedRequest("PUT", httpserver.url_for("/p"), (), b"raw"), user_agent="ua-default")
    (first, _), (second, _) = httpserver.log
    assert first.headers["User-Agent"] == "acme-bot/1"
    assert second.headers["User-Agent"] == "ua-default"
    assert "Content-Type" not in second.headers  # nothing invented for the rendered request
    assert second.get_data() == b"raw"


def test_redirects_are_returned_not_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ping").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/elsewhere")}
    )
    httpserver.expect_request("/elsewhere").respond_with_data("should not be reached")
    result = send(post(httpserver.url_for("/ping")))
    assert result.status == 302 and result.failure is None
    assert [r.path for r, _ in httpserver.log] == ["/ping"]


def test_proxy_variables_and_netrc_are_ignored(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dead = "http://127.0.0.1:9"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login user password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    httpserver.expect_request("/ping").respond_with_data("ok")
    result = send(post(httpserver.url_for("/ping")))
    assert result.status == 200, result.failure
    seen, _ = httpserver.log[0]
    assert "Authorization" not in seen.headers


def test_no_cookie_jar(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_data("ok", headers={"Set-Cookie": "sid=abc"})

    async def scenario() -> None:
        async with HttpTransport() as transport:
            for _ in range(2):
                assert (await transport.send(get(httpserver.url_for("/p")), options())).status

    asyncio.run(scenario())
    assert all("Cookie" not in r.headers for r, _ in httpserver.log)


def test_connections_are_kept_alive_and_reused() -> None:
    async def scenario() -> RawServer:
        async with RawServer(answer()) as server, HttpTransport() as transport:
            for _ in range(5):
                assert (await transport.send(post(server.url), options())).status == 200
            assert transport.open_connections() == 1
            return server

    assert asyncio.run(scenario()).connections == 1


def test_send_needs_an_open_transport_and_one_session_at_a_time() -> None:
    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(HttpTransport().send(get("http://127.0.0.1:9/"), options()))

    async def reenter() -> int:
        transport = HttpTransport()
        async with transport:
            with pytest.raises(RuntimeError, match="already open"):
                await transport.__aenter__()
        return transport.open_connections()

    assert asyncio.run(reenter()) == 0


# ------------------------------------------------------------ retries


def test_5xx_is_retried_when_allowed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_handler(
        replies(Response("busy", 503), Response("busy", 502), Response("ok", 200))
    )
    retry = {"attempts": 3, "backoff": 0.01, "on": ["5xx"]}
    result = send(post(httpserver.url_for("/p")), options(retry=retry))
    assert (result.status, result.attempts, sent(httpserver)) == (200, 3, 3)


def test_when_tries_run_out_the_last_response_is_returned(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_handler(
        replies(Response("first", 500), Response("last", 503))
    )
    retry = {"attempts": 3, "backoff": 0.01, "on": ["5xx", "429"]}
    result = send(post(httpserver.url_for("/p")), options(retry=retry))
    assert (result.status, result.body, result.attempts) == (503, b"last", 3)
    assert result.failure is None


def test_429_is_retried_only_when_listed(httpserver: HTTPServer) -> None:
    url = httpserver.url_for("/p")
    for on, expected in ((["5xx"], (429, 1, 1)), (["429"], (200, 2, 2))):
        httpserver.clear()
        httpserver.expect_request("/p").respond_with_handler(
            replies(Response("slow down", 429), Response("ok", 200))
        )
        result = send(post(url), options(retry={"attempts": 2, "backoff": 0.01, "on": on}))
        assert (result.status, result.attempts, sent(httpserver)) == expected


def test_5xx_is_not_retried_unless_listed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_data("busy", status=503)
    result = send(post(httpserver.url_for("/p")), options(retry={"attempts": 3, "on": ["connect"]}))
    assert (result.status, result.attempts, sent(httpserver)) == (503, 1, 1)


def test_p5_a_post_without_idempotency_key_is_never_resent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_data("busy", status=503)
    retry = {"attempts": 5, "backoff": 0.01, "on": ["connect", "timeout", "5xx", "429"]}
    result = send(post(httpserver.url_for("/p")), options(retry=retry, may_resend=False))
    assert (result.status, result.attempts, sent(httpserver)) == (503, 1, 1)


def test_p5_connect_failures_are_retried_even_without_a_key(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_data("ok")
    resolver = FakeResolver(bad=2)  # two DNS failures: proven never sent
    url = f"http://buyer.test:{httpserver.port}/p"
    retry = {"attempts": 3, "backoff": 0.01, "on": ["connect"]}
    result = send(post(url), options(retry=retry, may_resend=False), resolver=resolver)
    assert (result.status, result.attempts, resolver.calls, sent(httpserver)) == (200, 3, 3, 1)


def test_a_timeout_is_retried_within_the_deadline_when_allowed(
    best_of: Callable[..., float],
) -> None:
    async def scenario(may_resend: bool) -> tuple[RawResponse, int]:
        served = 0

        async def first_hangs(req: object, reader: asyncio.StreamReader, w: object) -> None:
            nonlocal served
            served += 1
            behaviour = hang if served == 1 else answer()
            await behaviour(req, reader, w)  # type: ignore[arg-type]

        retry = {"attempts": 2, "backoff": 0.01, "on": ["timeout"]}
        async with RawServer(first_hangs) as server, HttpTransport() as transport:
            opts = options(0.6, retry=retry, may_resend=may_resend)
            return await transport.send(post(server.url), opts), served

    def retried_late_ms() -> float:
        result, served = asyncio.run(scenario(True))
        # the first try got half of the 0.6 s, timed out, and the second one answered
        assert (result.status, result.attempts, served) == (200, 2, 2)
        assert result.elapsed_ms >= 300 + 10  # the first try's share, then the backoff
        return result.elapsed_ms - 310

    def alone_late_ms() -> float:
        result, served = asyncio.run(scenario(False))
        assert result.failure is not None and result.failure.kind == "timeout"
        assert (result.attempts, served) == (1, 1)
        assert result.elapsed_ms >= 600  # without a retry the one try gets the whole deadline
        return result.elapsed_ms - 600

    assert best_of(retried_late_ms, enough=SLACK_MS) <= SLACK_MS
    assert best_of(alone_late_ms, enough=SLACK_MS) <= SLACK_MS


def test_retries_never_sleep_past_the_deadline(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p").respond_with_data("busy", status=503)
    url = httpserver.url_for("/p")
    # backoff 0.1, 0.2 fit in 0.6 s; the next sleep (0.4) would cross the deadline
    began = time.monotonic()
    retry = {"attempts": 10, "backoff": 0.1, "on": ["5xx"]}
    result = send(post(url), options(0.6, retry=retry))
    assert (result.status, result.attempts) == (503, 3)
    assert time.monotonic() - began < 0.6
    # a first backoff longer than the deadline: no retry at all, and no waiting
    began = time.monotonic()
    result = send(post(url), options(0.5, retry={"attempts": 5, "backoff": 1.0, "on": ["5xx"]}))
    assert (result.status, result.attempts) == (503, 1)
    assert time.monotonic() - began < 0.3
