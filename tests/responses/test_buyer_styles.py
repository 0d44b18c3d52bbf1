"""Every style in spec/buyer-styles.md, with the buyers' own sample answers, read by rules
written in the config language (no code per buyer)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pingpost.responses import interpret

from .helpers import JSON, answer, rules

# --------------------------------------------------------------------------- JSON flag + payout

FLAG = rules(  # the reject regex reads the published rejection, which is not JSON
    r"""
    reject: {regex: '"Success"\s*:\s*false'}
    accept: {path: Success, equals: true}
    bid: Payout
    reason: {regex: '"Message"\s*:\s*"([^"]*)"'}
    capture:
      transaction_id: TransactionId
    """
)
FLAG_ACCEPTED = """{ "TransactionId": "D0447C7B-452B-4F2A-9D7B-F3F72848EEE9", "Success": true,
  "Payout": 8.5, "Message": null, "Errors": null, "Sold": null, "Environment": "Testing" }"""
FLAG_REJECTED = (  # as published, with its missing comma
    '{ "TransactionId": "49CE4DB7-775B-405B-BBBD-B23FB003073A", "Success": false, "Payout": null,\n'
    '  "Message": "BadRequest", "Errors": [ "\'Sinks\' must not be empty." ] "Sold": null }'
)


def test_json_flag_payout_accepted() -> None:
    outcome = interpret(FLAG, answer(FLAG_ACCEPTED, content_type="application/json; charset=utf-8"))
    assert outcome.status == "accepted"
    assert outcome.bid == Decimal("8.50")
    assert outcome.captures == {"transaction_id": "D0447C7B-452B-4F2A-9D7B-F3F72848EEE9"}
    assert outcome.reason is None  # "Message": null


def test_json_flag_payout_rejected_with_its_missing_comma() -> None:
    outcome = interpret(FLAG, answer(FLAG_REJECTED, content_type=JSON))
    assert outcome.status == "rejected"
    assert outcome.reason == "BadRequest"  # the regex reads the body that is not JSON
    assert outcome.decode_error is not None
    assert outcome.decode_error.startswith("not json: Expecting ',' delimiter (line 2")
    assert outcome.captures == {}
    # Without the reject regex only the path rule is left, and it cannot read the body:
    # that is the buyer's error (P9), not a rejection.
    no_reject = FLAG.model_copy(update={"reject": None})
    assert interpret(no_reject, answer(FLAG_REJECTED, content_type=JSON)).status == "error"


def test_json_flag_payout_rejected_by_a_rule_that_reads_any_body() -> None:
    strict = rules(
        r"""
        accept: {path: Success, equals: true}
        reject: {regex: '"Success"\s*:\s*false'}
        reason: {regex: '"Errors"\s*:\s*\[\s*"([^"]*)"'}
        """
    )
    outcome = interpret(strict, answer(FLAG_REJECTED, content_type=JSON))
    assert outcome.status == "rejected"
    assert outcome.decided_by == 'reject: regex "\\"Success\\"\\\\s*:\\\\s*false"'
    assert outcome.reason == "'Sinks' must not be empty."


def test_json_flag_payout_post_echo() -> None:
    post = rules("{accept: {path: Success, equals: true}, price: Payout, reason: Message}")
    sold = interpret(
        post, answer('{"Success": true, "Payout": 9.1}', content_type=JSON), phase="post"
    )
    assert (sold.status, sold.price) == ("accepted", Decimal("9.1"))


# --------------------------------------------------------------------------- the same buyer in XML

XML_FLAG = rules(
    """
    format: auto
    accept: {path: Result.Success, equals: true}
    bid: Result.Payout
    capture:
      transaction_id: Result.TransactionId
      sold_nil: 'Result.Sold."@nil"'
    """
)
XML_ACCEPTED = (
    '<?xml version="1.0" encoding="UTF-8"?><Result xmlns:xsd="http://www.w3.org/2001/XMLSchema"\n'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<TransactionId>ce34e151-6d00-488d-a465-3fa3cebe7ff9</TransactionId>\n"
    '<Success>true</Success><Payout>8.50</Payout><Sold xsi:nil="true" />'
    "<Environment>Testing</Environment></Result>"
)


@pytest.mark.parametrize(
    "content_type", ["text/xml; charset=utf-8", "application/xml", None, "text/plain"]
)
def test_namespaced_xml_accepted(content_type: str | None) -> None:
    outcome = interpret(XML_FLAG, answer(XML_ACCEPTED, content_type=content_type))
    assert outcome.status == "accepted"
    assert outcome.decided_by == "accept: path Result.Success equals true"  # "true" equals true
    assert str(outcome.bid) == "8.50"
    assert outcome.captures == {
        "transaction_id": "ce34e151-6d00-488d-a465-3fa3cebe7ff9",
        "sold_nil": "true",
    }
    assert outcome.decoded_as == "xml"


def test_namespaced_xml_rejected() -> None:
    body = XML_ACCEPTED.replace("<Success>true", "<Success>false").replace(
        "<Payout>8.50</Payout>", "<Payout/>"
    )
    outcome = interpret(XML_FLAG, answer(body, content_type="text/xml"))
    assert (outcome.status, outcome.bid) == ("rejected", None)


# --------------------------------------------------------------------------- status word + token

TOKEN_PING = rules(
    """
    accept: {path: status, equals: success}
    reject: {path: status, equals: rejected}
    bid: price
    reason: message
    capture:
      ping_token: pingToken
    """
)
TOKEN_POST = rules(
    """
    accept: {path: status, equals: success}
    reason: message
    capture:
      buyer_lead_id: leadId
    """
)


def test_status_word_string_price_and_token() -> None:
    body = (
        '{ "status": "success", "pingToken": "wPDqmX209V3BEliVAZ0oO2rkJdv6EjAY", "price": "17.33" }'
    )
    outcome = interpret(TOKEN_PING, answer(body, content_type=JSON))
    assert (outcome.status, outcome.bid) == ("accepted", Decimal("17.33"))
    assert outcome.captures == {"ping_token": "wPDqmX209V3BEliVAZ0oO2rkJdv6EjAY"}


def test_status_word_rejected_ping() -> None:
    outcome = interpret(
        TOKEN_PING, answer('{ "status": "rejected", "message": "No Matches" }', content_type=JSON)
    )
    assert (outcome.status, outcome.reason) == ("rejected", "No Matches")


def test_status_word_post_accepted_and_rejected_after_an_accepted_ping() -> None:
    sold = interpret(
        TOKEN_POST, answer('{ "status": "success", "leadId": "79786014233" }'), phase="post"
    )
    assert (sold.status, sold.captures) == ("accepted", {"buyer_lead_id": "79786014233"})
    # The buyer accepted the ping but no longer wants the lead: a definitive rejection,
    # so the auction may try the next bidder.
    refused = interpret(
        TOKEN_POST, answer('{ "status": "rejected", "message": "No Matches" }'), phase="post"
    )
    assert (refused.status, refused.reason) == ("rejected", "No Matches")


# --------------------------------------------------------------------------- loose answers

LOOSE = rules(
    r"""
    accept: {regex: '(?i)success\W*\s*(true|>\s*true)'}
    bid: {regex: '(?i)price\W*\s*([0-9.]+)'}
    reason: {regex: '(?i)message\W*\s*"?(\w+)'}
    capture:
      txid: {regex: '(?i)\bid\W*\s*([0-9a-f]{32})'}
    """
)
LOOSE_JSON = (
    '{ id: a8c75ef7b6f04a5fa64526fcaa0aef22, price: 4.30, message: "success", code = "OK",'
    " success: true }"
)
LOOSE_XML = (
    "<ExternalPingResponse><Message>success</Message><Price>5.05</Price>"
    "<ID>a8c75ef7b6f04a5fa64526fcaa0aef22</ID><Code>OK</code><Success>true</Success></ExternalPingResponse>"
)


@pytest.mark.parametrize(
    ("body", "content_type", "bid", "not_as"),
    [
        (LOOSE_JSON, JSON, "4.30", "json"),
        (LOOSE_JSON, "text/html", "4.30", "json"),
        (LOOSE_XML, "text/xml", "5.05", "xml"),
        (LOOSE_XML, None, "5.05", "xml"),
    ],
)
def test_loose_answers_that_do_not_parse_are_read_by_regex(
    body: str, content_type: str | None, bid: str, not_as: str
) -> None:
    outcome = interpret(LOOSE, answer(body, content_type=content_type))
    assert outcome.status == "accepted"
    assert str(outcome.bid) == bid
    assert outcome.reason == "success"
    assert outcome.captures == {"txid": "a8c75ef7b6f04a5fa64526fcaa0aef22"}
    assert outcome.decode_error is not None
    assert outcome.decode_error.startswith(f"not {not_as}:")


def test_the_published_regexes_for_loose_answers() -> None:
    json_style = rules("{accept: {contains: 'success: true'}, bid: {regex: 'price: ([0-9.]+)'}}")
    assert interpret(json_style, answer(LOOSE_JSON)).bid == Decimal("4.30")
    xml_style = rules(
        "{accept: {contains: '<Success>true</Success>'}, bid: {regex: '<Price>([0-9.]+)</Price>'}}"
    )
    assert interpret(xml_style, answer(LOOSE_XML)).bid == Decimal("5.05")


# --------------------------------------------------------------------------- platform regexes

PLATFORM = rules(
    r"""
    format: text
    accept: {any: [{contains: '"Success":true'}, {regex: '<status>Success</status>'}]}
    bid: {regex: '"Price":"([0-9.]+)"|<price>([0-9.]+)</price>'}
    capture:
      ping_reference: {regex: '"PingReference":"([a-zA-Z0-9!&\.$%@#_-]+)"'}
    """
)
PLATFORM_XML = rules(
    r"""
    format: text
    accept: {regex: '<status>Success</status>'}
    bid: {regex: '<price>(?P<value>[0-9.]+)</price>'}
    """
)


def test_platform_style_json_text() -> None:
    body = '{"Success":true,"Price":"12.40","PingReference":"a1!b2@c3.d_e-f"}'
    outcome = interpret(PLATFORM, answer(body, content_type=JSON))
    assert (outcome.status, outcome.bid) == ("accepted", Decimal("12.40"))
    assert outcome.captures == {"ping_reference": "a1!b2@c3.d_e-f"}
    assert outcome.decoded_as == "text"  # format: text, nothing parsed
    assert (
        outcome.decided_by
        == 'accept: any(contains "\\"Success\\":true", regex "<status>Success</status>")'
    )


def test_platform_style_xml_variant() -> None:
    body = "<response><status>Success</status><price>7.25</price></response>"
    assert interpret(PLATFORM_XML, answer(body)).bid == Decimal("7.25")
    assert interpret(PLATFORM, answer(body)).bid == Decimal("7.25")  # the second alternative
    rejected = interpret(PLATFORM, answer('{"Success":false,"Message":"no coverage"}'))
    assert (rejected.status, rejected.decided_by) == ("rejected", "no accept rule matched")


def test_platform_style_accepted_without_a_price_is_an_error() -> None:
    outcome = interpret(PLATFORM, answer('{"Success":true,"PingReference":"x"}'))
    assert (outcome.status, outcome.reason) == ("error", "no bid in response")


# --------------------------------------------------------------------------- 404 means no buyer

NOT_FOUND = rules(
    """
    status: {404: reject}
    bid: {path: bid}
    reason: {path: message}
    capture: {token: token}
    """
)


def test_404_is_a_rejection_with_the_reason_from_the_body() -> None:
    outcome = interpret(NOT_FOUND, answer('{"message": "no buyer for this lead"}', 404, JSON))
    assert outcome.status == "rejected"
    assert outcome.reason == "HTTP 404 Not Found: no buyer for this lead"
    assert outcome.decided_by == "status 404 → reject"


def test_200_means_a_bid() -> None:
    outcome = interpret(NOT_FOUND, answer('{"bid": 11.25, "token": "t/1"}', 200, JSON))
    assert (outcome.status, outcome.bid, outcome.captures) == (
        "accepted",
        Decimal("11.25"),
        {"token": "t/1"},
    )


def test_a_stale_token_post_is_rejected() -> None:
    outcome = interpret(NOT_FOUND, answer('{"message": "token expired"}', 404, JSON), phase="post")
    assert (outcome.status, outcome.reason) == ("rejected", "HTTP 404 Not Found: token expired")
