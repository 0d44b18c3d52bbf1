"""The outcome order, bids and prices, captures, and how each outcome explains itself."""

from __future__ import annotations

from decimal import Decimal
from http import HTTPStatus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pingpost.responses import interpret

from .helpers import JSON, XML, answer, failed, rules, verdict

STATUS_RULES = rules(
    """
    accept: {path: status, equals: success}
    reject: {path: status, equals: rejected}
    bid: price
    reason: message
    capture: {token: pingToken}
    """
)
ACCEPTED = '{"status": "success", "pingToken": "tok-1", "price": "17.33", "message": "ok"}'
REJECTED = '{"status": "rejected", "message": "No Matches"}'


# --------------------------------------------------------------------------- transport


@pytest.mark.parametrize("may_have_arrived", [True, False])
def test_a_transport_failure_on_a_ping_is_an_error(may_have_arrived: bool) -> None:
    outcome = interpret(STATUS_RULES, failed(may_have_arrived=may_have_arrived))
    assert (outcome.status, outcome.reason, outcome.decided_by) == (
        "error",
        "timeout",
        "transport: timeout",
    )
    assert outcome.verdicts == ()
    assert outcome.bid is None


def test_a_post_that_may_have_arrived_is_in_doubt() -> None:
    outcome = interpret(
        STATUS_RULES, failed("reset", "connection reset", may_have_arrived=True), phase="post"
    )
    assert outcome.status == "in_doubt"
    assert outcome.reason == "connection reset"
    assert outcome.decided_by == "transport: reset (the post may have reached the buyer)"


def test_a_post_that_provably_never_left_is_an_error() -> None:
    response = failed("connect", "connection refused by 127.0.0.1:9", may_have_arrived=False)
    outcome = interpret(STATUS_RULES, response, phase="post")
    assert (outcome.status, outcome.reason) == ("error", "connection refused by 127.0.0.1:9")
    assert outcome.decided_by == "transport: connect"


def test_no_status_and_no_failure_is_treated_as_a_failure_that_may_have_arrived() -> None:
    from pingpost.exchange import RawResponse

    assert interpret(STATUS_RULES, RawResponse(status=None)).status == "error"
    assert interpret(STATUS_RULES, RawResponse(status=None), phase="post").status == "in_doubt"


# --------------------------------------------------------------------------- status


def test_a_status_mapped_to_reject_wins_over_the_body_and_reads_its_reason() -> None:
    not_found = rules(
        "{status: {404: reject}, accept: {path: status, equals: success}, reason: message}"
    )
    body = '{"status": "success", "message": "no buyer for this lead"}'
    for phase in ("ping", "post"):
        outcome = interpret(not_found, answer(body, 404, JSON), phase=phase)
        assert outcome.status == "rejected"
        assert outcome.reason == "HTTP 404 Not Found: no buyer for this lead"
        assert outcome.decided_by == "status 404 → reject"
        assert verdict(outcome, "status").detail == "got 404"
        assert [v.rule for v in outcome.verdicts] == ["status", "reason"]  # no rule ran


def test_a_status_mapped_to_reject_without_a_reason_says_the_status() -> None:
    outcome = interpret(rules("{status: {404: reject}}"), answer("", 404))
    assert (outcome.status, outcome.reason) == ("rejected", "HTTP 404 Not Found")


def test_a_status_mapped_to_error() -> None:
    limited = rules("{status: {429: error, 503: reject}, reason: error}")
    outcome = interpret(limited, answer('{"error": "slow down"}', 429, JSON))
    assert (outcome.status, outcome.reason) == ("error", "HTTP 429 Too Many Requests: slow down")
    assert outcome.decided_by == "status 429 → error"
    post = interpret(limited, answer("", 429), phase="post")
    assert post.status == "in_doubt"  # the buyer answered: it may have taken the lead
    assert post.decided_by == "status 429 → error (the post may have been taken)"
    assert interpret(limited, answer("", 503)).status == "rejected"  # a mapped 5xx


