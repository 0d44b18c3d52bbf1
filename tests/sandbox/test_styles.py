"""Each style answers like the published buyers of spec/buyer-styles.md."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
import xmltodict

from pingpost.sandbox.dice import Dice
from pingpost.sandbox.faults import OVERSIZED_BYTES, garbage, oversized_body, server_error
from pingpost.sandbox.styles import STYLES

BID = Decimal("8.50")
TOKEN = "D0447C7B-452B-4F2A-9D7B-F3F72848EEE9"


def test_json_flag():
    style = STYLES["json_flag"]
    accept = style.ping_accept(TOKEN, BID)
    assert json.loads(accept.body) == {
        "TransactionId": TOKEN,
        "Success": True,
        "Payout": 8.5,
        "Message": None,
        "Errors": None,
        "Sold": None,
        "Environment": "Testing",
    }
    reject = style.ping_reject("49CE4DB7", "'state' is not accepted")
    assert reject.status == 200
    with pytest.raises(json.JSONDecodeError):  # as published: a comma is missing
        json.loads(reject.body)
    assert b'"Success": false' in reject.body and b'] "Sold": null }' in reject.body
    post = json.loads(style.post_accept(TOKEN, Decimal("9.75"), "1").body)
    assert (post["Success"], post["Sold"], post["Payout"]) == (True, True, 9.75)
    refused = json.loads(style.post_reject(TOKEN, "invalid token").body)
    assert (refused["Success"], refused["Message"]) == (False, "invalid token")


def test_json_status():
    style = STYLES["json_status"]
    assert json.loads(style.ping_accept("tok", BID).body) == {
        "status": "success",
        "pingToken": "tok",
        "price": "8.50",
    }
    assert json.loads(style.ping_reject("r", "x").body) == {
        "status": "rejected",
        "message": "No Matches",
    }
    assert json.loads(style.post_accept("tok", BID, "79786014233").body) == {
        "status": "success",
        "leadId": "79786014233",
    }
    assert json.loads(style.post_reject("tok", "No Matches").body)["status"] == "rejected"


def test_xml_is_namespaced_with_nil_values():
    style = STYLES["xml"]
    accept = style.ping_accept("ce34e151", BID)
    assert accept.content_type.startswith("application/xml")
    assert b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' in accept.body
    assert b'<Sold xsi:nil="true" />' in accept.body
    result = xmltodict.parse(accept.body)["Result"]
    assert (result["TransactionId"], result["Success"], result["Payout"]) == (
        "ce34e151",
        "true",
        "8.50",
    )
    rejected = xmltodict.parse(style.ping_reject("r", "a < b").body)["Result"]
    assert rejected["Success"] == "false" and rejected["Errors"]["string"] == "a < b"
    post = xmltodict.parse(style.post_accept("t", Decimal("7"), "1").body)["Result"]
    assert (post["Sold"], post["Payout"]) == ("true", "7.00")
    escaped = style.post_reject('<evil "x">', "invalid token").body
    assert xmltodict.parse(escaped)["Result"]["TransactionId"] == '<evil "x">'


def test_form_loose_is_loose_and_claims_json():
    style = STYLES["form_loose"]
    accept = style.ping_accept("a8c75ef7b6f04a5fa64526fcaa0aef22", Decimal("4.3"))
    assert accept.content_type == "application/json"
    assert accept.body == (
        b'{ id: a8c75ef7b6f04a5fa64526fcaa0aef22, price: 4.30, message: "success", '
        b'code = "OK", success: true }'
    )
    assert style.ping_reject("r", "x").body == (
        b'{ id: , price: 0, message: "no match", code = "NO", success: false }'
    )
    assert (
        re.search(rb"price: ([0-9.]+)", style.post_accept("t", BID, "1").body).group(1) == b"8.50"
    )
    assert (
        style.post_reject('x" }, success: true', "invalid token").body.count(b"success: true") == 0
    )


def test_text_answers_for_regex_rules():
    style = STYLES["text"]
    accept = style.ping_accept("Abc123", BID)
    assert accept.content_type.startswith("text/html")
    assert accept.body == b'{"Success":true,"Price":"8.50","PingReference":"Abc123"}'
    assert style.ping_reject("r", "x").body == b'{"Success":false,"Message":"Duplicate"}'
    post = style.post_accept("Abc123", BID, "42").body
    assert b"<status>Success</status>" in post and b"<price>8.50</price>" in post
    assert b"<status>Failure</status>" in style.post_reject("t", "invalid token").body


def test_not_found_404():
    style = STYLES["not_found_404"]
    accept = style.ping_accept("t1", Decimal("11.25"))
    assert (accept.status, json.loads(accept.body)) == (200, {"bid": 11.25, "token": "t1"})
    reject = style.ping_reject("r", "x")
    assert (reject.status, json.loads(reject.body)) == (404, {"error": "no buyer for this lead"})
    assert style.post_accept("t1", BID, "1").status == 200
    assert style.post_reject("t1", "invalid token").status == 404


def test_fault_bodies():
    assert server_error().status == 500
    body = garbage(Dice(1, "b", "ping", b"x")).body
    with pytest.raises(ValueError):
        json.loads(body)
    with pytest.raises(Exception):  # noqa: B017 - any XML parse error
        xmltodict.parse(body)
    assert garbage(Dice(1, "b", "ping", b"x")).body == body  # deterministic
    chunks = list(oversized_body())
    assert sum(len(c) for c in chunks) == OVERSIZED_BYTES
    assert max(len(c) for c in chunks) <= 65536
    whole = b"".join(chunks)
    assert json.loads(whole)["Success"] is True
