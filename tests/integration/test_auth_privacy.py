"""P12 for digest and OAuth2: the client secret, the digest password and the access token
appear in no output mode, even when a careless buyer echoes the token back.

The token endpoint and the digest buyer are the sandbox's; the OAuth2 buyer is a
pytest-httpserver endpoint that echoes the Authorization header it got in its body
and in a header.
"""

from __future__ import annotations

import json

import pytest
from werkzeug import Request, Response

from pingpost.cli.app import app
from pingpost.sandbox import SandboxSpec
from tests.trace_cli_fixtures import LEAD, assert_no_canaries

CLIENT_SECRET = "oauth-canary-5b7e21"
DIGEST_PASSWORD = "digest-canary-90aa"

OAUTH_METHOD = """\
kind: delivery_method
name: tokened
lead_type: auto_insurance
ping:
  url: {base}/tokened/ping
  timeout: 1
  auth: &auth
    {{type: oauth2, token_url: "{sandbox}/oauth/token", client_id: pp,
     client_secret: "${{PP_CLIENT_SECRET}}"}}
  mappings: {{zip: ZipCode}}
  response:
    accept: {{path: status, equals: success}}
    bid: price
    reason: echo
    capture: {{token: pingToken, echo: echo}}
post:
  url: {base}/tokened/post
  auth: *auth
  mappings: {{token: {{capture: token}}, email: Email}}
  response: {{accept: {{path: status, equals: success}}, reason: echo}}
"""
DIGEST_METHOD = """\
kind: delivery_method
name: digested
lead_type: auto_insurance
ping:
  url: {sandbox}/digested/ping
  timeout: 1
  auth: &auth {{type: digest, username: pp, password: "${{PP_DIGEST_PASSWORD}}"}}
  mappings: {{zip: ZipCode}}
  response: {{accept: {{path: status, equals: success}}, bid: price, capture: {{token: pingToken}}}}
post:
  url: {sandbox}/digested/post
  auth: *auth
  mappings: {{pingToken: {{capture: token}}}}
  response: {{accept: {{path: status, equals: success}}}}
"""


@pytest.fixture
def authed(buyer_setup, make_sandbox, monkeypatch):
    sb = make_sandbox(
        SandboxSpec.model_validate(
            {
                "oauth2": {"clients": [{"client_id": "pp", "client_secret": CLIENT_SECRET}]},
                "buyers": [
                    {
                        "name": "digested",
                        "style": "json_status",
                        "ping_path": "/digested/ping",
                        "post_path": "/digested/post",
                        "bid": [3, 3],
                        "auth": {"type": "digest", "username": "pp", "password": DIGEST_PASSWORD},
                    }
                ],
            }
        )
    )
    monkeypatch.setenv("PP_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("PP_DIGEST_PASSWORD", DIGEST_PASSWORD)
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "rejected", "message": "no"})
    seen: list[str] = []

    def echo(request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        seen.append(header)
        body = {"status": "success", "price": "9.00", "pingToken": "t-1", "echo": header}
        return Response(
            json.dumps(body), content_type="application/json", headers={"X-Echo": header}
        )

    for phase in ("ping", "post"):
        setup.server.expect_request(f"/tokened/{phase}").respond_with_handler(echo)
    for name, text in (("tokened", OAUTH_METHOD), ("digested", DIGEST_METHOD)):
        (setup.dir / "methods" / f"{name}.yaml").write_text(
            text.format(base=setup.base, sandbox=sb.url)
        )
        (setup.dir / "accounts" / f"{name}.yaml").write_text(
            f"kind: delivery_account\nname: {name}-main\nmethod: {name}\n"
        )
    setup.seen = seen  # type: ignore[attr-defined]
    setup.sandbox = sb  # type: ignore[attr-defined]
    return setup


def modes(setup) -> dict[str, list[str]]:
    lead = str(setup.lead_file())
    leads = str(setup.leads_file([json.dumps(LEAD), json.dumps({**LEAD, "ZipCode": "10001"})]))
    return {
        "deliver": ["deliver", lead],
        "deliver --json": ["deliver", lead, "--json"],
        "deliver --verbose": ["deliver", lead, "-v"],
        "deliver batch --json": ["deliver", leads, "--json"],
        "deliver --dry-run": ["deliver", lead, "--dry-run", "-v"],
        "test-ping oauth2": ["test-ping", "tokened", "--lead", lead, "--post"],
        "test-ping oauth2 --json": ["test-ping", "tokened", "--lead", lead, "--post", "--json"],
        "test-ping --show-secrets": ["test-ping", "tokened", "--show-secrets"],
        "test-ping digest": ["test-ping", "digested", "--post", "--json"],
        "test-post oauth2": ["test-post", "tokened", "--capture", "token=t-1", "--json"],
        "render": ["render", "tokened", "--phase", "post", "--capture", "token=t-1"],
        "render --as curl": ["render", "digested", "--as", "curl"],
        "render --as json": ["render", "tokened", "--as", "json"],
        "validate": ["validate", str(setup.dir)],
    }


MODE_NAMES = [
    "deliver",
    "deliver --json",
    "deliver --verbose",
    "deliver batch --json",
    "deliver --dry-run",
    "test-ping oauth2",
    "test-ping oauth2 --json",
    "test-ping --show-secrets",
    "test-ping digest",
    "test-post oauth2",
    "render",
    "render --as curl",
    "render --as json",
    "validate",
]


@pytest.mark.parametrize("mode", MODE_NAMES)
def test_no_secret_and_no_token_in_any_mode(runner, authed, mode):
    every = modes(authed)
    assert set(every) == set(MODE_NAMES)
    result = runner.invoke(app, [*every[mode], "-c", str(authed.dir)])
    assert result.exit_code in (0, 1), f"{mode}: {result.output}"
    assert "Traceback" not in result.output
    tokens = {h.removeprefix("Bearer ") for h in authed.seen if h}
    for text in (result.stdout, result.stderr):
        assert CLIENT_SECRET not in text
        assert DIGEST_PASSWORD not in text
        for token in tokens:
            assert token not in text, f"{mode}: the access token leaked"
    assert_no_canaries(result.stdout, result.stderr)


def test_the_token_really_travelled_and_came_back(runner, authed):
    """Guard against a vacuous pass: the buyer got a bearer token and echoed it."""
    result = runner.invoke(app, ["deliver", str(authed.lead_file()), "-v", "-c", str(authed.dir)])
    assert result.exit_code == 0, result.output
    assert authed.seen and authed.seen[0].startswith("Bearer ") and len(authed.seen[0]) > 20
    assert "Authorization: Bearer ****" in result.stdout  # the trace says a token was sent
    assert "echo=Bearer ****" in result.stdout or "Bearer ****" in result.stdout
    ledger = authed.sandbox.ledger()
    assert [e["outcome"] for e in ledger if e["phase"] == "token"] == ["issued"]
    assert any(e["phase"] == "ping" and e["buyer"] == "digested" for e in ledger)
