"""Decoding bodies: formats, auto-detection, charsets, and bodies that do not decode."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pingpost.responses import decode_body
from pingpost.responses.decode import BodyFormat, body_text, sniff

JSON = "application/json"


@pytest.mark.parametrize(
    ("content_type", "body", "decoded_as"),
    [
        ("application/json", '{"a": 1}', "json"),
        ("application/json; charset=utf-8", '{"a": 1}', "json"),
        ("application/vnd.api+json", '{"a": 1}', "json"),
        ("text/json", "[1]", "json"),
        ("application/xml", "<a>1</a>", "xml"),
        ("text/xml; charset=utf-8", "<a>1</a>", "xml"),
        ("application/soap+xml", "<a>1</a>", "xml"),
        ("application/x-www-form-urlencoded", "a=1&b=2", "form"),
        ("text/plain", "OK", "text"),
        (None, "OK", "text"),
    ],
)
def test_auto_trusts_the_content_type(content_type: str | None, body: str, decoded_as: str) -> None:
    decoded = decode_body(body.encode(), content_type)
    assert decoded.format == decoded_as
    assert decoded.error is None


@pytest.mark.parametrize(
    ("body", "decoded_as"),
    [
        ('  {"a": 1}', "json"),
        ("[1, 2]", "json"),
        ("\n<Result><A>1</A></Result>", "xml"),
        ("status=ok&price=4.30", "form"),
        ("success=true", "form"),
        ("OK", "text"),
        ("price = 4.30", "text"),  # spaces: not a form body
        ("a=1&&b=2", "text"),  # an empty pair: not a form body
        ("", "text"),
    ],
)
def test_auto_sniffs_when_the_content_type_names_no_format(body: str, decoded_as: str) -> None:
    for content_type in (None, "text/plain", "application/octet-stream"):
        assert decode_body(body.encode(), content_type).format == decoded_as


def test_sniff_shapes() -> None:
    assert sniff("{") == "json"
    assert sniff("<x/>") == "xml"
    assert sniff("<x/>", allow_xml=False) == "text"
    assert sniff("a=b&c=d") == "form"
    assert sniff("hello") == "text"


def test_a_misleading_content_type_falls_back_to_the_body_shape() -> None:
    decoded = decode_body(b"<Result><Success>true</Success></Result>", "application/json")
    assert decoded.format == "xml"
    assert decoded.data == {"Result": {"Success": "true"}}
    decoded = decode_body(b'{"Success": true}', "text/xml")
    assert (decoded.format, decoded.data) == ("json", {"Success": True})


def test_json_sent_as_html_is_json_but_an_html_page_is_text() -> None:
    assert decode_body(b'{"ok": true}', "text/html").data == {"ok": True}
    page = b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"
    decoded = decode_body(page, "text/html; charset=utf-8")
    assert (decoded.format, decoded.error) == ("text", None)
    assert "502 Bad Gateway" in decoded.text


def test_xml_with_its_declaration_sent_as_html_is_xml() -> None:
    body = b'<?xml version="1.0"?><Result><Success>true</Success></Result>'
    assert decode_body(body, "text/html").data == {"Result": {"Success": "true"}}
    assert decode_body(b"<html><body>OK</body></html>", "text/html").format == "text"


@pytest.mark.parametrize(
    ("body", "content_type", "fmt", "unreadable"),
    [
        (b'{"a": 1}', JSON, "auto", None),
        (b"<a>1</a>", None, "auto", None),
        (b"a=1", None, "auto", None),
        (b"OK", None, "auto", "body is text, not json, xml or form"),
        (b"  ", JSON, "auto", "body is not json: empty body"),
        (b"", None, "auto", "body is empty"),
        (b"OK", None, "text", None),  # format: text makes `path: "@"` the text
        (b"{oops", None, "json", "body is not json: Expecting property name enclosed in"),
    ],
)
def test_when_path_rules_can_read_a_body(
    body: bytes, content_type: str | None, fmt: str, unreadable: str | None
) -> None:
    problem = decode_body(body, content_type, fmt).unreadable()  # type: ignore[arg-type]
    if unreadable is None:
        assert problem is None
    else:
        assert problem is not None
        assert problem.startswith(unreadable)


def test_malformed_json_keeps_its_text_and_says_why() -> None:
    body = b'{ "Success": false, "Payout": null, "Errors": [ "x" ] "Sold": null }'
    decoded = decode_body(body, "application/json")
    assert decoded.data is None
    assert decoded.format == "text"
    assert decoded.error == "not json: Expecting ',' delimiter (line 1, column 55)"
    assert decoded.text == body.decode()


@pytest.mark.parametrize(
    ("fmt", "body", "error"),
    [
        ("json", "OK", "not json: Expecting value (line 1, column 1)"),
        ("json", "", "not json: empty body"),
        ("json", "{ id: a8c75ef7, price: 4.30 }", "not json: Expecting property name"),
        ("xml", "<a><b></a>", "not xml: mismatched tag"),
        ("xml", "", "not xml: empty body"),
        ("xml", "<Code>OK</code>", "not xml: mismatched tag"),
        ("form", "hello world", "not form: bad query field"),
    ],
)
def test_explicit_formats_do_not_fall_back(fmt: str, body: str, error: str) -> None:
    decoded = decode_body(body.encode(), "text/plain", fmt)  # type: ignore[arg-type]
    assert decoded.data is None
    assert decoded.error is not None
    assert decoded.error.startswith(error)
    assert decoded.text == body


def test_explicit_text_keeps_the_text_as_data() -> None:
    decoded = decode_body(b'{"a": 1}', "application/json", "text")
    assert (decoded.format, decoded.data, decoded.error) == ("text", '{"a": 1}', None)


def test_form_bodies_become_a_dict_with_repeated_names_as_lists() -> None:
    decoded = decode_body(b"status=ok&Lead.Id=5&msg=a+b%21&e=&tag=x&tag=y&tag=z", None, "form")
    assert decoded.data == {
        "status": "ok",
        "Lead.Id": "5",
        "msg": "a b!",
        "e": "",
        "tag": ["x", "y", "z"],
    }


def test_numbers_and_literals_in_json() -> None:
    decoded = decode_body(b'{"a": 8.5, "b": NaN, "c": 1e309, "d": 12}', "application/json")
    assert decoded.data["a"] == 8.5
    assert decoded.data["d"] == 12
    assert decoded.data["b"] != decoded.data["b"]  # NaN, refused later as a bid
    assert decoded.data["c"] == float("inf")


def test_absurd_json_nesting_is_refused_not_crashing() -> None:
    deep = b"[" * 50_000 + b"]" * 50_000
    decoded = decode_body(deep, "application/json")
    assert decoded.data is None
    assert decoded.error is not None
    assert decoded.error.startswith("not json:")
    nested = b'{"a":' * 70 + b"1" + b"}" * 70
    assert decode_body(nested, "application/json").error == "not json: nested deeper than 64 levels"
    ok = b'{"a":' * 60 + b"1" + b"}" * 60
    assert decode_body(ok, "application/json").error is None
    wide = ("[" + ",".join(["[1]"] * 500) + "]").encode()  # many brackets, shallow
    assert decode_body(wide, "application/json").error is None


def test_huge_json_integers_do_not_crash() -> None:
    decoded = decode_body(b'{"price": ' + b"9" * 5000 + b"}", "application/json")
    assert decoded.data is None
    assert decoded.error is not None


# --------------------------------------------------------------------------- text


def test_charset_from_the_content_type() -> None:
    body = "prix: 4,30 €".encode("cp1252")
    assert decode_body(body, "text/plain; charset=windows-1252").text == "prix: 4,30 €"
    assert decode_body(body, 'text/plain; charset="cp1252"').text == "prix: 4,30 €"


def test_utf8_by_default_with_replacement_for_bad_bytes() -> None:
    assert decode_body("Zoë".encode()).text == "Zoë"
    assert decode_body(b"ok \xff\xfe done").text == "ok \ufffd\ufffd done"


# P9: JSON and XML must be text in their encoding; text bodies stay lenient for regexes
BAD_JSON = b'{"status": "success", "name": "Jos\xe9", "price": "12.50"}'  # latin-1 é


@pytest.mark.parametrize("content_type", ["application/json", None, "text/html"])
def test_invalid_utf8_in_json_is_undecodable_and_names_the_byte(content_type: str | None) -> None:
    decoded = decode_body(BAD_JSON, content_type)
    assert (decoded.data, decoded.format) == (None, "text")
    assert decoded.error == "not json: invalid UTF-8 at byte 34"  # the \xe9 of José
    assert decoded.text == BAD_JSON.decode("utf-8", "replace")  # regexes still read it
    assert decoded.unreadable() == f"body is {decoded.error}"
    explicit = decode_body(BAD_JSON, None, "json")
    assert explicit.error == decoded.error and explicit.requested == "json"


def test_invalid_bytes_in_xml_are_undecodable_after_a_bom_or_declaration() -> None:
    body = b"<Result><Payout>8.50</Payout><Name>Jos\xe9</Name></Result>"
    assert decode_body(body, "application/xml").error == "not xml: invalid UTF-8 at byte 38"
    with_bom = b"\xef\xbb\xbf" + body
    assert decode_body(with_bom, "text/xml").error == "not xml: invalid UTF-8 at byte 41"
    declared = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + body
    assert decode_body(declared).data == {"Result": {"Payout": "8.50", "Name": "José"}}
    lone = "<r>".encode("utf-16-le") + b"\x00\xd8" + "A</r>".encode("utf-16-le")
    decoded = decode_body(b"\xff\xfe" + lone, "text/xml")  # a lone surrogate after a BOM
    assert decoded.error == "not xml: invalid UTF-16 at byte 8"


def test_valid_text_with_a_replacement_character_still_decodes() -> None:
    decoded = decode_body('{"name": "\ufffd"}'.encode(), "application/json")
    assert decoded.data == {"name": "\ufffd"} and decoded.error is None


@pytest.mark.parametrize("fmt", ["auto", "text", "form"])
def test_text_and_form_bodies_stay_lenient(fmt: BodyFormat) -> None:
    decoded = decode_body(b"price=5.05&name=Jos\xe9", None, fmt)
    assert decoded.error is None and "Jos\ufffd" in decoded.text


def test_an_unknown_charset_falls_back_to_utf8() -> None:
    assert decode_body("é".encode(), "text/plain; charset=klingon").text == "é"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_byte_order_mark_wins(encoding: str) -> None:
    body = '{"a": "é"}'.encode(encoding)
    decoded = decode_body(body, "application/json; charset=iso-8859-1")
    assert decoded.data == {"a": "é"}


def test_the_xml_declaration_names_the_encoding_when_the_header_does_not() -> None:
    body = '<?xml version="1.0" encoding="ISO-8859-1"?><r>Zoë</r>'.encode("latin-1")
    assert decode_body(body, "application/xml").data == {"r": "Zoë"}
    assert body_text(body) == '<?xml version="1.0" encoding="ISO-8859-1"?><r>Zoë</r>'


def test_json_numbers_decode_exactly_as_written() -> None:
    body = b'{"a": 12.123456789012345678901234567890, "b": 8.50, "c": 1e20, "d": -1e309}'
    data = decode_body(body, "application/json").data
    assert str(data["a"]) == "12.123456789012345678901234567890"
    assert str(data["b"]) == "8.50"
    assert data["c"] == Decimal("1e20")
    assert data["d"] == Decimal("-Infinity")  # beyond a double: infinity, as floats had it
