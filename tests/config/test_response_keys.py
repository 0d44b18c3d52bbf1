"""`validate` on the response language's newer keys and on digest/oauth2 auth: each
problem at the exact line and column, with what to do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import METHOD, check, found

ACCEPT = "    accept: {path: status, equals: ok}"
BID = "    bid: price"
AUTH_AT = "  timeout: 1.0\n"
EXAMPLE = """      response: {body: '{"status": "ok", "price": "12.50", "token": "t-1"}'}"""

CASES = {
    "a selector needs format: html": (
        ACCEPT,
        "    accept: {selector: div.ok}",
        (11, 14, "`selector` reads HTML answers: set `format: html` in this response (it has "
         "`format: auto`)"),
    ),
    "a selector that does not parse": (
        f"{ACCEPT}\n{BID}",
        "    format: html\n    accept: {selector: 'div['}\n    bid: {selector: span.price}",
        (12, 24, "invalid CSS selector 'div['"),
    ),
    "an xpath that does not parse": (
        ACCEPT,
        "    accept: {xpath: '//['}",
        (11, 21, "invalid XPath '//[': Invalid expression"),
    ),
    "an xpath on json": (
        ACCEPT,
        "    format: json\n    accept: {xpath: '//ok'}",
        (12, 14, "`xpath` reads xml or html answers; this response has `format: json` (use "
         "`format: xml`, `html` or `auto`)"),
    ),
    "a decode path that is not plain keys": (
        ACCEPT,
        f"    decode: [{{path: 'items[0].doc', as: xml}}]\n{ACCEPT}",
        (11, 21, "decode path `items[0].doc` must be plain keys joined by dots (e.g. "
         "Envelope.Body.SubmitResult): it names the one string to replace"),
    ),
    "decode as an unknown format": (
        ACCEPT,
        f"    decode: [{{path: doc, as: yaml}}]\n{ACCEPT}",
        (11, 30, "delivery_method `acme` ping.response.decode[0].as: expected one of xml, json, "
         "form, got `yaml`"),
    ),
    "decode on a text answer": (
        ACCEPT,
        "    format: text\n    decode: [{path: doc, as: json}]\n    accept: {regex: ok}",
        (12, 5, "`decode` reads strings inside a json, xml or form answer; this response has "
         "`format: text`"),
    ),
    "a header condition's regex": (
        ACCEPT,
        "    accept: {header: X-A, matches: '('}",
        (11, 36, "invalid regex '(': missing ), unterminated subpattern at position 0"),
    ),
    "an error rule's regex": (
        ACCEPT,
        f"    error: {{regex: '('}}\n{ACCEPT}",
        (11, 20, "invalid regex '(': missing ), unterminated subpattern at position 0"),
    ),
    "an extractor with two sources": (
        BID,
        "    bid: {path: price, cookie: p}",
        (12, 10, "delivery_method `acme` ping.response.bid: an extractor needs exactly one of "
         "`path`, `regex`, `header`, `cookie`, `selector`, `xpath`, or only a `default`"),
    ),
    "matches without header": (
        BID,
        "    bid: {path: price, matches: x}",
        (12, 10, "delivery_method `acme` ping.response.bid: `matches` picks among repeated "
         "headers: use it with `header`"),
    ),
    "a namespace prefix": (
        ACCEPT,
        f"    namespaces: {{'1x': urn:a}}\n{ACCEPT}",
        (11, 18, "`1x` is not a namespace prefix: a name like `t` or `soap`, not starting with "
         "`xml`"),
    ),
    "a token_url that is not http": (
        AUTH_AT,
        AUTH_AT + "  auth: {type: oauth2, token_url: 'ftp://x', client_id: a, client_secret: b}\n",
        (7, 35, "`ftp://x` is not an http:// or https:// URL with a host"),
    ),
    "oauth2 without its secret": (
        AUTH_AT,
        AUTH_AT + "  auth: {type: oauth2, token_url: 'https://x/t', client_id: a}\n",
        (7, 3, "missing key `client_secret` in delivery_method `acme` ping.auth"),
    ),
    "an example header that is not a pair": (
        EXAMPLE,
        EXAMPLE.replace("{body", "{headers: [[Set-Cookie, a=1], [Set-Cookie]], body"),
        (25, 27, "delivery_method `acme` examples[0].ping.response.headers: item 1: a header in "
         "a list is a [name, value] pair, got ['Set-Cookie']"),
    ),
}  # fmt: skip


def without_post_auth_warning(problems: list[Any]) -> list[Any]:
    """These cases give the ping an auth and leave the post's alone, which validate warns
    about (tests/config/test_wire_checks.py); the cases are about other things."""
    return [p for p in problems if not p[3].startswith("the ping sends `auth`")]


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_problem_at_its_line(tmp_path: Path, case: str) -> None:
    old, new, (line, column, message) = CASES[case]
    assert old in METHOD
    report = check(tmp_path, {"methods/acme.yaml": METHOD.replace(old, new, 1)})
    assert without_post_auth_warning(found(report)) == [("acme.yaml", line, column, message)]


VALID = {
    "html rules": (
        f"{ACCEPT}\n{BID}",
        "    format: html\n    error: {contains: unavailable}\n"
        "    accept: {selector: 'div.result', exists: true}\n"
        "    bid: {selector: 'span.price'}\n    reason: {default: declined}",
    ),
    "xml with xpath and decode": (
        ACCEPT,
        "    format: xml\n    namespaces: {t: 'urn:t'}\n"
        "    decode: [{path: Envelope.Body.Result, as: xml}]\n"
        "    accept: {xpath: '//t:Status', equals: ok}",
    ),
    "cookies and repeated headers": (
        BID,
        "    bid: {header: X-Bid, matches: '^[0-9]'}\n    reason: {cookie: why, default: none}",
    ),
    "digest auth": (AUTH_AT, AUTH_AT + "  auth: {type: digest, username: u, password: pw123456}\n"),
    "oauth2 auth": (
        AUTH_AT,
        AUTH_AT + "  auth: {type: oauth2, token_url: 'https://a.example/t', client_id: c, "
        "client_secret: s3cr3t-value, scope: [a, b], client_auth: body, params: {audience: x}}\n",
    ),
}


@pytest.mark.parametrize("case", list(VALID), ids=list(VALID))
def test_the_new_keys_validate(tmp_path: Path, case: str) -> None:
    old, new = VALID[case]
    # static checks only: the method's examples were written for its JSON rules
    report = check(tmp_path, {"methods/acme.yaml": METHOD.replace(old, new, 1)}, behaviour=False)
    assert without_post_auth_warning(found(report)) == []


def test_examples_declare_repeated_headers_as_pairs(tmp_path: Path) -> None:
    method = METHOD.replace(BID, f"{BID}\n    reason: {{cookie: why}}", 1).replace(
        EXAMPLE,
        EXAMPLE.replace(
            "{body", "{headers: [[Set-Cookie, why=busy], [Set-Cookie, why=late]], body"
        ),
    )
    method = method.replace(
        'expect: {outcome: accepted, bid: "12.50", capture: {token: t-1}}',
        'expect: {outcome: accepted, bid: "12.50", reason: late, capture: {token: t-1}}',
    )
    assert found(check(tmp_path, {"methods/acme.yaml": method})) == []
    wrong = method.replace("reason: late", "reason: busy")
    (problem,) = found(check(tmp_path, {"methods/acme.yaml": wrong}))
    assert problem[3] == "example `sold` ping: expected reason `busy`, got `late`"
