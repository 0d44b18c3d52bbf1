"""Posts over real HTTP: fallback, max_posts, in doubt (P4-P6), idempotency keys and retries."""

from __future__ import annotations

import asyncio
import json

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pingpost.auction import AuctionResult, run_auction
from pingpost.auction.context import idempotency_key
from pingpost.transport import POST_MAX_IDLE, HttpTransport
from tests.integration.auction_support import (
    buyer,
    closed_port,
    config,
    lead,
    method,
    posts_by_ref,
    run,
    sandbox,
    statuses,
)
from tests.transport.servers import RawServer, closes_when_idle


def test_a_rejected_post_falls_back_to_the_next_bidder() -> None:
    with sandbox(buyer("a", 30, faults={"post_reject": 1.0}), buyer("b", 20), buyer("c", 10)) as sb:
        result = run(lead(), config(sb.url, [{"name": "a"}, {"name": "b"}, {"name": "c"}]))
        posts = posts_by_ref(sb.ledger())["L1"]
    assert statuses(result) == {"a": "post_rejected", "b": "sold", "c": "outbid"}
    assert [p["buyer"] for p in posts] == ["a", "b"]
    assert [p["outcome"] for p in posts] == ["rejected", "accepted"]


def test_max_posts_is_honoured() -> None:
    rejecting = [
        buyer(n, bid, faults={"post_reject": 1.0}) for n, bid in (("a", 3), ("b", 2), ("c", 1))
    ]
    with sandbox(*rejecting) as sb:
        cfg = config(sb.url, [{"name": "a"}, {"name": "b"}, {"name": "c"}], max_posts=2)
        result = run(lead(), cfg)
        posts = posts_by_ref(sb.ledger())["L1"]
    assert statuses(result) == {"a": "post_rejected", "b": "post_rejected", "c": "accepted"}
    assert [p["buyer"] for p in posts] == ["a", "b"]


def test_a_post_timeout_after_sending_is_in_doubt_and_holds_by_default() -> None:
    with sandbox(buyer("a", 30, faults={"post_hang": 1.0}), buyer("b", 20)) as sb:
        result = run(lead(), config(sb.url, [{"name": "a"}, {"name": "b"}], post_timeout=0.3))
        ledger = sb.ledger()
    assert statuses(result) == {"a": "in_doubt", "b": "accepted"}
    assert result.result == "in_doubt"
    posts = posts_by_ref(ledger)["L1"]
    assert len(posts) == 1 and posts[0]["buyer"] == "a"  # the buyer has the lead; nobody else
    assert posts[0]["fault"] == "post_hang"


def test_with_in_doubt_fallback_the_next_bidder_is_tried() -> None:
    with sandbox(buyer("a", 30, faults={"post_hang": 1.0}), buyer("b", 20)) as sb:
        cfg = config(sb.url, [{"name": "a"}, {"name": "b"}], post_timeout=0.3, in_doubt="fallback")
        result = run(lead(), cfg)
        posts = posts_by_ref(sb.ledger())["L1"]
    assert statuses(result) == {"a": "in_doubt", "b": "sold"}
    assert (result.result, result.sold_to) == ("sold", "b")
    assert [p["buyer"] for p in posts] == ["a", "b"]


def _http_buyer(httpserver: HTTPServer, post_statuses: list[int]) -> list[Request]:
    """pytest-httpserver as one buyer: pings bid 10; posts answer the given statuses in turn."""
    posts: list[Request] = []
    httpserver.expect_request("/b/ping").respond_with_json(
        {"status": "success", "price": "10", "pingToken": "tok"}
    )

    def post(request: Request) -> Response:
        posts.append(request)
        code = post_statuses[min(len(posts), len(post_statuses)) - 1]
        body = {"status": "success"} if code == 200 else {"status": "error"}
        return Response(json.dumps(body), status=code, content_type="application/json")

    httpserver.expect_request("/b/post").respond_with_handler(post)
    return posts


def test_the_idempotency_key_is_the_same_on_every_retry(httpserver: HTTPServer) -> None:
    posts = _http_buyer(httpserver, [500, 503, 200])
    base = httpserver.url_for("").rstrip("/")
    keyed = method(
        "b",
        base,
        idempotency_key={"header": "Idempotency-Key"},
        retry={"attempts": 3, "backoff": 0.01, "on": ["5xx"]},
    )
    result = run(lead(), config(base, [{"name": "b"}], methods=[keyed]), lead_id="lead-42")
    assert (result.result, result.sold_to) == ("sold", "b")
    keys = [p.headers.get("Idempotency-Key") for p in posts]
    assert keys == [idempotency_key("lead-42", "b")] * 3 == ["lead-42:b"] * 3
    account = result.accounts[0]
    assert account.post is not None and account.post.attempts == 3


def test_a_post_without_a_key_is_never_resent_after_it_may_have_arrived(
    httpserver: HTTPServer,
) -> None:
    posts = _http_buyer(httpserver, [500, 200])
    base = httpserver.url_for("").rstrip("/")
    # a config `validate` refuses (retry on 5xx without a key): the engine must still not resend
    unkeyed = method("b", base, retry={"attempts": 3, "backoff": 0.01, "on": ["5xx", "timeout"]})
    result = run(lead(), config(base, [{"name": "b"}], methods=[unkeyed]))
    assert statuses(result) == {"b": "in_doubt"}
    assert len(posts) == 1


@pytest.mark.parametrize("attempts", [1, 3])
def test_a_post_that_cannot_connect_is_retried_and_is_a_post_error(
    httpserver: HTTPServer, attempts: int
) -> None:
    _http_buyer(httpserver, [200])
    base = httpserver.url_for("").rstrip("/")
    refused = method(
        "b",
        base,
        post_url=f"http://127.0.0.1:{closed_port()}/b/post",
        retry={"attempts": attempts, "backoff": 0.01, "on": ["connect"]},
    )
    result = run(lead(), config(base, [{"name": "b"}], methods=[refused]))
    assert statuses(result) == {"b": "post_error"}
    account = result.accounts[0]
    assert account.post is not None and account.post.attempts == attempts


def test_a_post_on_a_connection_the_buyer_closed_while_idle_is_not_in_doubt() -> None:
    """Two leads a while apart: the second post must not ride the first post's connection,
    which the buyer closes after 0.5 s idle as the post is written (P6: no needless doubt)."""
    ping_body = b'{"status": "success", "price": "10", "pingToken": "tok"}'
    post_behaviour = closes_when_idle(0.5, b'{"status": "success"}')

    async def scenario() -> list[AuctionResult]:
        async with (
            RawServer(closes_when_idle(60, ping_body)) as pings,
            RawServer(post_behaviour) as posts,
        ):
            buyer_method = method("b", pings.url, post_url=posts.url + "/b/post")
            cfg = config(pings.url, [{"name": "b"}], methods=[buyer_method])
            async with HttpTransport.for_config(cfg) as transport:
                first = await run_auction(lead("L1"), cfg, transport=transport)
                await asyncio.sleep(POST_MAX_IDLE + 0.2)
                second = await run_auction(lead("L2"), cfg, transport=transport)
        return [first, second]

    results = asyncio.run(scenario())
    assert [r.result for r in results] == ["sold", "sold"], [r.accounts for r in results]
    assert post_behaviour.dropped == 0  # type: ignore[attr-defined]
