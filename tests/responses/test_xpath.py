"""`xpath` over XML (namespaced SOAP) and HTML, on the document as received."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pingpost.responses import interpret

from .helpers import answer, rules, verdict

SOAP = """<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soap:Body>
    <SubmitResponse xmlns="http://tempuri.org/">
      <SubmitResult>
        <Status>Accepted</Status>
        <Price>11.25</Price>
        <Ref xsi:nil="true"/>
        <Notes><Note>one</Note><Note>two</Note></Notes>
      </SubmitResult>
    </SubmitResponse>
  </soap:Body>
</soap:Envelope>"""
XML = "text/xml; charset=utf-8"


def xpath(expression: str, body: str = SOAP, fmt: str = "xml", **extra: object) -> object:
    r = rules(f"{{format: {fmt}, capture: {{v: {{xpath: {expression!r}}}}}}}")
    if extra:
        r = r.model_copy(update=extra)
    outcome = interpret(r, answer(body, 200, XML if fmt != "html" else "text/html"))
    return outcome.captures.get("v"), verdict(outcome, "capture.v")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # local-name() works on any namespace
        ("//*[local-name()='Status']/text()", "Accepted"),
        ("string(//*[local-name()='Price'])", "11.25"),
        # the document's own prefixes work as written
        ("local-name(//soap:Body/*)", "SubmitResponse"),
        ("name(/soap:Envelope)", "soap:Envelope"),
        ("//soap:Body/*/*/*[local-name()='Ref']/@xsi:nil", "true"),
        # an element's value is its string value (its text nodes joined), whitespace normalized
        ("//*[local-name()='Notes']", "onetwo"),
        ("//*[local-name()='SubmitResult']/*[1]", "Accepted"),
        # numbers and booleans from XPath functions
        ("count(//*[local-name()='Note'])", "2"),
        ("sum(//*[local-name()='Price']) * 2", "22.5"),
        ("boolean(//soap:Fault)", "false"),
        # unprefixed names are elements in no namespace: nothing here
        ("//Status/text()", None),
    ],
)
def test_xpath_over_namespaced_soap(expression: str, expected: str | None) -> None:
    found, _ = xpath(expression)
    assert found == expected


def test_the_responses_namespaces_name_a_default_namespace() -> None:
    found, _ = xpath("//t:SubmitResult/t:Price/text()", namespaces={"t": "http://tempuri.org/"})
    assert found == "11.25"
    found, seen = xpath("//t:SubmitResult/t:Price/text()")  # `t` is not declared anywhere
    assert found is None
    assert "Undefined namespace prefix" in seen.detail


def test_xpath_rules_decide_and_extract_on_soap() -> None:
    r = rules(
        """
        format: xml
        namespaces: {t: "http://tempuri.org/"}
        error: {xpath: //soap:Fault}
        accept: {xpath: "//t:Status", equals: accepted}
        bid: {xpath: "//t:Price"}
        """
    )
    outcome = interpret(r, answer(SOAP, 200, XML))
    assert (outcome.status, outcome.bid) == ("accepted", Decimal("11.25"))
    fault = SOAP.replace(
        "<SubmitResponse", "<soap:Fault><faultstring>busy</faultstring></soap:Fault><X"
    )
    fault = fault.replace("</SubmitResponse>", "</X>")
    assert interpret(r, answer(fault, 200, XML)).status == "error"


def test_xpath_under_format_auto_on_an_xml_body() -> None:
    r = rules("{accept: {xpath: \"//*[local-name()='Status']\", equals: Accepted}}")
    assert interpret(r, answer(SOAP, 200, XML)).status == "accepted"


PAGE = """<html><body><div id=main><table><tr><td>Ref<td id=ref>R-99</table>
<div class="result accepted"><span class=price>7.50</span><a class=next href="/p/1">go</a>
</foo><p>unclosed"""


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("//td[@id='ref']/text()", "R-99"),
        ("//table/tbody/tr/td[2]", "R-99"),  # the browser's tbody is there too
        ("//div[contains(@class, 'accepted')]/span", "7.50"),
        ("//a[@class='next']/@href", "/p/1"),
        ("count(//p)", "1"),
        ("//span[@class='missing']", None),
    ],
)
def test_xpath_over_html(expression: str, expected: str | None) -> None:
    found, _ = xpath(expression, PAGE, fmt="html")
    assert found == expected


def test_xpath_under_format_auto_on_an_html_page() -> None:
    r = rules("{accept: {xpath: \"//td[@id='ref']\", equals: R-99}}")
    assert interpret(r, answer(PAGE, 200, "text/html; charset=utf-8")).status == "accepted"
    broken_xml = "<Result><Status>ok</Result>"  # not xml, and not read as a page either
    outcome = interpret(rules('{accept: {xpath: "//Status"}}'), answer(broken_xml, 200, XML))
    assert outcome.status == "error" and "not xml" in (outcome.reason or "")


def test_xpath_cannot_run_on_json_nor_on_refused_xml() -> None:
    r = rules('{accept: {xpath: "//x"}}')
    outcome = interpret(r, answer('{"x": 1}', 200, "application/json"))
    assert outcome.status == "error"
    assert outcome.reason == "`xpath` reads xml or html answers; this body is json"
    # P9: a DOCTYPE is refused before anything parses it, XPath included
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    outcome = interpret(r, answer(bomb, 200, XML))
    assert outcome.status == "error"
    assert "DOCTYPE" in (outcome.reason or "")


def test_a_bad_xpath_is_a_rule_that_cannot_run() -> None:
    outcome = interpret(rules('{format: xml, accept: {xpath: "//["}}'), answer(SOAP, 200, XML))
    assert outcome.status == "error"
    assert (outcome.reason or "").startswith("invalid XPath '//['")