def label(status: int) -> str:
    """`HTTP 503 Service Unavailable`; a code without a standard phrase stays `HTTP 599`."""
    known = {int(s): s.phrase for s in HTTPStatus}
    return f"HTTP {status} {known[status]}" if status in known else f"HTTP {status}"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_5xx_is_an_error_on_a_ping_and_in_doubt_on_a_post(status: int) -> None:
    outcome = interpret(STATUS_RULES, answer(ACCEPTED, status, JSON))  # the body says success
    assert (outcome.status, outcome.bid) == ("error", None)
    assert outcome.reason == f"{label(status)}: ok"
    assert outcome.decided_by == "HTTP 5xx → error"
    assert outcome.captures == {"token": "tok-1"}  # traced on every outcome
    post = interpret(STATUS_RULES, answer("Service Unavailable", status), phase="post")
    assert (post.status, post.reason) == ("in_doubt", label(status))


# --------------------------------------------------------------------------- status in reasons


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"status": "error"}', "HTTP 401 Unauthorized: no accept rule matched"),
        ('{"status": "error", "message": "Unauthorized"}', "HTTP 401 Unauthorized"),
        ('{"status": "error", "message": "bad key"}', "HTTP 401 Unauthorized: bad key"),
        ('{"status": "rejected", "message": "No Matches"}', "HTTP 401 Unauthorized: No Matches"),
        ("access denied", "HTTP 401 Unauthorized: body is not json: Expecting value"),
    ],
)
def test_an_answer_that_is_not_2xx_has_its_status_in_the_reason(body: str, reason: str) -> None:
    ping = interpret(STATUS_RULES, answer(body, 401, JSON))
    assert ping.status in ("rejected", "error")
    assert (ping.reason or "").startswith(reason), ping.reason
    post = interpret(STATUS_RULES, answer(body, 401, JSON), phase="post")
    assert post.status == "rejected"  # a 4xx post is definitive
    assert (post.reason or "").startswith("HTTP 401 Unauthorized"), post.reason


def test_the_status_leads_the_reason_without_an_accept_rule_too() -> None:
    outcome = interpret(rules("{reason: message}"), answer('{"message": "nope"}', 403, JSON))
    assert (outcome.status, outcome.reason) == ("rejected", "HTTP 403 Forbidden: nope")
    bare = interpret(rules("{}"), answer("", 418))
    assert bare.reason == "HTTP 418 I'm a Teapot"
    unknown = interpret(rules("{}"), answer("", 499))
    assert unknown.reason == "HTTP 499"


def test_a_2xx_rejection_keeps_the_buyers_reason_alone() -> None:
    outcome = interpret(STATUS_RULES, answer(REJECTED, 200, JSON))
    assert (outcome.status, outcome.reason) == ("rejected", "No Matches")


# --------------------------------------------------------------------------- rules


def test_accepted_with_bid_reason_captures_and_verdicts() -> None:
    outcome = interpret(STATUS_RULES, answer(ACCEPTED, 200, JSON))
    assert outcome.status == "accepted"
    assert outcome.bid == Decimal("17.33")
    assert outcome.reason == "ok"
    assert outcome.captures == {"token": "tok-1"}
    assert outcome.decided_by == 'accept: path status equals "success"'
    assert [(v.rule, v.matched, v.detail) for v in outcome.verdicts] == [
        ("reject", False, 'got "success"'),
        ("accept", True, 'got "success"'),
        ("reason", True, 'got "ok"'),
        ("capture.token", True, 'got "tok-1"'),
        ("bid", True, 'got "17.33"'),
    ]
    assert verdict(outcome, "accept").description == 'path status equals "success"'
    assert (outcome.decoded_as, outcome.decode_error) == ("json", None)
    assert outcome.decoded["pingToken"] == "tok-1"


def test_reject_runs_before_accept() -> None:
    both = rules("{accept: {contains: success}, reject: {contains: No Matches}}")
    outcome = interpret(both, answer('{"status": "success", "message": "No Matches"}'))
    assert outcome.status == "rejected"
    assert outcome.decided_by == 'reject: contains "No Matches"'
    assert outcome.reason == 'reject: contains "No Matches"'  # no reason rule: the rule says why


def test_rejected_reads_the_reason_and_its_captures() -> None:
    outcome = interpret(STATUS_RULES, answer(REJECTED, 200, JSON))
    assert (outcome.status, outcome.reason, outcome.bid) == ("rejected", "No Matches", None)
    assert outcome.decided_by == 'reject: path status equals "rejected"'
    assert outcome.captures == {}  # this rejection carries no token
    assert verdict(outcome, "capture.token").detail == "not found"  # still shown in the trace
    with_ref = REJECTED.replace("}", ', "pingToken": "ref-9"}')
    assert interpret(STATUS_RULES, answer(with_ref, 200, JSON)).captures == {"token": "ref-9"}
    assert not [v for v in outcome.verdicts if v.rule == "bid"]


