"""What the store keeps of an auction: the lead as received with its key, the account
lines with their error kinds, and the JSON document with secrets masked and pii kept."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest

from pingpost.auction.recording import (
    ERROR_KINDS,
    account_lines,
    auction_record,
    error_kind,
    lead_record,
)
from pingpost.config.models import LeadType
from pingpost.errors import LeadError
from pingpost.lead_keys import canonical_json, lead_key, received_json
from pingpost.leads import Lead, coerce_lead, decode_lead_json
from pingpost.masking import Masker
from pingpost.trace.json import auction_json

from .fakes import (
    FakeTransport,
    account,
    auction,
    bid,
    by_name,
    config,
    failure,
    method,
    reject,
    reply,
    sold,
)

PEOPLE = LeadType.model_validate(
    {
        "kind": "lead_type",
        "name": "people",
        "fields": {
            "Ref": {"type": "string", "required": True},
            "Phone": {"type": "phone", "pii": True},
            "Income": {"type": "number"},
        },
        "id_field": "Ref",
    }
)


def _lead(text: str) -> Lead:
    return coerce_lead(decode_lead_json(text), PEOPLE)


def test_the_lead_is_kept_as_received_in_canonical_json() -> None:
    lead = _lead('{ "Phone": "(415) 555-0100", "Ref": "r-1",  "Income": 12.10 }')
    assert lead.values["Phone"] == "4155550100"  # coerced for the buyers
    assert received_json(lead) == '{"Income":12.10,"Phone":"(415) 555-0100","Ref":"r-1"}'
    record = lead_record(lead, "a-1", started_at=1_700_000_000.5, source="leads.jsonl")
    assert record.lead_json == received_json(lead)
    assert (record.auction_id, record.lead_type, record.source) == ("a-1", "people", "leads.jsonl")
    assert record.started_at == 1_700_000_000.5


def test_the_lead_key_ignores_layout_but_not_values_or_lead_type() -> None:
    one = _lead('{"Ref": "r-1", "Phone": "(415) 555-0100"}')
    same = _lead('{"Phone":"(415) 555-0100",\n "Ref":"r-1"}')
    reformatted = _lead('{"Ref": "r-1", "Phone": "415-555-0100"}')
    key = lead_record(one, "a", started_at=0).lead_key
    assert key == lead_record(same, "b", started_at=5).lead_key
    assert key != lead_record(reformatted, "a", started_at=0).lead_key
    assert lead_key("people", received_json(one)) == key
    assert lead_key("other", received_json(one)) != key
    assert len(key) == 64 and int(key, 16) >= 0


def test_canonical_json_is_valid_json_for_every_value_kind() -> None:
    value = {"b": [1, Decimal("2.50"), True, None], "a": 'é\n"q"', "c": {"z": 1, "y": 2}}
    text = canonical_json(value)
    assert text == '{"a":"é\\n\\"q\\"","b":[1,2.50,true,null],"c":{"y":2,"z":1}}'
    assert json.loads(text) == {"a": 'é\n"q"', "b": [1, 2.5, True, None], "c": {"y": 2, "z": 1}}


def test_the_id_field_becomes_the_leads_id_and_must_be_plain_text() -> None:
    assert _lead('{"Ref": "crm-42"}').lead_id == "crm-42"
    with pytest.raises(LeadError, match="Ref: an auction id must be 1 to 200 printable"):
        _lead('{"Ref": "bad\\nid"}')
    with pytest.raises(LeadError, match="id_field"):
        _lead(json.dumps({"Ref": "x" * 201}))


def test_a_sold_auction_becomes_a_record_with_a_line_per_account() -> None:
    cfg = config([account("high"), account("low"), account("no")])
    transport = FakeTransport(
        {
            "high/ping": bid("20.00"),
            "high/post": sold("21.50"),
            "low/ping": bid("9"),
            "no/ping": reject(),
        }
    )
    result = auction(cfg, transport)
    record = auction_record(result, cfg, source="leads.jsonl")
    assert (record.result, record.sold_to, record.price) == ("sold", "high", Decimal("21.50"))
    assert record.revenue == Decimal("21.50")
    assert record.lead.auction_id == "lead-1" and record.lead.source == "leads.jsonl"
    assert record.finished_at == pytest.approx(result.started_at + result.duration_ms / 1000)
    lines = {line.account: line for line in record.accounts}
    assert lines["high"].status == "sold" and lines["high"].price == Decimal("21.50")
    assert lines["high"].bid == Decimal("20.00")
    assert lines["high"].ping_ms is not None and lines["high"].post_ms is not None
    assert lines["low"].status == "outbid" and lines["low"].post_ms is None
    assert lines["low"].price is None
    assert lines["no"].status == "rejected" and lines["no"].error_kind is None
    document = json.loads(record.document)
    assert document["result"] == "sold" and document["revenue"] == "21.50"
    assert document["sales"] == [{"account": "high", "price": "21.50"}]


def test_error_kinds_say_why_each_exchange_failed() -> None:
    names = ["http5", "auth", "http4", "conn", "slow", "badbid", "garbage", "nobid", "render"]
    methods = [method(n) for n in names[:-1]]
    methods.append(method("render", ping={"body": "{{ lead.Nope.missing }}"}))
    cfg = config([account(n, method=n) for n in names], methods)
    transport = FakeTransport(
        {
            "http5/ping": reply("oops", status=503),
            "auth/ping": reply("who?", status=401),
            "http4/ping": reply({"status": "accepted"}, status=418),
            "conn/ping": failure("connect", may_have_arrived=False),
            "slow/ping": failure("timeout", may_have_arrived=True),
            "badbid/ping": bid("-5"),
            "garbage/ping": reply('{"status": "acc'),
            "nobid/ping": reply({"status": "accepted"}),
        }
    )
    result = auction(cfg, transport)
    kinds = {a.account: error_kind(a) for a in result.accounts}
    assert kinds == {
        "http5": "http_5xx",
        "auth": "auth",
        "http4": "http_4xx",
        "conn": "connect",
        "slow": "timeout",
        "badbid": "invalid_bid",
        "garbage": "undecodable",
        "nobid": "invalid_bid",
        "render": "render",
    }
    assert set(kinds.values()) <= set(ERROR_KINDS)
    lines = {line.account: line for line in account_lines(result)}
    assert lines["render"].ping_ms is None  # never sent
    assert lines["conn"].ping_ms is not None


def test_post_failures_have_kinds_too() -> None:
    cfg = config([account("a"), account("b"), account("c")], in_doubt="fallback", max_posts=3)
    transport = FakeTransport(
        {
            "a/ping": bid("30"),
            "a/post": failure("connect", may_have_arrived=False),
            "b/ping": bid("20"),
            "b/post": reply("busy", status=502),
            "c/ping": bid("10"),
            "c/post": sold(),
        }
    )
    result = auction(cfg, transport)
    accounts = by_name(result)
    assert (accounts["a"].status, error_kind(accounts["a"])) == ("post_error", "connect")
    assert (accounts["b"].status, error_kind(accounts["b"])) == ("in_doubt", "http_5xx")
    assert error_kind(accounts["c"]) is None


def test_the_document_masks_secrets_and_keeps_pii() -> None:
    secret = "canary-secret-7f3a9"
    token_method = method("acme", ping={"headers": {"X-Token": "{{ account.vars.token }}"}})
    cfg = config([account("acme", vars={"token": secret})], [token_method])
    pii_zip = LeadType.model_validate(
        {
            "kind": "lead_type",
            "name": "auto",
            "fields": {
                "State": {"type": "state", "required": True},
                "ZipCode": {"type": "zip", "required": True, "pii": True},
            },
        }
    )
    cfg = dataclasses.replace(cfg, secrets=frozenset({secret}), lead_types={"auto": pii_zip})
    transport = FakeTransport({"acme/ping": bid("5"), "acme/post": sold()})
    lead = coerce_lead({"State": "CA", "ZipCode": "90210"}, pii_zip)
    result = auction(cfg, transport, lead=lead)
    assert result.result == "sold"
    assert secret in transport.sent[0][0].header("X-Token")  # it was really sent
    record = auction_record(result, cfg)
    assert secret.encode() not in record.document
    assert b"X-Token" in record.document  # the header is there, its value masked
    assert b"90210" in record.document  # pii is kept as the lead is
    printed = auction_json(result, Masker.for_result(cfg, result))
    assert "90210" not in json.dumps(printed)  # where the trace and --json mask it


def test_only_finished_auctions_are_recorded() -> None:
    cfg = config([account("a")])
    result = auction(cfg, FakeTransport({}), dry_run=True)
    with pytest.raises(ValueError, match="dry run"):
        auction_record(result, cfg)
    skipped = dataclasses.replace(result, dry_run=False, result="skipped")
    with pytest.raises(ValueError, match="skipped"):
        auction_record(skipped, cfg)
