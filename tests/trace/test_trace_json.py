"""The JSON documents: the spec's result of one lead, exchanges, money, masking."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from pingpost.exchange import Failure, RawResponse, RenderedRequest
from pingpost.trace.json import (
    auction_json,
    dumps,
    headers_json,
    money,
    request_json,
    response_json,
)

SPEC_KEYS = {"schema_version", "lead_id", "result", "sold_to", "price", "duration_ms", "accounts"}
ACCOUNT_KEYS = {"account", "method", "status", "reason", "bid", "ping", "post"}
EXCHANGE_KEYS = {"request", "response", "latency_ms", "attempts"}


def test_auction_json_has_the_spec_shape(make_result, masker):
    doc = auction_json(make_result(), masker)
    assert doc.keys() >= SPEC_KEYS
    assert doc["schema_version"] == 1
    assert (doc["result"], doc["sold_to"], doc["price"]) == ("sold", "acme-gold", "12.50")
    assert doc["duration_ms"] == 412.3
    by_name = {a["account"]: a for a in doc["accounts"]}
    sold = by_name["acme-gold"]
    assert sold.keys() >= ACCOUNT_KEYS
    assert sold["status"] == "sold" and sold["bid"] == "12.50"
    assert sold["ping"].keys() >= EXCHANGE_KEYS and sold["post"].keys() >= EXCHANGE_KEYS
    assert sold["ping"]["latency_ms"] == 38.0 and sold["ping"]["attempts"] == 1
    assert sold["ping"]["outcome"]["captures"] == {"transaction_id": "T-1"}
    assert by_name["zulu-filtered"]["ping"] is None
    assert by_name["zulu-filtered"]["reason"] == "State=CA not in [TX]"


def test_unsold_document_has_null_winner_and_price(make_result, masker):
    doc = auction_json(make_result(result="unsold", sold_to=None, price=None), masker)
    assert doc["sold_to"] is None and doc["price"] is None


def test_document_round_trips_through_json_and_is_masked(make_result, masker):
    text = dumps(auction_json(make_result(), masker))
    assert json.loads(text)["lead_id"] == "lead-1"
    for hidden in ("Zelda", "4155550142", "tok-SECRET"):
        assert hidden not in text
    line = dumps(auction_json(make_result(), masker), pretty=False)
    assert "\n" not in line


def test_money_is_a_plain_decimal_string():
    assert money(Decimal("12.50")) == "12.50"
    assert money(Decimal("1E+1")) == "10"
    assert money(None) is None


def test_request_json_masks_authorization_and_body(masker):
    request = RenderedRequest(
        "POST", "http://x/p?key=tok-SECRET", (("Authorization", "Basic abc"),), b'{"n": "Zelda"}'
    )
    doc = request_json(request, masker)
    assert doc == {
        "method": "POST",
        "url": "http://x/p?key=****",
        "headers": {"Authorization": "Basic ****"},
        "body": '{"n": "****"}',
    }


def test_response_json_states_a_failure(masker):
    response = RawResponse(
        None, failure=Failure("connect", "connection refused by 127.0.0.1:9", False)
    )
    doc = response_json(response, masker)
    assert doc["status"] is None
    assert doc["failure"] == {
        "kind": "connect",
        "detail": "connection refused by 127.0.0.1:9",
        "may_have_arrived": False,
    }


def test_undecodable_body_bytes_do_not_break_the_document(masker):
    doc = response_json(RawResponse(200, body=b"ok\xff\xfe"), masker)
    assert doc["body"] == "ok\ufffd\ufffd" and doc["body_bytes"] == 4
    json.dumps(doc)


def test_repeated_headers_are_joined():
    assert headers_json((("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X", "y"))) == {
        "Set-Cookie": "a=1, b=2",
        "X": "y",
    }


def test_a_document_is_masked_in_one_pass_yet_exactly_per_value():
    from pingpost.masking import Masker

    masker = Masker(secrets=["s3cret", "a\x00b"])
    # with the next one, "a\x00b" would span the separator of a one-pass join
    doc = masker.document({"one": "xa", "two": "by s3cret", "none": None})
    assert doc == {"one": "xa", "two": "by ****", "none": None}
    doc = masker.document({"nul": "has\x00nul s3cret", "other": "s3cret!"})
    assert (doc["nul"], doc["other"]) == ("has\x00nul ****", "****!")


def test_names_and_statuses_are_kept_whatever_the_pii(masker, make_result):
    """An account named like a pii value stays matchable (`Zelda` is pii here)."""
    from pingpost.masking import Masker

    result = make_result()
    names = [a.account for a in result.accounts] + [a.status for a in result.accounts]
    named = Masker(pii=[*names, "sold", "POST", "json", "accept"])
    doc = auction_json(result, named)
    assert [a["account"] for a in doc["accounts"]] == [a.account for a in result.accounts]
    assert [a["status"] for a in doc["accounts"]] == [a.status for a in result.accounts]
    assert doc["result"] == result.result and doc["sold_to"] == result.sold_to
    assert doc["posted_to"] == list(result.posted_to)
    ping = next(a["ping"] for a in doc["accounts"] if a["ping"])
    assert ping["request"]["method"] == "POST" and ping["outcome"]["decoded_as"] == "json"
    assert ping["outcome"]["verdicts"][0]["rule"] == "accept"


def test_a_body_is_decoded_with_its_charset_before_masking(masker):
    headers = (("Content-Type", "application/json; charset=utf-16"),)
    body = '{"name": "Zelda", "note": "ë"}'.encode("utf-16")
    doc = response_json(RawResponse(200, headers, body), masker)
    assert doc["body"] == '{"name": "****", "note": "ë"}'


def test_compact_lines_are_byte_for_byte_what_the_json_module_writes() -> None:
    """orjson writes batch lines; where it would write otherwise the json module does."""
    import json as json_module
    from decimal import Decimal

    from multidict import istr

    from pingpost.masking import Name
    from pingpost.trace.json import dumps

    documents = [
        {"ms": 12.3, "price": Decimal("12.50"), "none": None, "flag": True, "name": Name("a")},
        {"text": 'é \u2028 \x1f \x7f "q" \\ / <&>', "neg": -0.0, "big": 1e300, "small": 1e-07},
        {"int": 2**63 - 1, "huge": 10**20, "nested": [{"a": [1, 2.5, "b"]}, []]},
        {"surrogate": "\ud800", 5: "an int key", 1.5: "a float key", None: "none"},
        {"headers": {istr("Content-Type"): "text/plain"}},  # aiohttp's header names
        {"first": 2e-09, "list": [3e-08, 1.5e-07], "ids": "9e-5 1e-4c 7e-8,"},
    ]
    for document in documents:
        expected = json_module.dumps(
            document, ensure_ascii=False, separators=(",", ":"), default=str
        )
        assert dumps(document, pretty=False) == expected


def test_ordinary_documents_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document as a batch prints it (aiohttp header names, Decimals, Names) never
    falls back to the json module: the fallback is for the rare values only."""
    from decimal import Decimal

    from multidict import istr

    from pingpost.masking import Name
    from pingpost.trace import json as trace_json

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("fell back to the json module")

    monkeypatch.setattr(trace_json.json, "dumps", refuse)
    document = {"h": {istr("Server"): "x"}, "price": Decimal("1.50"), "n": Name("a"), "ms": 1.5}
    assert trace_json.dumps(document, pretty=False) == (
        '{"h":{"Server":"x"},"price":"1.50","n":"a","ms":1.5}'
    )
    # hex ids put `e-` before a digit in most documents: not a number's exponent
    token = {"token": "3f1e-4c2d-9e-7ab", "ms": 1e-10}
    assert trace_json.dumps(token, pretty=False) == '{"token":"3f1e-4c2d-9e-7ab","ms":1e-10}'