def test_no_rule_matched_is_rejected() -> None:
    outcome = interpret(STATUS_RULES, answer('{"status": "pending"}', 200, JSON))
    assert (outcome.status, outcome.decided_by) == ("rejected", "no accept rule matched")
    assert outcome.reason == "no accept rule matched"
    assert verdict(outcome, "accept").detail == 'got "pending"'


@pytest.mark.parametrize(
    ("status", "expected"),
    [(200, "accepted"), (204, "accepted"), (404, "rejected"), (418, "rejected")],
)
def test_without_an_accept_rule_any_2xx_is_accepted(status: int, expected: str) -> None:
    outcome = interpret(rules("{}"), answer("", status))
    assert outcome.status == expected
    word = "is 2xx" if expected == "accepted" else "is not 2xx"
    assert outcome.decided_by == f"no accept rule: HTTP {status} {word}"
    assert verdict(outcome, "accept").description == "any 2xx (no accept rule)"


def test_without_an_accept_rule_a_reject_rule_still_rejects() -> None:
    outcome = interpret(rules("{reject: {contains: No Matches}}"), answer(REJECTED, 200, JSON))
    assert outcome.status == "rejected"


def test_a_4xx_post_that_the_rules_do_not_accept_is_a_definitive_rejection() -> None:
    outcome = interpret(STATUS_RULES, answer('{"error": "bad token"}', 401, JSON), phase="post")
    assert outcome.status == "rejected"


# --------------------------------------------------------------------------- undecodable


FLAG_RULES = rules(
    '{accept: {path: Success, equals: true}, reason: {regex: \'"Message": "([^"]*)"\'}}'
)
GARBAGE = '{ "Success": true, "Message": "BadRequest" "Sold": null }'  # missing comma


def test_on_a_ping_garbage_the_accept_rule_cannot_read_is_an_error() -> None:
    """P9: an undecodable body is that buyer's error, not a rejection."""
    outcome = interpret(FLAG_RULES, answer(GARBAGE, 200, JSON))
    assert outcome.status == "error"
    assert outcome.reason is not None
    assert outcome.reason.startswith("body is not json: Expecting ',' delimiter")
    assert outcome.decode_error is not None
    assert outcome.decode_error.startswith("not json: Expecting ',' delimiter")
    assert outcome.decided_by.startswith("accept could not run: body is not json")
    assert verdict(outcome, "accept").detail.startswith("body is not json: ")
    assert outcome.captures == {}
    for status in (200, 400, 404):
        assert interpret(FLAG_RULES, answer(GARBAGE, status, JSON)).status == "error"


def test_invalid_utf8_in_a_json_answer_is_an_error_not_a_sale() -> None:
    """P9: bytes that are not UTF-8 inside JSON make the body undecodable (the buyer's
    `error`), with the byte offset; they are not replaced and sold."""
    body = b'{"status": "success", "pingToken": "t\xc3", "price": "17.33"}'
    outcome = interpret(STATUS_RULES, answer(body, 200, JSON))
    assert (outcome.status, outcome.bid) == ("error", None)
    assert outcome.reason == "body is not json: invalid UTF-8 at byte 37"
    post = interpret(STATUS_RULES, answer(body, 200, JSON), phase="post")
    assert post.status == "in_doubt"  # a post's answer that cannot be read: maybe taken (P6)
    lenient = rules("{accept: {regex: success}, bid: {regex: 'price\": \"([0-9.]+)'}}")
    assert interpret(lenient, answer(body, 200, JSON)).bid == Decimal("17.33")


def test_on_a_ping_a_refused_xml_body_is_an_error() -> None:
    xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    outcome = interpret(rules("{accept: {path: r, equals: ok}}"), answer(xxe, 200, XML))
    assert outcome.status == "error"
    assert outcome.reason is not None and "DOCTYPE" in outcome.reason


def test_a_reject_rule_that_matched_decides_even_when_the_body_did_not_decode() -> None:
    strict = rules(
        "{reject: {regex: '\"Success\"\\s*:\\s*false'}, accept: {path: Success, equals: true},"
        ' reason: {regex: \'"Message": "([^"]*)"\'}}'
    )
    body = GARBAGE.replace("true", "false")
    for phase in ("ping", "post"):
        outcome = interpret(strict, answer(body, 200, JSON), phase=phase)
        assert (outcome.status, outcome.reason) == ("rejected", "BadRequest")


