"""Bodies per content type, body templates, and the parse-back check (P10)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pingpost.errors import LeadError, RenderError
from pingpost.exchange import RenderedRequest
from pingpost.render import render_request
from pingpost.render.bodies import BodyError, encode_pairs, parse_back

from .helpers import make_lead, make_method

MAPPINGS = {
    "zip": "ZipCode",
    "age": "Age",
    "income": "Income",
    "own": "Homeowner",
    "dob": "BirthDate",
    "contact.phone": "Phone",
    "contact.name": "FirstName",
}


def ping(content_type: str, *, lead: Any = None, **extra: Any) -> RenderedRequest:
    method = make_method({"content_type": content_type, "mappings": MAPPINGS, **extra})
    return render_request(method, "ping", lead or make_lead())


def test_json_body_nests_dotted_names_and_keeps_types() -> None:
    request = ping("json")
    assert request.header("Content-Type") == "application/json"
    body = json.loads(request.body, parse_float=Decimal)
    assert body == {
        "zip": "94105",
        "age": 36,
        "income": Decimal("1250.50"),  # exact decimal, as written in the lead
        "own": True,
        "dob": "1989-12-10",
        "contact": {"phone": "4155550100", "name": "Ada"},
    }
    assert b'"income":1250.50' in request.body


def test_xml_body_under_its_root_with_attributes_and_text() -> None:
    mappings = {
        "@version": {"value": "2"},
        "Zip": "ZipCode",
        "Contact.@type": {"value": "home"},
        "Contact.Phone": "Phone",
        "Price.#text": {"value": "4.50"},
        "Price.@currency": {"value": "USD"},
    }
    method = make_method({"content_type": "xml", "xml_root": "Lead", "mappings": mappings})
    request = render_request(method, "ping", make_lead())
    assert request.header("Content-Type") == "application/xml; charset=utf-8"
    assert request.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Lead version="2">')
    root = ElementTree.fromstring(request.body)
    assert root.tag == "Lead" and root.get("version") == "2"
    assert root.findtext("Zip") == "94105"
    contact = root.find("Contact")
    assert contact is not None and contact.get("type") == "home"
    assert contact.findtext("Phone") == "4155550100"
    price = root.find("Price")
    assert price is not None and price.text == "4.50" and price.get("currency") == "USD"


def test_xml_default_root_is_lead() -> None:
    assert ElementTree.fromstring(ping("xml").body).tag == "lead"


def test_form_body_keeps_dotted_names_literal() -> None:
    mappings = {"Source.Key": {"value": "k 1"}, "Lead.ZipCode": "ZipCode", "own": "Homeowner"}
    method = make_method({"content_type": "form", "mappings": mappings})
    request = render_request(method, "ping", make_lead())
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert request.body == b"Source.Key=k+1&Lead.ZipCode=94105&own=true"


def test_query_fields_go_into_the_url_and_the_body_is_empty() -> None:
    method = make_method(
        {
            "method": "GET",
            "content_type": "query",
            "url": "https://buyer.example/ping?campaign=7#top",
            "mappings": {"zip": "ZipCode", "name": "FirstName"},
        }
    )
    request = render_request(method, "ping", make_lead(FirstName="Ada & Bob"))
    assert request.method == "GET" and request.body == b""
    assert request.header("Content-Type") is None
    assert request.url == "https://buyer.example/ping?campaign=7&zip=94105&name=Ada+%26+Bob#top"
    query = dict(parse_qsl(urlsplit(request.url).query))
    assert query == {"campaign": "7", "zip": "94105", "name": "Ada & Bob"}


def test_missing_optional_fields_are_left_out_of_every_body() -> None:
    lead = make_lead(Phone=None, Age=None)
    assert "age" not in json.loads(ping("json", lead=lead).body)
    assert b"<age>" not in ping("xml", lead=lead).body
    assert b"age=" not in ping("form", lead=lead).body


# --------------------------------------------------------------------------- body templates


def test_json_body_template_emits_json_literals() -> None:
    body = (
        '{"Request": {{ fields }}, "zip": {{ lead.ZipCode }}, "age": {{ lead.Age }},'
        ' "income": {{ lead.Income }}, "own": {{ lead.Homeowner }}, "dob": {{ lead.BirthDate }},'
        ' "note": {{ lead.Note | default(none) }}, "id": {{ lead_id }}, "test": {{ test }}}'
    )
    method = make_method({"content_type": "json", "mappings": {"zip": "ZipCode"}, "body": body})
    request = render_request(method, "ping", make_lead(), lead_id="L-1")
    assert json.loads(request.body, parse_float=Decimal) == {
        "Request": {"zip": "94105"},
        "zip": "94105",
        "age": 36,
        "income": Decimal("1250.50"),
        "own": True,
        "dob": "1989-12-10",
        "note": None,
        "id": "L-1",
        "test": False,
    }


def test_json_body_template_escapes_hostile_strings() -> None:
    nasty = 'x", "admin": true, "y": "\n\\'
    method = make_method({"content_type": "json", "body": '{"name": {{ lead.FirstName }}}'})
    request = render_request(method, "ping", make_lead(FirstName=nasty))
    assert json.loads(request.body) == {"name": nasty}


def test_tojson_and_safe_are_inserted_as_is() -> None:
    body = '{"a": {{ lead.ZipCode | tojson }}, "b": {{ \'{"c": 1}\' | safe }}}'
    method = make_method({"content_type": "json", "body": body})
    assert json.loads(render_request(method, "ping", make_lead()).body) == {
        "a": "94105",
        "b": {"c": 1},
    }


def test_xml_body_template_escapes_values_and_writes_fields_as_elements() -> None:
    body = '<Envelope><Body>{{ fields }}</Body><Name a="{{ lead.FirstName }}"/></Envelope>'
    method = make_method({"content_type": "xml", "mappings": {"Zip": "ZipCode"}, "body": body})
    request = render_request(method, "ping", make_lead(FirstName='<b>&"quoted"\'\n'))
    root = ElementTree.fromstring(request.body)
    assert root.findtext("Body/Zip") == "94105"
    name = root.find("Name")
    assert name is not None and name.get("a") == '<b>&"quoted"\'\n'


def test_a_json_body_that_does_not_parse_is_refused_with_a_hint() -> None:
    method = make_method({"content_type": "json", "body": '{"zip": "{{ lead.ZipCode }}"}'})
    with pytest.raises(RenderError) as info:
        render_request(method, "ping", make_lead())
    message = str(info.value)
    assert message.startswith("acme ping: the rendered json body does not parse")
    assert "already a JSON literal" in message and "nothing was sent" in message
    assert (info.value.method, info.value.phase) == ("acme", "ping")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_a_json_body_with_nan_or_infinity_is_refused(literal: str) -> None:
    """Python's json accepts them; JSON does not, nor will the buyer."""
    method = make_method({"content_type": "json", "body": '{"x": ' + literal + ', "y": 1}'})
    with pytest.raises(RenderError, match=f"does not parse: `{literal}` is not valid JSON"):
        render_request(method, "ping", make_lead())


