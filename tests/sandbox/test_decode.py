"""How sandbox buyers read requests and apply their accept rules."""

from __future__ import annotations

import pytest

from pingpost.sandbox.decode import (
    MISSING,
    Accepts,
    BodyError,
    decode_body,
    describe_failure,
    lookup,
    request_fields,
    rule_holds,
)
from pingpost.sandbox.request import Request
from pingpost.sandbox.spec import Rule


def request(body: bytes = b"", content_type: str = "", query: str = "") -> Request:
    return Request("POST", "/p", query, content_type, body)


@pytest.mark.parametrize(
    ("body", "content_type", "fields"),
    [
        (b'{"a": {"b": 1}}', "application/json", {"a": {"b": 1}}),
        (b'{"a": 1}', "application/vnd.buyer+json; charset=utf-8", {"a": 1}),
        (
            b"<Lead><State>CA</State><Age>30</Age></Lead>",
            "application/xml",
            {"State": "CA", "Age": "30"},
        ),
        (b"<Lead><State>CA</State></Lead>", "text/xml", {"State": "CA"}),
        (
            b"Lead.ZipCode=1&x=&y=a+b",
            "application/x-www-form-urlencoded",
            {"Lead.ZipCode": "1", "x": "", "y": "a b"},
        ),
        (b' {"sniffed": true}', "", {"sniffed": True}),
        (b"<r><s>1</s></r>", "text/plain", {"s": "1"}),
        (b"a=1", "", {"a": "1"}),
    ],
)
def test_bodies_decode_by_content_type(body, content_type, fields):
    assert decode_body(body, content_type) == fields


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"{bad", "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "must be an object"),
        (b"<a><b></a>", "application/xml", "not valid XML"),
        (b"\xff\xfe=1", "application/x-www-form-urlencoded", "not UTF-8"),
        (b"x", "application/octet-stream", "cannot decode a application/octet-stream body"),
        (b"hello", "", "cannot tell the body's format"),
    ],
)
def test_bodies_that_do_not_decode(body, content_type, message):
    with pytest.raises(BodyError, match=message):
        decode_body(body, content_type)


def test_xml_entities_are_not_expanded():
    bomb = b'<!DOCTYPE x [<!ENTITY e "boom">]><Lead><S>&e;</S></Lead>'
    with pytest.raises(BodyError):
        decode_body(bomb, "application/xml")


def test_query_fields_are_overlaid_by_the_body():
    fields = request_fields(request(b'{"a": "body"}', "application/json", "a=query&b=2"))
    assert fields == {"a": "body", "b": "2"}
    assert request_fields(request(query="zip=1")) == {"zip": "1"}


def test_lookup_dotted_literal_and_lists():
    data = {"Lead.ZipCode": "1", "Lead": {"ZipCode": "2", "Cars": [{"Make": "VW"}]}}
    assert lookup(data, "Lead.ZipCode") == "1"  # the literal key wins
    assert lookup({"Lead": {"ZipCode": "2"}}, "Lead.ZipCode") == "2"
    assert lookup(data, "Lead.Cars.0.Make") == "VW"
    assert lookup(data, "Lead.Cars.5.Make") is MISSING
    assert lookup(data, "nope") is MISSING
    assert lookup({"a.b": {"c": 1}}, "a.b.c") == 1


def rule(**kw) -> Rule:
    return Rule.model_validate(kw)


@pytest.mark.parametrize(
    ("the_rule", "fields", "holds"),
    [
        ({"field": "state", "in": ["CA", "TX"]}, {"state": "CA"}, True),
        ({"field": "state", "in": ["CA", "TX"]}, {"state": "NV"}, False),
        ({"field": "state", "in": ["CA"]}, {}, False),
        ({"field": "age", "in": [21, 22]}, {"age": "21"}, True),
        ({"field": "age", "equals": 21}, {"age": "21.0"}, True),
        ({"field": "ok", "equals": True}, {"ok": "true"}, True),
        ({"field": "ok", "equals": True}, {"ok": True}, True),
        ({"field": "ok", "equals": "1"}, {"ok": True}, False),
        ({"field": "state", "not_in": ["NY"]}, {"state": "CA"}, True),
        ({"field": "state", "not_in": ["NY"]}, {"state": "NY"}, False),
        ({"field": "state", "not_in": ["NY"]}, {}, False),
        ({"field": "email", "matches": "@example\\.com$"}, {"email": "a@example.com"}, True),
        ({"field": "email", "matches": "^x"}, {"email": "a@x"}, False),
        ({"field": "age", "gte": 25}, {"age": 25}, True),
        ({"field": "age", "gte": 25}, {"age": "24"}, False),
        ({"field": "age", "gte": 25}, {"age": "old"}, False),
        ({"field": "age", "gte": 25}, {"age": True}, False),
        ({"field": "age", "lte": 25}, {"age": "25"}, True),
        ({"field": "zip", "exists": True}, {"zip": "1"}, True),
        ({"field": "zip", "exists": True}, {"zip": ""}, False),
        ({"field": "zip", "exists": True}, {"zip": None}, False),
        ({"field": "zip", "exists": False}, {}, True),
        (
            {"field": "Lead.State", "in": ["CA"]},
            {"Lead": {"State": {"@x": "1", "#text": "CA"}}},
            True,
        ),
    ],
)
def test_rules(the_rule, fields, holds):
    assert rule_holds(rule(**the_rule), fields) is holds


def test_accepts_reports_the_first_failing_rule():
    accepts = Accepts([rule(field="zip", exists=True), rule(field="age", gte=25)])
    assert accepts.first_failed({"zip": "1", "age": 30}) is None
    failed = accepts.first_failed({"zip": "1", "age": 20})
    assert failed is not None and failed.field == "age"
    assert Accepts([]).first_failed({}) is None


def test_failure_descriptions():
    assert (
        describe_failure(rule(field="state", **{"in": ["CA", "TX"]}), {"state": "NV"})
        == "state='NV': needs in [CA, TX]"
    )
    assert describe_failure(rule(field="age", gte=25), {"age": 20}) == "age=20: needs gte 25"
    assert describe_failure(rule(field="zip", exists=True), {}) == "zip missing: needs exists true"