def test_on_a_post_garbage_the_accept_rule_cannot_read_is_in_doubt() -> None:
    """The buyer may have bought the lead and answered badly: never offer it to another."""
    outcome = interpret(FLAG_RULES, answer(GARBAGE, 200, JSON), phase="post")
    assert outcome.status == "in_doubt"
    assert outcome.reason is not None
    assert outcome.reason.startswith("body is not json: ")
    assert interpret(FLAG_RULES, answer(GARBAGE, 400, JSON), phase="post").status == "rejected"


def test_a_plain_text_answer_to_path_rules() -> None:
    """`OK` to a post whose rules expect JSON may well mean "bought": never a definitive no."""
    ping = interpret(FLAG_RULES, answer("OK", 200, "text/plain"))
    assert (ping.status, ping.reason) == ("error", "body is text, not json, xml or form")
    assert interpret(FLAG_RULES, answer("OK", 200, "text/plain"), phase="post").status == "in_doubt"
    assert interpret(FLAG_RULES, answer("", 204), phase="post").status == "in_doubt"
    assert interpret(rules("{}"), answer("", 204), phase="post").status == "accepted"
    html = "<!DOCTYPE html><html><body>Bad Gateway</body></html>"
    assert interpret(FLAG_RULES, answer(html, 200, "text/html"), phase="post").status == "in_doubt"
    assert interpret(FLAG_RULES, answer(html, 200, "text/html")).status == "error"


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_an_unmapped_redirect_is_explained_not_followed(status: int) -> None:
    moved = answer("", status, headers={"Location": "https://buyer.example/v2/ping"})
    ping = interpret(FLAG_RULES, moved)
    reason = f"HTTP {status} redirect to https://buyer.example/v2/ping not followed"
    assert (ping.status, ping.reason) == ("error", reason)
    post = interpret(FLAG_RULES, moved, phase="post")
    assert (post.status, post.reason) == ("in_doubt", reason)  # 303 may mean "created" (P6)
    assert interpret(rules("{}"), moved).status == "error"


def test_a_redirect_on_a_post_is_definitive_only_when_the_status_map_names_it() -> None:
    created = answer("", 303, headers={"Location": "https://buyer.example/leads/1"})
    assert interpret(FLAG_RULES, created, phase="post").status == "in_doubt"
    mapped = rules("{status: {303: reject}, accept: {path: Success, equals: true}}")
    assert interpret(mapped, created, phase="post").status == "rejected"


def test_a_redirect_without_location_and_a_mapped_redirect() -> None:
    outcome = interpret(FLAG_RULES, answer("<html>moved</html>", 302, "text/html"))
    assert (outcome.status, outcome.reason) == ("error", "HTTP 302 redirect not followed")
    mapped = rules("{status: {302: reject}, accept: {path: Success, equals: true}}")
    assert interpret(mapped, answer("", 302)).status == "rejected"


def test_format_text_lets_a_path_read_the_whole_body() -> None:
    text_rules = rules("{format: text, accept: {path: '@', equals: ok}}")
    outcome = interpret(text_rules, answer(" OK\n", 200, JSON))
    assert (outcome.status, outcome.decoded_as, outcome.decoded) == ("accepted", "text", " OK\n")


def test_a_reject_rule_that_cannot_run_does_not_match() -> None:
    mixed = rules(
        "{reject: {path: status, equals: rejected}, accept: {contains: '\"Success\": true'}}"
    )
    outcome = interpret(mixed, answer(GARBAGE, 200, JSON))
    assert outcome.status == "accepted"
    assert verdict(outcome, "reject").detail.startswith("body is not json: ")


# --------------------------------------------------------------------------- bids


