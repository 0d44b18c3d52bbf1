"""The engine's posts against a scripted transport: fallback, max_posts, in doubt, P5 options."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from .fakes import (
    FakeTransport,
    account,
    auction,
    bid,
    by_name,
    config,
    failure,
    method,
    reply,
    sold,
    statuses,
)


def test_a_confirmed_post_price_overrides_the_bid() -> None:
    cfg = config([account("a")])
    result = auction(cfg, FakeTransport({"a/ping": bid("20"), "a/post": sold("18.75")}))
    assert (result.result, result.price, result.reason) == ("sold", Decimal("18.75"), None)
    assert by_name(result)["a"].bid == Decimal("20")


def test_a_rejected_post_falls_back_to_the_next_bidder() -> None:
    cfg = config([account("a"), account("b"), account("c")])
    transport = FakeTransport(
        {
            "a/ping": bid(30),
            "a/post": reply({"result": "rejected", "message": "dupe"}),
            "b/ping": bid(20),
            "b/post": reply({"error": "gone"}, status=404),
            "c/ping": bid(10),
            "c/post": sold(),
        }
    )
    result = auction(cfg, transport)
    assert statuses(result) == {"a": "post_rejected", "b": "post_rejected", "c": "sold"}
    assert by_name(result)["a"].reason == "dupe"
    assert result.posted_to == ("a", "b", "c")
    assert transport.paths()[-3:] == ["/a/post", "/b/post", "/c/post"]  # one at a time, in rank


def test_max_posts_is_honoured() -> None:
    cfg = config([account("a"), account("b"), account("c")], max_posts=2)
    transport = FakeTransport(
        {
            "a/ping": bid(30),
            "a/post": reply({"result": "no"}),
            "b/ping": bid(20),
            "b/post": reply({"result": "no"}),
            "c/ping": bid(10),
        }
    )
    result = auction(cfg, transport)
    assert statuses(result) == {"a": "post_rejected", "b": "post_rejected", "c": "accepted"}
    assert by_name(result)["c"].reason == "not posted: max_posts (2) reached"
    assert (result.result, result.reason) == ("unsold", "max_posts (2) reached without a sale")


def test_a_post_in_doubt_holds_the_auction_by_default() -> None:
    cfg = config([account("a"), account("b")])
    transport = FakeTransport(
        {"a/ping": bid(30), "a/post": failure("timeout", True), "b/ping": bid(20)}
    )
    result = auction(cfg, transport)
    assert statuses(result) == {"a": "in_doubt", "b": "accepted"}
    assert result.result == "in_doubt" and result.sold_to is None and result.price is None
    assert result.posted_to == ("a",)
    assert by_name(result)["b"].reason == "not posted: held: the post to a is in doubt"
    assert result.reason is not None and "a" in result.reason


@pytest.mark.parametrize(
    "post_answer",
    [reply("", status=503), failure("reset", True), reply({"result": "??"}, status=500)],
)
def test_anything_that_may_have_arrived_is_in_doubt(post_answer: Any) -> None:
    cfg = config([account("a")])
    result = auction(cfg, FakeTransport({"a/ping": bid(30), "a/post": post_answer}))
    assert statuses(result) == {"a": "in_doubt"}
    assert result.result == "in_doubt"


def test_in_doubt_fallback_tries_the_next_bidder_and_keeps_the_doubt_visible() -> None:
    cfg = config([account("a"), account("b"), account("c")], in_doubt="fallback")
    transport = FakeTransport(
        {
            "a/ping": bid(30),
            "a/post": failure("timeout", True),
            "b/ping": bid(20),
            "b/post": sold(),
            "c/ping": bid(10),
        }
    )
    result = auction(cfg, transport)
    assert statuses(result) == {"a": "in_doubt", "b": "sold", "c": "outbid"}
    assert (result.result, result.sold_to) == ("sold", "b")
    assert result.reason == "the post to a may also have reached its buyer"


def test_in_doubt_fallback_without_a_later_sale_is_in_doubt() -> None:
    cfg = config([account("a"), account("b")], in_doubt="fallback")
    transport = FakeTransport(
        {
            "a/ping": bid(30),
            "a/post": failure("timeout", True),
            "b/ping": bid(20),
            "b/post": reply({"result": "no"}),
        }
    )
    result = auction(cfg, transport)
    assert statuses(result) == {"a": "in_doubt", "b": "post_rejected"}
    assert result.result == "in_doubt"


def test_a_post_that_never_left_is_a_post_error_and_the_next_bidder_is_tried() -> None:
    cfg = config([account("a"), account("b")])
    transport = FakeTransport(
        {
            "a/ping": bid(30),
            "a/post": failure("connect", False, attempts=2),
            "b/ping": bid(20),
            "b/post": sold(),
        }
    )
    result = auction(cfg, transport)
    assert statuses(result) == {"a": "post_error", "b": "sold"}
    post = by_name(result)["a"].post
    assert post is not None and post.attempts == 2


def test_post_options_idempotency_key_and_may_resend() -> None:
    keyed = method(
        "keyed",
        post={
            "idempotency_key": {"header": "Idem-Key"},
            "retry": {"attempts": 3, "on": ["timeout", "5xx"]},
        },
    )
    cfg = config([account("keyed"), account("plain")], methods=[keyed], post_timeout=2.5)
    transport = FakeTransport(
        {
            "keyed/ping": bid(30),
            "keyed/post": reply({"result": "no"}),
            "plain/ping": bid(20),
            "plain/post": sold(),
        }
    )
    result = auction(cfg, transport)
    assert result.sold_to == "plain"
    posts = {
        req.url.split("/")[-2]: (req, opts) for req, opts in transport.sent if "post" in req.url
    }
    keyed_request, keyed_options = posts["keyed"]
    assert keyed_request.header("Idem-Key") == "lead-1:keyed"
    assert keyed_options.may_resend and keyed_options.retry.attempts == 3
    assert keyed_options.pool == "keyed"
    plain_request, plain_options = posts["plain"]
    assert plain_request.header("Idem-Key") is None
    assert plain_options.may_resend is False
    pings = [opts for req, opts in transport.sent if "ping" in req.url]
    assert all(opts.may_resend for opts in pings)


def test_a_bug_while_posting_leaves_the_account_in_doubt_never_lost() -> None:
    async def broken(request: Any, options: Any) -> Any:
        raise RuntimeError("boom")

    cfg = config([account("a"), account("b")])
    result = auction(cfg, FakeTransport({"a/ping": bid(9), "a/post": broken, "b/ping": bid(5)}))
    assert statuses(result) == {"a": "in_doubt", "b": "accepted"}
    assert "RuntimeError: boom" in (by_name(result)["a"].reason or "")


def test_priority_moves_to_the_next_tier_when_every_post_of_a_tier_fails() -> None:
    cfg = config([account("t0", priority=0), account("t1", priority=1)], strategy="priority")
    transport = FakeTransport(
        {
            "t0/ping": bid(90),
            "t0/post": reply({"result": "no"}),
            "t1/ping": bid(5),
            "t1/post": sold(),
        }
    )
    result = auction(cfg, transport)
    assert statuses(result) == {"t0": "post_rejected", "t1": "sold"}
    assert transport.paths() == ["/t0/ping", "/t0/post", "/t1/ping", "/t1/post"]


def test_tie_break_latency_posts_to_the_faster_buyer() -> None:
    cfg = config([account("a"), account("b")], tie_break="latency")
    transport = FakeTransport({"a/ping": bid(10, delay=0.05), "b/ping": bid(10), "b/post": sold()})
    assert auction(cfg, transport).sold_to == "b"
    cfg = config([account("a"), account("b")], tie_break="priority")
    transport = FakeTransport({"a/ping": bid(10, delay=0.05), "a/post": sold(), "b/ping": bid(10)})
    assert auction(cfg, transport).sold_to == "a"  # same tier: by name
