"""`decode`, `error` rules and the outcome order, captures on every outcome, reason
defaults, cookies and repeated headers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pingpost.exchange import RawResponse
from pingpost.responses import interpret

from .helpers import JSON, answer, failed, rules, verdict

# --------------------------------------------------------------------------- decode

SOAP = """<?xml version="1.0" encoding="utf-8"?><soap:Envelope
 xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><SubmitResponse
 xmlns="http://tempuri.org/"><SubmitResult>{}</SubmitResult></SubmitResponse></soap:Body></soap:Envelope>"""
INNER = (
    "&lt;Result&gt;&lt;Status&gt;Accepted&lt;/Status&gt;&lt;Price&gt;7.25&lt;/Price&gt;"
    "&lt;/Result&gt;"
)
SOAP_RULES = rules(
    """
    format: xml
    decode: [{path: Envelope.Body.SubmitResponse.SubmitResult, as: xml}]
    accept: {path: Envelope.Body.SubmitResponse.SubmitResult.Result.Status, equals: Accepted}
    bid: Envelope.Body.SubmitResponse.SubmitResult.Result.Price
    """
)


def test_decode_an_escaped_xml_string_inside_a_soap_result() -> None:
    outcome = interpret(SOAP_RULES, answer(SOAP.format(INNER), 200, "text/xml"))
    assert (outcome.status, outcome.bid) == ("accepted", Decimal("7.25"))
    result = outcome.decoded["Envelope"]["Body"]["SubmitResponse"]["SubmitResult"]
    assert result == {"Result": {"Status": "Accepted", "Price": "7.25"}}  # the trace shows it


def test_decode_a_cdata_result_and_one_with_attributes() -> None:
    cdata = "<![CDATA[<Result><Status>Accepted</Status><Price>7.25</Price></Result>]]>"
    assert interpret(SOAP_RULES, answer(SOAP.format(cdata), 200, "text/xml")).status == "accepted"
    typed = SOAP.replace("<SubmitResult>", '<SubmitResult type="string">').format(INNER)
    assert interpret(SOAP_RULES, answer(typed, 200, "text/xml")).bid == Decimal("7.25")


def test_decode_a_json_string_inside_json() -> None:
    r = rules(
        """
        decode: [{path: d, as: json}, {path: d.inner, as: form}]
        accept: {path: d.result, equals: ok}
        bid: d.price
        capture: {id: d.inner.id}
        """
    )
    body = '{"d": "{\\"result\\": \\"ok\\", \\"price\\": 3.5, \\"inner\\": \\"id=77&x=1\\"}"}'
    outcome = interpret(r, answer(body, 200, JSON))
    assert (outcome.status, outcome.bid, dict(outcome.captures)) == (
        "accepted",
        Decimal("3.5"),
        {"id": "77"},
    )


@pytest.mark.parametrize("phase", ["ping", "post"])
def test_a_string_that_does_not_parse_is_an_error_naming_its_path(phase: str) -> None:
    body = SOAP.format("&lt;Result&gt;&lt;Status&gt;Accepted")
    outcome = interpret(SOAP_RULES, answer(body, 200, "text/xml"), phase=phase)
    assert outcome.status == ("error" if phase == "ping" else "in_doubt")
    assert outcome.reason == (
        "decode Envelope.Body.SubmitResponse.SubmitResult as xml: not xml: no element found: "
        "line 1, column 24"
    )
    seen = verdict(outcome, "decode")
    assert (seen.description, seen.matched) == (
        "decode Envelope.Body.SubmitResponse.SubmitResult as xml",
        False,
    )
    bad_json = interpret(
        rules("{decode: [{path: d, as: json}]}"), answer('{"d": "{nope"}', 200, JSON)
    )
    assert bad_json.status == "error"
    assert (bad_json.reason or "").startswith("decode d as json: not json: Expecting property name")


def test_decode_refuses_a_doctype_inside_the_string_too() -> None:
    """P9 holds for documents inside strings: no entity is expanded."""
    inner = "&lt;!DOCTYPE x [&lt;!ENTITY a 'aaaa'&gt;]&gt;&lt;x&gt;&amp;a;&lt;/x&gt;"
    outcome = interpret(SOAP_RULES, answer(SOAP.format(inner), 200, "text/xml"))
    assert outcome.status == "error"
    assert "DOCTYPE" in (outcome.reason or "")


@pytest.mark.parametrize("result", ["", "   ", "<x/>"])
def test_a_missing_empty_or_decoded_value_is_left_as_it_is(result: str) -> None:
    body = SOAP.format(result)
    outcome = interpret(SOAP_RULES, answer(body, 200, "text/xml"))
    assert outcome.status == "rejected"  # nothing to decode: the rules see what is there
    missing = rules("{decode: [{path: a.b.c, as: json}], accept: {path: ok}}")
    assert interpret(missing, answer('{"ok": true}', 200, JSON)).status == "accepted"


# --------------------------------------------------------------------------- error rules

ERROR_RULES = rules(
    """
    error: {path: status, equals: error}
    reject: {path: status, equals: rejected}
    accept: {path: status, equals: success}
    reason: message
    capture: {ref: ref}
    """
)
BUSY = '{"status": "error", "message": "system busy", "ref": "R-1"}'


def test_an_error_rule_makes_a_ping_an_error_with_its_reason() -> None:
    outcome = interpret(ERROR_RULES, answer(BUSY, 200, JSON))
    assert (outcome.status, outcome.reason) == ("error", "system busy")
    assert outcome.decided_by == 'error: path status equals "error"'
    assert outcome.captures == {"ref": "R-1"}
    no_reason = interpret(ERROR_RULES, answer('{"status": "error"}', 200, JSON))
    assert no_reason.reason == 'error: path status equals "error"'  # the rule says why


def test_an_error_rule_on_a_post_is_a_definitive_error() -> None:
    outcome = interpret(ERROR_RULES, answer(BUSY, 200, JSON), phase="post")
    assert (outcome.status, outcome.reason) == ("error", "system busy")
    assert outcome.decided_by.endswith("(the buyer answered: not in doubt)")
    # the same answer with a 5xx may have been taken: P6 decides before the rule
    assert interpret(ERROR_RULES, answer(BUSY, 503, JSON), phase="post").status == "in_doubt"


def test_an_error_rule_that_cannot_run_does_not_match() -> None:
    r = rules("{error: {path: status, equals: error}, accept: {contains: OK}}")
    assert interpret(r, answer("OK", 200, "text/plain")).status == "accepted"


ORDER = rules(
    """
    status: {404: reject, 409: error}
    error: {contains: ERR}
    reject: {contains: REJ}
    accept: {contains: ACC}
    """
)


@pytest.mark.parametrize(
    ("response", "phase", "status", "decided_by"),
    [
        # 1. transport before everything
        (failed(may_have_arrived=True), "ping", "error", "transport: timeout"),
        (failed(may_have_arrived=True), "post", "in_doubt", "transport: timeout"),
        # 2. the status map before any rule, whatever the body says
        (answer("ERR REJ ACC", 404), "ping", "rejected", "status 404 → reject"),
        (answer("ERR REJ ACC", 409), "ping", "error", "status 409 → error"),
        (answer("ERR REJ ACC", 409), "post", "in_doubt", "status 409 → error"),
        (answer("ERR REJ ACC", 500), "ping", "error", "HTTP 5xx → error"),
        # 3. error before reject and accept
        (answer("ERR REJ ACC", 200), "ping", "error", 'error: contains "ERR"'),
        (answer("ERR REJ ACC", 200), "post", "error", 'error: contains "ERR"'),
        # 4. reject before accept
        (answer("REJ ACC", 200), "ping", "rejected", 'reject: contains "REJ"'),
        (answer("REJ ACC", 200), "post", "rejected", 'reject: contains "REJ"'),
        # 5. accept
        (answer("ACC", 200), "ping", "accepted", 'accept: contains "ACC"'),
        (answer("ACC", 200), "post", "accepted", 'accept: contains "ACC"'),
        # nothing matched
        (answer("nothing", 200), "ping", "rejected", "no accept rule matched"),
    ],
)
def test_the_outcome_order(response: RawResponse, phase: str, status: str, decided_by: str) -> None:
    outcome = interpret(ORDER, response, phase=phase)  # type: ignore[arg-type]
    assert outcome.status == status
    assert outcome.decided_by.startswith(decided_by)


# --------------------------------------------------------------------------- captures


def test_captures_are_read_on_every_outcome() -> None:
    r = rules("{reject: {path: ok, equals: false}, capture: {ref: ref}}")
    assert interpret(r, answer('{"ok": false, "ref": "X-1"}', 200, JSON)).captures == {"ref": "X-1"}
    assert interpret(r, answer('{"ref": "X-2"}', 503, JSON)).captures == {"ref": "X-2"}
    assert interpret(r, failed(may_have_arrived=True)).captures == {}  # no answer: nothing


# --------------------------------------------------------------------------- reasons


@pytest.mark.parametrize(
    "message",
    ["null", '""', '"   "', "[]", "[null]", '["", null, "  "]', "[[], null]"],
)
def test_a_reason_default_stands_in_for_an_empty_value(message: str) -> None:
    r = rules('{reject: {path: ok, equals: false}, reason: {path: message, default: "declined"}}')
    outcome = interpret(r, answer(f'{{"ok": false, "message": {message}}}', 200, JSON))
    assert outcome.reason == "declined"
    assert verdict(outcome, "reason").detail.endswith('default "declined"')
    missing = interpret(r, answer('{"ok": false}', 200, JSON))
    assert missing.reason == "declined"


def test_a_list_of_reasons_drops_its_empty_items() -> None:
    r = rules("{reject: {path: ok, equals: false}, reason: errors}")
    body = '{"ok": false, "errors": ["too old", null, "", "  ", "no coverage"]}'
    assert interpret(r, answer(body, 200, JSON)).reason == "too old; no coverage"


def test_a_fixed_reason_without_a_source() -> None:
    r = rules('{reject: {path: ok, equals: false}, reason: {default: "declined"}}')
    outcome = interpret(r, answer('{"ok": false, "message": "ignored"}', 200, JSON))
    assert outcome.reason == "declined"
    assert verdict(outcome, "reason").description == 'fixed "declined"'
    accepted = interpret(r, answer('{"ok": true}', 200, JSON))
    assert (accepted.status, accepted.reason) == ("accepted", None)  # a default explains "no"


def test_defaults_on_other_extractors() -> None:
    r = rules('{bid: {path: price, default: 5}, capture: {ref: {path: ref, default: "none"}}}')
    outcome = interpret(r, answer('{"price": "", "ref": []}', 200, JSON))
    assert (outcome.bid, dict(outcome.captures)) == (Decimal(5), {"ref": "none"})


# --------------------------------------------------------------------------- cookies, headers


def with_headers(*pairs: tuple[str, str]) -> RawResponse:
    return RawResponse(200, (("Content-Type", JSON), *pairs), b'{"ok": true}')


ONE = with_headers(("Set-Cookie", "session=abc123; Path=/; HttpOnly"))
SEVERAL = with_headers(
    ("Set-Cookie", "tracking=t-1; Path=/"),
    ("Set-Cookie", 'session="s-9"; Secure'),
    ("Set-Cookie", "lang=en"),
    ("X-Trace", "a"),
    ("set-cookie", "tracking=t-2"),
)


@pytest.mark.parametrize(
    ("response", "extractor", "expected"),
    [
        (ONE, "{cookie: session}", "abc123"),
        (ONE, "{cookie: Session}", None),  # names are case-sensitive
        (SEVERAL, "{cookie: session}", "s-9"),  # quotes removed
        (SEVERAL, "{cookie: lang}", "en"),
        (SEVERAL, "{cookie: tracking}", "t-2"),  # a later one replaces an earlier one
        (SEVERAL, "{cookie: missing, default: none}", "none"),
        (SEVERAL, "{header: Set-Cookie}", "tracking=t-1; Path=/"),  # the first
        (SEVERAL, "{header: Set-Cookie, matches: '^session='}", 'session="s-9"; Secure'),
        (SEVERAL, "{header: set-cookie, matches: 'lang'}", "lang=en"),
        (SEVERAL, "{header: Set-Cookie, matches: '^nothing'}", None),
    ],
)
def test_cookies_and_repeated_headers(response: RawResponse, extractor: str, expected: str) -> None:
    outcome = interpret(rules(f"{{capture: {{v: {extractor}}}}}"), response)
    assert outcome.captures.get("v") == expected


def test_header_conditions_over_repeated_headers() -> None:
    def status(condition: str) -> str:
        return interpret(rules(f"{{accept: {condition}}}"), SEVERAL).status

    assert status("{header: Set-Cookie, matches: '^lang=en'}") == "accepted"
    assert status("{header: Set-Cookie, equals: lang=en}") == "accepted"  # any of its values
    assert status("{header: Set-Cookie, matches: '^fr'}") == "rejected"
    assert status("{header: X-Missing}") == "rejected"