@pytest.mark.parametrize(
    ("raw", "bid"),
    [
        ('"12.50"', "12.50"),
        ("12.5", "12.5"),
        ('"$12.50"', "12.50"),
        ('"1,250.00"', "1250.00"),
        ("0", "0"),
    ],
)
def test_valid_bids(raw: str, bid: str) -> None:
    outcome = interpret(rules("{bid: price}"), answer('{"price": ' + raw + "}", 200, JSON))
    assert (outcome.status, outcome.bid) == ("accepted", Decimal(bid))
    assert str(outcome.bid) == bid


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("NaN", "invalid bid: NaN is not a finite number"),
        ("Infinity", "invalid bid: Infinity is not a finite number"),
        ("1e309", "invalid bid: Infinity is not a finite number"),
        ("-1", "invalid bid: -1 is negative"),
        ("[12]", "invalid bid: [12] is not a number"),
        ("{}", "invalid bid: {} is not a number"),
        ('"abc"', 'invalid bid: "abc" is not a number'),
        ("true", "invalid bid: true is not a number"),
        ('""', "invalid bid: empty"),
    ],
)
def test_invalid_bids_make_the_ping_an_error(raw: str, reason: str) -> None:
    body = '{"status": "success", "price": ' + raw + ', "pingToken": "t"}'
    outcome = interpret(STATUS_RULES, answer(body, 200, JSON))
    assert (outcome.status, outcome.bid, outcome.reason) == ("error", None, reason)
    assert outcome.decided_by == f"bid: {reason}"
    assert outcome.captures == {"token": "t"}  # traced; the auction posts with none of it
    found = verdict(outcome, "bid")  # the value was found; it is not a bid
    assert found.matched
    assert found.detail == "got " + ("Infinity" if raw == "1e309" else raw)  # JSON 1e309 is inf


def test_a_null_or_missing_bid_is_no_bid_in_response() -> None:
    for body in ('{"status": "success", "price": null}', '{"status": "success"}'):
        outcome = interpret(STATUS_RULES, answer(body, 200, JSON))
        assert (outcome.status, outcome.reason) == ("error", "no bid in response")
        assert outcome.decided_by == "bid: no bid in response (not found)"


def test_a_bid_default_and_a_regex_bid() -> None:
    with_default = rules("{bid: {path: price, default: 5}}")
    assert interpret(with_default, answer("{}", 200, JSON)).bid == Decimal(5)
    loose = rules("{accept: {regex: 'success'}, bid: {regex: 'price: ([0-9.]+)'}}")
    body = '{ id: a8c75ef7b6f04a5fa64526fcaa0aef22, price: 4.30, message: "success" }'
    assert interpret(loose, answer(body, 200, JSON)).bid == Decimal("4.30")


def test_without_a_bid_rule_there_is_no_bid() -> None:
    outcome = interpret(rules("{accept: ok}"), answer('{"ok": true, "price": 9}', 200, JSON))
    assert (outcome.status, outcome.bid) == ("accepted", None)


# --------------------------------------------------------------------------- posts


POST_RULES = rules("{accept: {path: result, equals: success}, price: price, reason: error}")


def test_a_post_price_is_read_and_confirms_the_sale() -> None:
    outcome = interpret(
        POST_RULES, answer('{"result": "success", "price": "11.75"}', 200, JSON), phase="post"
    )
    assert (outcome.status, outcome.price, outcome.bid) == ("accepted", Decimal("11.75"), None)


def test_a_missing_post_price_keeps_the_sale() -> None:
    outcome = interpret(POST_RULES, answer('{"result": "success"}', 200, JSON), phase="post")
    assert (outcome.status, outcome.price) == ("accepted", None)


def test_an_invalid_post_price_keeps_the_sale_and_says_so() -> None:
    outcome = interpret(
        POST_RULES, answer('{"result": "success", "price": "-3"}', 200, JSON), phase="post"
    )
    assert (outcome.status, outcome.price) == ("accepted", None)
    note = verdict(outcome, "price")
    assert not note.matched
    assert note.detail == 'got "-3": invalid price: "-3" is negative; the sale stands at the bid'


def test_a_rejected_post_is_definitive() -> None:
    outcome = interpret(
        POST_RULES, answer('{"result": "failure", "error": "duplicate"}', 200, JSON), phase="post"
    )
    assert (outcome.status, outcome.reason) == ("rejected", "duplicate")


def test_an_extractor_of_the_other_phase_is_noted_not_used() -> None:
    both = rules("{bid: price, price: price}")
    post = interpret(both, answer('{"price": "abc"}', 200, JSON), phase="post")
    assert post.status == "accepted"  # the bid rule is not read on a post
    assert (
        verdict(post, "bid").detail == "not read on a post: `bid` is for pings, `price` for posts"
    )
    ping = interpret(rules("{bid: b, price: p}"), answer('{"b": 3, "p": 4}', 200, JSON))
    assert (ping.bid, ping.price) == (Decimal(3), None)
    assert verdict(ping, "price").detail.startswith("not read on a ping")


