"""The default buyers over real HTTP: every style's ping accept, ping reject and post."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
import xmltodict

from .client import call


def ledger_entry(sandbox, phase: str) -> dict:
    entries = sandbox.ledger(phase=phase)
    assert entries, f"no {phase} in the ledger"
    return entries[-1]


def test_acme_json_flag(sandbox):
    url = sandbox.url
    accepted = call(f"{url}/acme/ping", body={"state": "CA", "zip": "90210"})
    data = accepted.json()
    assert accepted.status == 200 and data["Success"] is True
    assert Decimal("8") <= Decimal(str(data["Payout"])) <= Decimal("20")
    rejected = call(f"{url}/acme/ping", body={"state": "NV"})
    assert rejected.status == 200 and '"Success": false' in rejected.text
    assert "state='NV': needs in [CA, TX, FL, NY, WA]" in rejected.text
    post = call(f"{url}/acme/post", body={"state": "CA", "TransactionId": data["TransactionId"]})
    assert post.json()["Sold"] is True
    assert Decimal(str(post.json()["Payout"])) == Decimal(str(data["Payout"]))


def test_bluesky_json_status(sandbox):
    ping = call(f"{sandbox.url}/bluesky/ping", body={"postalCode": "46545", "service": "WINDOWS"})
    data = ping.json()
    assert data["status"] == "success" and re.fullmatch(r"\d+\.\d\d", data["price"])
    assert call(f"{sandbox.url}/bluesky/ping", body={"service": "WINDOWS"}).json() == {
        "status": "rejected",
        "message": "No Matches",
    }
    post = call(
        f"{sandbox.url}/bluesky/post", body={"postalCode": "46545", "pingToken": data["pingToken"]}
    )
    assert post.json()["status"] == "success" and post.json()["leadId"].isdigit()


def test_crown_xml(sandbox):
    ping = call(
        f"{sandbox.url}/crown/ping",
        body="<Lead><State>TX</State></Lead>",
        content_type="application/xml",
    )
    assert ping.headers["content-type"].startswith("application/xml")
    result = xmltodict.parse(ping.body)["Result"]
    assert result["Success"] == "true"
    rejected = call(
        f"{sandbox.url}/crown/ping", body="<Lead><State>FL</State></Lead>", content_type="text/xml"
    )
    assert xmltodict.parse(rejected.body)["Result"]["Success"] == "false"
    body = f"<Lead><State>TX</State><TransactionId>{result['TransactionId']}</TransactionId></Lead>"
    post = xmltodict.parse(
        call(f"{sandbox.url}/crown/post", body=body, content_type="application/xml").body
    )
    assert post["Result"]["Sold"] == "true" and post["Result"]["Payout"] == result["Payout"]


def test_delta_form_loose(sandbox):
    form = "application/x-www-form-urlencoded"
    ping = call(
        f"{sandbox.url}/delta/ping", body=urlencode({"Lead.ZipCode": "12345"}), content_type=form
    )
    assert ping.headers["content-type"] == "application/json"  # misleading, as published
    with pytest.raises(json.JSONDecodeError):
        ping.json()
    token = re.search(r"id: (\w+),", ping.text).group(1)
    price = re.search(r"price: ([0-9.]+)", ping.text).group(1)
    assert "success: true" in ping.text
    rejected = call(f"{sandbox.url}/delta/ping", body="Lead.State=CA", content_type=form)
    assert rejected.text.startswith("{ id: , price: 0")
    post = call(
        f"{sandbox.url}/delta/post",
        body=urlencode({"TXID": token, "Lead.ZipCode": "12345"}),
        content_type=form,
    )
    assert "success: true" in post.text and f"price: {price}" in post.text


def test_echo_text_get_ping(sandbox):
    ping = call(f"{sandbox.url}/echo/ping?zip=12345&state=CA", method="GET")
    assert ping.headers["content-type"].startswith("text/html")
    assert re.search(r'"Success":true', ping.text)
    reference = re.search(r'"PingReference":"([a-zA-Z0-9!&\.$%@#_-]+)"', ping.text).group(1)
    price = re.search(r'"Price":"([0-9.]+)"', ping.text).group(1)
    assert call(f"{sandbox.url}/echo/ping?state=CA", method="GET").text == (
        '{"Success":false,"Message":"Duplicate"}'
    )
    post = call(f"{sandbox.url}/echo/post", body={"zip": "12345", "PingReference": reference})
    assert "<status>Success</status>" in post.text and f"<price>{price}</price>" in post.text


def test_foxtrot_404_and_token_in_the_path(sandbox):
    ping = call(f"{sandbox.url}/foxtrot/ping", body={"age": 30})
    assert ping.status == 200 and set(ping.json()) == {"bid", "token"}
    rejected = call(f"{sandbox.url}/foxtrot/ping", body={"age": 24})
    assert (rejected.status, rejected.json()) == (404, {"error": "no buyer for this lead"})
    outcomes = set()
    for age in range(25, 35):  # 30% of posts are rejected after an accepted ping
        token = call(f"{sandbox.url}/foxtrot/ping", body={"age": age}).json()["token"]
        post = call(f"{sandbox.url}/foxtrot/post/{quote(token)}", body={"age": age})
        entry = ledger_entry(sandbox, "post")
        assert entry["token"] == token
        if post.status == 200:
            assert post.json() == {"result": "ok"} and entry["outcome"] == "accepted"
        else:
            assert post.status == 404 and entry["outcome"] == "rejected"
            assert entry["fault"] == "post_reject"
        outcomes.add(post.status)
    assert outcomes == {200, 404}


def test_slowpoke_hangs_and_grumpy_fails(sandbox):
    with pytest.raises(TimeoutError):
        call(f"{sandbox.url}/slowpoke/ping", body={"state": "CA"}, timeout=0.3)
    grumpy = call(f"{sandbox.url}/grumpy/ping", body={"state": "CA"})
    assert grumpy.status == 500 and "Internal Server Error" in grumpy.text
    faults = {e["buyer"]: (e["fault"], e["status"]) for e in sandbox.ledger()}
    assert faults == {"slowpoke": ("hang", None), "grumpy": ("http_500", 500)}