def test_an_xml_body_that_does_not_parse_is_refused() -> None:
    method = make_method({"content_type": "xml", "body": "<a>{{ lead.ZipCode }}</b>"})
    with pytest.raises(RenderError, match="acme ping: the rendered xml body does not parse"):
        render_request(method, "ping", make_lead())


def test_form_and_query_take_no_body_template() -> None:
    method = make_method({"content_type": "form", "body": "a=1"})
    with pytest.raises(RenderError, match="`body` cannot be used with content_type form"):
        render_request(method, "ping", make_lead())


def test_a_template_that_renders_a_non_json_object_is_refused() -> None:
    method = make_method({"content_type": "json", "body": "{{ lead.items }}"})
    with pytest.raises(RenderError, match="cannot be written as JSON"):
        render_request(method, "ping", make_lead())


# --------------------------------------------------------------------------- XML 1.0 limits


def test_xml_illegal_lead_characters_are_a_lead_error_naming_every_field() -> None:
    method = make_method({"content_type": "xml", "mappings": MAPPINGS})
    lead = make_lead(FirstName="A\x00da", Note="\x1b[31m")
    with pytest.raises(LeadError) as info:
        render_request(method, "ping", lead)
    assert info.value.problems == [
        "FirstName: U+0000 at position 1 cannot be carried in XML 1.0, which acme ping sends",
        "Note: U+001B at position 0 cannot be carried in XML 1.0, which acme ping sends",
    ]


def test_the_same_lead_goes_fine_as_json() -> None:
    request = ping("json", lead=make_lead(FirstName="A\x00da"))
    assert json.loads(request.body)["contact"]["name"] == "A\x00da"


def test_xml_illegal_characters_from_a_capture_are_a_render_error() -> None:
    method = make_method(post={"content_type": "xml", "mappings": {"id": {"capture": "id"}}})
    with pytest.raises(RenderError, match="acme post: a value from a template or capture"):
        render_request(method, "post", make_lead(), captures={"id": "a\x07b"})


def test_xml_keeps_cr_tab_and_newline_through_a_parser() -> None:
    value = "a\r\nb\tc\rd "
    request = ping("xml", lead=make_lead(FirstName=value))
    assert ElementTree.fromstring(request.body).findtext("contact/name") == value


# --------------------------------------------------------------------------- form encoding


@settings(max_examples=200, deadline=None, database=None)
@given(st.dictionaries(st.text(), st.text()))
def test_form_encoding_matches_urlencode_and_its_own_grammar(fields: dict[str, str]) -> None:
    encoded = encode_pairs(fields)
    assert encoded == urlencode(fields)
    parse_back("form", encoded.encode("ascii"))


@pytest.mark.parametrize("body", [b"a", b"a=1&", b"a=1&&b=2", b"a=%zz", b"a=b=c", b"a=\n"])
def test_a_malformed_form_body_does_not_parse(body: bytes) -> None:
    with pytest.raises(BodyError, match="the rendered form body does not parse"):
        parse_back("form", body)


def test_the_prebuilt_parse_back_decoder_reads_bytes_as_json_loads_does() -> None:
    """Same values and same errors as `json.loads` (BOMs, UTF-16, NaN refused, bad bytes)."""
    import json

    from pingpost.render.bodies import _loads, _refuse_constant

    cases = [
        b'{"a": 1}',
        b'\xef\xbb\xbf{"a": 1}',
        '{"a": "é"}'.encode("utf-16"),
        b'{"a": NaN}',
        b'{"a": \xff}',
        b"[1, 2",
        b"",
    ]

    def outcome(parse: Any, body: bytes) -> tuple[str, str]:
        try:
            return "ok", repr(parse(body))
        except ValueError as exc:
            return type(exc).__name__, str(exc)

    for body in cases:
        expected = outcome(lambda b: json.loads(b, parse_constant=_refuse_constant), body)
        assert outcome(_loads, body) == expected, body