# --------------------------------------------------------------------------- purity


def test_interpret_is_a_pure_function() -> None:
    response = answer(ACCEPTED, 200, JSON)
    assert interpret(STATUS_RULES, response) == interpret(STATUS_RULES, response)


ANY_RULES = rules(
    """
    status: {404: reject, 429: error}
    accept: {any: [{path: a, equals: 1}, {regex: 'ok'}, {all: [{status: 200}, {not: b}]}]}
    reject: {any: [{contains: 'no'}, {header: X-Reject}, {path: c, gt: 1}]}
    bid: {path: price, default: 1}
    price: {regex: 'price=([0-9.]+)'}
    reason: msg
    capture: {id: id, h: {header: X-Id}}
    """
)


@settings(max_examples=150, deadline=None)
@given(
    body=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)),
    status=st.sampled_from([200, 201, 204, 302, 400, 404, 429, 500, 503]),
    content_type=st.sampled_from(
        [None, JSON, "application/xml", "text/html", "text/plain; charset=x"]
    ),
    phase=st.sampled_from(["ping", "post"]),
)
def test_interpret_never_raises_whatever_the_buyer_sends(
    body: bytes, status: int, content_type: str | None, phase: str
) -> None:
    outcome = interpret(ANY_RULES, answer(body, status, content_type), phase=phase)  # type: ignore[arg-type]
    assert outcome.status in ("accepted", "rejected", "error", "in_doubt")
    assert outcome.decided_by
    if outcome.bid is not None:
        assert outcome.bid.is_finite()
        assert outcome.bid >= 0


# --------------------------------------------------------------------------- exact numbers (P7)


def test_a_json_bid_is_never_rounded_through_a_float() -> None:
    body = '{"Success": true, "Payout": 12.123456789012345678901234567890, "Id": 8.50}'
    outcome = interpret(
        rules("{accept: {path: Success, equals: true}, bid: Payout, capture: {id: Id}}"),
        answer(body, 200, JSON),
    )
    assert outcome.bid == Decimal("12.123456789012345678901234567890")
    assert str(outcome.bid) == "12.123456789012345678901234567890"
    assert outcome.captures == {"id": "8.50"}  # the buyer's spelling, no float noise


@pytest.mark.parametrize(
    ("condition", "matched"),
    [
        ("{path: p, equals: 0.1}", True),
        ("{path: p, in: [0.3, 0.1]}", True),
        ("{path: p, gt: 0.1}", False),
        ("{path: p, gte: 0.1}", True),
        ("{path: big, equals: 0.30000000000000004}", False),  # not 0.3 by a float accident
        ("{path: big, gt: 0.3}", True),
        ("{path: 'p == `0.1`'}", True),  # JMESPath literals compare exactly too
        ("{path: 'abs(n)', equals: 2.5}", True),  # functions take Decimals as numbers
        ("{path: 'max(list)', equals: 0.2}", True),
        ("{path: 'sum(list)', equals: 0.3}", True),
        ("{path: 'type(p)', equals: number}", True),
        ("{path: 'to_string(p)', equals: '0.10'}", True),
        ("{path: 'sort_by(items, &v)[0].v', equals: 0.1}", True),
        ("{path: 'to_number(s)', equals: 8.5}", True),
    ],
)
def test_decimal_numbers_compare_exactly(condition: str, matched: bool) -> None:
    body = (
        '{"p": 0.10, "big": 0.30000000000000000001, "n": -2.5, "list": [0.1, 0.2],'
        ' "items": [{"v": 0.3}, {"v": 0.1}], "s": "8.50"}'
    )
    accept = rules("{accept: " + condition + "}")
    assert interpret(accept, answer(body, 200, JSON)).status == (
        "accepted" if matched else "rejected"
    )


def test_arithmetic_jmespath_cannot_do_is_a_rule_that_cannot_run() -> None:
    accept = rules("{accept: {path: 'max(list)', gt: 1}}")
    outcome = interpret(accept, answer('{"list": [NaN, 1.5]}', 200, JSON))
    assert outcome.status == "error"  # could not run, no crash
