"""XML answers: namespaces stripped; DOCTYPE, entities and bombs refused (P9); memory bounded."""

from __future__ import annotations

import tracemalloc

import pytest

from pingpost.responses import decode_body, interpret
from pingpost.responses.xmlbody import XmlRefused, parse_xml

from .helpers import XML, answer, rules

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Result><Success>true</Success><Payout>&lol9;</Payout></Result>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Result><Success>true</Success><Message>&xxe;</Message></Result>"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/evil.dtd"> %ext;]>
<Result><Success>true</Success></Result>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE Result SYSTEM "http://127.0.0.1:9/result.dtd">
<Result><Success>true</Success></Result>"""

NAMESPACED = (
    '<?xml version="1.0" encoding="UTF-8"?><Result xmlns:xsd="http://www.w3.org/2001/XMLSchema"\n'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<TransactionId>ce34e151-6d00-488d-a465-3fa3cebe7ff9</TransactionId>\n"
    '<Success>true</Success><Payout>8.50</Payout><Sold xsi:nil="true" />'
    "<Environment>Testing</Environment></Result>"
)


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        XXE,
        PARAMETER_ENTITY,
        EXTERNAL_DTD,
        "<!doctype r><r/>",
        '<?xml version="1.0"?><!DocType r><r/>',
    ],
    ids=["billion-laughs", "xxe", "parameter-entity", "external-dtd", "lower", "mixed-case"],
)
def test_doctype_and_entities_are_refused_before_parsing(body: str) -> None:
    decoded = decode_body(body.encode(), XML)
    assert decoded.data is None
    assert decoded.error is not None
    assert decoded.error.startswith("not xml: a DOCTYPE or entity declaration is refused")


def test_an_encoding_trick_cannot_hide_a_doctype() -> None:
    """UTF-16 bytes do not contain b"<!DOCTYPE"; the scan runs on the decoded text."""
    body = XXE.replace('version="1.0"?', 'version="1.0" encoding="UTF-16"?').encode("utf-16")
    assert b"<!DOCTYPE" not in body
    decoded = decode_body(body, XML)
    assert decoded.error is not None
    assert "DOCTYPE" in decoded.error


def test_the_parser_refuses_a_doctype_even_without_the_scan() -> None:
    """Second line of defence: our expat parsers refuse DTDs on their own."""
    import xmltodict

    from pingpost.responses.xmlbody import _SafeExpat

    with pytest.raises(XmlRefused):
        xmltodict.parse(XXE, expat=_SafeExpat)
    with pytest.raises(XmlRefused):
        parse_xml(BILLION_LAUGHS)


def test_an_undeclared_entity_is_an_error_not_an_expansion() -> None:
    decoded = decode_body(b"<r>&xxe;</r>", XML)
    assert decoded.error == "not xml: undefined entity: line 1, column 3"


def test_refused_xml_never_counts_as_an_accepted_bid_through_path_rules() -> None:
    xml_rules = rules(
        "{format: xml, accept: {path: Result.Success, equals: true}, bid: Result.Payout}"
    )
    for body in (BILLION_LAUGHS, XXE):
        outcome = interpret(xml_rules, answer(body, content_type=XML))
        assert outcome.status == "error"  # P9: a refused body is the buyer's error
        assert outcome.bid is None
        assert outcome.decode_error is not None
        assert "root:" not in repr(outcome)  # nothing was fetched or expanded


def test_namespaces_are_stripped_from_tags_and_attributes() -> None:
    decoded = decode_body(NAMESPACED.encode(), "text/xml; charset=utf-8")
    assert decoded.error is None
    assert decoded.data == {
        "Result": {
            "TransactionId": "ce34e151-6d00-488d-a465-3fa3cebe7ff9",
            "Success": "true",
            "Payout": "8.50",
            "Sold": {"@nil": "true"},
            "Environment": "Testing",
        }
    }


def test_prefixed_elements_and_default_namespaces_are_stripped() -> None:
    soap = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        '<soap:Body><r:PingResponse xmlns:r="urn:buyer" xmlns="urn:default" r:version="2">'
        "<r:Price>5.05</r:Price><Status>Accepted</Status>"
        "</r:PingResponse></soap:Body></soap:Envelope>"
    )
    decoded = decode_body(soap.encode(), XML)
    assert decoded.data == {
        "Envelope": {
            "Body": {"PingResponse": {"@version": "2", "Price": "5.05", "Status": "Accepted"}}
        }
    }


def test_repeated_elements_become_a_list_and_text_with_attributes_a_dict() -> None:
    decoded = decode_body(b'<r><e>a</e><e>b</e><p currency="USD">4.30</p></r>', XML)
    assert decoded.data == {"r": {"e": ["a", "b"], "p": {"@currency": "USD", "#text": "4.30"}}}


def test_absurd_xml_nesting_is_refused() -> None:
    deep = b"<a>" * 10_000 + b"1" + b"</a>" * 10_000
    decoded = decode_body(deep, XML)
    assert decoded.error == "not xml: nested deeper than 64 levels"


def _peak_bytes(body: bytes, content_type: str) -> int:
    tracemalloc.start()
    try:
        decode_body(body, content_type)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<r>" + b"<e>12.50</e>" * 5_400 + b"</r>", XML),
        (b"<r>" + b'<e a="1" b="2"/>' * 4_000 + b"</r>", XML),
        (b"<a>" * 14_000 + b"</a>" * 5_000, XML),  # deep and unclosed
        (b"[" + b"1," * 32_000 + b"1]", "application/json"),
        (b"a=1&" * 16_000 + b"a=1", "application/x-www-form-urlencoded"),
        (b"x" * 65_536, "text/plain"),
    ],
    ids=["xml-many", "xml-attrs", "xml-deep", "json-long", "form-many", "text"],
)
def test_a_capped_64k_body_decodes_in_bounded_memory(body: bytes, content_type: str) -> None:
    assert len(body) <= 65_536
    # The transport caps bodies at max_response_bytes (64 KB by default); whatever
    # the shape, decoding one stays within a few MB.
    assert _peak_bytes(body, content_type) < 8 * 1024 * 1024
