"""`error` rules and captures in the auction: a ping error loses, a post error is a
definitive post_error (the next bidder is tried), and only accepted pings' captures post."""

from __future__ import annotations

from decimal import Decimal

from .fakes import (
    FakeTransport,
    account,
    auction,
    bid,
    by_name,
    config,
    method,
    reply,
    sold,
    statuses,
)

BUSY = {"status": "error", "message": "system busy", "ref": "R-1"}
WITH_ERROR_RULE = {"error": {"path": "status", "equals": "error"}}


def erring(name: str) -> object:
    base = method(name)
    ping = {"response": {**base.ping.response.model_dump(exclude_unset=True), **WITH_ERROR_RULE}}
    post = {"response": {**base.post.response.model_dump(exclude_unset=True), **WITH_ERROR_RULE}}
    return method(name, ping=ping, post=post)


def test_an_error_rule_on_a_ping_makes_that_account_an_error() -> None:
    cfg = config([account("a"), account("b")], methods=[erring("a")])
    transport = FakeTransport({"a/ping": reply(BUSY), "b/ping": bid(10), "b/post": sold()})
    result = auction(cfg, transport)
    assert statuses(result) == {"a": "error", "b": "sold"}
    assert by_name(result)["a"].reason == "system busy"


def test_an_error_rule_on_a_post_is_a_post_error_and_the_next_bidder_is_tried() -> None:
    cfg = config([account("a"), account("b")], methods=[erring("a")])
    transport = FakeTransport(
        {"a/ping": bid(30), "a/post": reply(BUSY), "b/ping": bid(20), "b/post": sold()}
    )
    result = auction(cfg, transport)
    assert statuses(result) == {"a": "post_error", "b": "sold"}
    assert by_name(result)["a"].reason == "system busy"
    assert (result.result, result.price) == ("sold", Decimal(20))


def test_the_same_answer_with_a_5xx_is_in_doubt_and_holds() -> None:
    cfg = config([account("a"), account("b")], methods=[erring("a")])
    transport = FakeTransport(
        {"a/ping": bid(30), "a/post": reply(BUSY, status=503), "b/ping": bid(20), "b/post": sold()}
    )
    result = auction(cfg, transport)
    assert statuses(result)["a"] == "in_doubt"
    assert result.result == "in_doubt"


def test_a_rejected_pings_captures_are_recorded_but_never_posted() -> None:
    cfg = config([account("a"), account("b")])
    rejected = reply({"status": "rejected", "message": "no", "token": "ref-a"})
    transport = FakeTransport(
        {"a/ping": rejected, "b/ping": bid(10, token="t-b"), "b/post": sold()}
    )
    result = auction(cfg, transport)
    ping_a = by_name(result)["a"].ping
    assert ping_a is not None and ping_a.outcome is not None
    assert ping_a.outcome.captures == {"token": "ref-a"}  # in the trace and the JSON
    posts = [r for r, _ in transport.sent if r.url.endswith("/post")]
    assert [p.url.split("/")[-2] for p in posts] == ["b"]
    assert b"t-b" in posts[0].body
