"""Buyers behind auth, through the buyer logic's seam (`SandboxApp.handle`): the token
endpoint, bearer checks, digest challenges; and the html and soap styles."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from pydantic import ValidationError

from pingpost.responses.html import parse_html, select
from pingpost.responses.xmlbody import parse_xml
from pingpost.sandbox.buyers import SandboxApp
from pingpost.sandbox.markup import MARKUP_STYLES
from pingpost.sandbox.request import Request
from pingpost.sandbox.spec import SandboxSpec

SECRET = "top-secret-1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def app(clock: Clock | None = None, **extra: Any) -> SandboxApp:
    spec = SandboxSpec.model_validate(
        {
            "oauth2": {"clients": [{"client_id": "pp", "client_secret": SECRET}], "token_ttl": 60},
            "buyers": [
                {"name": "o", "style": "json_status", "ping_path": "/o/ping",
                 "post_path": "/o/post", "auth": {"type": "oauth2"}},
                {"name": "d", "style": "json_status", "ping_path": "/d/ping",
                 "post_path": "/d/post", "auth": {"type": "digest", "username": "u",
                 "password": "pw", "algorithm": "MD5"}},
            ],
            **extra,
        }
    )  # fmt: skip
    return SandboxApp(spec, clock=clock or Clock())


def request(path: str, body: bytes = b"", headers: dict[str, str] | None = None,
            method: str = "POST", query: str = "") -> Request:  # fmt: skip
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    content_type = lowered.setdefault("content-type", "application/json")
    return Request(method, path, query, content_type, body, lowered)


def token_for(sandbox: SandboxApp, **fields: str) -> Any:
    pair = base64.b64encode(f"pp:{SECRET}".encode()).decode()
    form = urlencode({"grant_type": "client_credentials", **fields}).encode()
    headers = {
        "Authorization": f"Basic {pair}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return sandbox.handle(request("/oauth/token", form, headers))


# --------------------------------------------------------------------------- token endpoint


def test_the_token_endpoint_issues_bearer_tokens() -> None:
    sandbox = app()
    plan = token_for(sandbox)
    assert plan.reply.status == 200
    answer = json.loads(plan.reply.body)
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 60
    assert len(answer["access_token"]) == 48
    body_auth = urlencode(
        {"grant_type": "client_credentials", "client_id": "pp", "client_secret": SECRET}
    ).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert sandbox.handle(request("/oauth/token", body_auth, form)).reply.status == 200
    (entry, _) = sandbox.ledger.entries(phase="token")
    assert (entry["buyer"], entry["outcome"], entry["body"]) == ("oauth2", "issued", "")


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "client_id": "pp", "client_secret": "x"},
         401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "zz", "client_secret": SECRET},
         401, "invalid_client"),
    ],
)  # fmt: skip
def test_the_token_endpoint_refuses(body: dict[str, str], status: int, error: str) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    plan = app().handle(request("/oauth/token", urlencode(body).encode(), form))
    assert (plan.reply.status, json.loads(plan.reply.body)) == (status, {"error": error})


def test_token_endpoint_faults() -> None:
    spec = {"clients": [{"client_id": "pp", "client_secret": SECRET}]}
    assert token_for(app(oauth2={**spec, "fault": "hang"})).action == "hang"
    assert token_for(app(oauth2={**spec, "fault": "http_500"})).reply.status == 500


# --------------------------------------------------------------------------- bearer buyers


def test_a_bearer_buyer_wants_a_live_token() -> None:
    clock = Clock()
    sandbox = app(clock)
    ping = b'{"zip": "1"}'
    refused = sandbox.handle(request("/o/ping", ping))
    assert refused.reply.status == 401
    assert ("WWW-Authenticate", 'Bearer realm="sandbox"') in refused.reply.headers
    token = json.loads(token_for(sandbox).reply.body)["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert sandbox.handle(request("/o/ping", ping, bearer)).reply.status == 200
    assert (
        sandbox.handle(request("/o/ping", ping, {"Authorization": "Bearer nope"})).reply.status
        == 401
    )
    clock.now += 61
    assert sandbox.handle(request("/o/ping", ping, bearer)).reply.status == 401
    notes = [e["note"] for e in sandbox.ledger.entries(phase="auth")]
    assert notes == [
        "ping: no bearer token",
        "ping: unknown bearer token",
        "ping: bearer token expired",
    ]
    assert len(sandbox.ledger.entries(phase="ping")) == 1  # refused requests are not pings


# --------------------------------------------------------------------------- digest buyers


def digest_answer(
    challenge: str, method: str, uri: str, password: str = "pw", nc: str = "00000001"
) -> str:
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    md5 = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731
    ha1, ha2 = md5(f"u:{params['realm']}:{password}"), md5(f"{method}:{uri}")
    response = md5(f"{ha1}:{params['nonce']}:{nc}:c0ffee:auth:{ha2}")
    return (
        f'Digest username="u", realm="{params["realm"]}", uri="{uri}", algorithm=MD5, '
        f'nonce="{params["nonce"]}", nc={nc}, cnonce="c0ffee", qop=auth, response="{response}"'
    )


def test_a_digest_buyer_challenges_then_lets_the_right_answer_in() -> None:
    clock = Clock()
    sandbox = app(clock)
    first = sandbox.handle(request("/d/ping", b'{"zip": "1"}'))
    assert first.reply.status == 401
    ((name, challenge),) = first.reply.headers
    assert name == "WWW-Authenticate" and challenge.startswith('Digest realm="sandbox", qop="auth"')
    good = {"Authorization": digest_answer(challenge, "POST", "/d/ping")}
    assert sandbox.handle(request("/d/ping", b'{"zip": "1"}', good)).reply.status == 200
    # the same nonce count again is a replay; a wrong password, uri or method is refused
    assert sandbox.handle(request("/d/ping", b'{"zip": "1"}', good)).reply.status == 401
    for wrong in (
        digest_answer(challenge, "POST", "/d/ping", password="nope", nc="00000002"),
        digest_answer(challenge, "POST", "/d/other", nc="00000003"),
        digest_answer(challenge, "GET", "/d/ping", nc="00000004"),
    ):
        assert (
            sandbox.handle(request("/d/ping", b"{}", {"Authorization": wrong})).reply.status == 401
        )
    clock.now += 301  # the nonce is stale: the challenge says so
    late = {"Authorization": digest_answer(challenge, "POST", "/d/ping", nc="00000005")}
    stale = sandbox.handle(request("/d/ping", b"{}", late))
    assert stale.reply.status == 401 and "stale=true" in stale.reply.headers[0][1]
    notes = [e["note"] for e in sandbox.ledger.entries(phase="auth")]
    assert notes[0] == "ping: digest challenge"
    assert notes[1:] == [
        "ping: digest refused: replayed nonce count",
        "ping: digest refused: wrong response (password?)",
        "ping: digest refused: uri '/d/other' is not the request's '/d/ping'",
        "ping: digest refused: wrong response (password?)",
        "ping: digest refused: stale nonce",
    ]


def test_an_oauth2_buyer_needs_a_token_endpoint() -> None:
    with pytest.raises(ValidationError, match="describe the token endpoint in `oauth2:`"):
        SandboxSpec.model_validate(
            {"buyers": [{"name": "o", "style": "json_status", "ping_path": "/p",
                         "post_path": "/q", "auth": {"type": "oauth2"}}]}
        )  # fmt: skip


# --------------------------------------------------------------------------- html and soap


def test_the_html_style_serves_sloppy_pages_with_a_cookie() -> None:
    style = MARKUP_STYLES["html"]
    accept = style.ping_accept("tok-123456789012", Decimal("12.50"))
    assert accept.content_type.startswith("text/html")
    assert accept.headers == (("Set-Cookie", "session=tok-12345678; Path=/; HttpOnly"),)
    page = parse_html(accept.body.decode())
    assert select(page, "div.result.accepted span.price") == "12.50"
    assert select(page, "input[name=lead_token]@value") == "tok-123456789012"
    assert b"</span>\n<p>Thank" in accept.body  # the stray end tag is there on purpose
    reject = parse_html(style.ping_reject("r", "state='NV': needs in [CA]").body.decode())
    assert select(reject, "p.reason") == "state='NV': needs in [CA]"
    sold = parse_html(style.post_accept("t", Decimal("9.00"), "555").body.decode())
    assert (select(sold, "span.price"), select(sold, "#lead-id")) == ("9.00", "555")


def test_the_soap_style_escapes_its_result_inside_the_envelope() -> None:
    style = MARKUP_STYLES["soap"]
    envelope = parse_xml(style.ping_accept("tk<&>", Decimal("7.25")).body.decode())
    result = envelope["Envelope"]["Body"]["PingLeadResponse"]["PingLeadResult"]
    assert isinstance(result, str)  # a string holding a document
    assert parse_xml(result) == {
        "Result": {"Status": "Accepted", "Price": "7.25", "Token": "tk<&>"}
    }
    refused = parse_xml(style.post_reject("t", "Duplicate lead").body.decode())
    inner = refused["Envelope"]["Body"]["PostLeadResponse"]["PostLeadResult"]
    assert parse_xml(inner) == {"Result": {"Status": "Rejected", "Reason": "Duplicate lead"}}
