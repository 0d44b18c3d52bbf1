"""P12: canary secrets and canary PII never appear in any output, in every mode.

The buyers here are careless on purpose: they echo the auth token and the
lead's contact details back in their bodies, reasons and headers. Every
command and output mode is run; stdout and stderr are searched for the
canaries. (`--show-pii` / `--show-secrets` are the only ways to see them.)
"""

from __future__ import annotations

import json

import pytest
from trace_cli_fixtures import CANARY_SECRET, LEAD, SECRET_ENV, assert_no_canaries

from pingpost.cli.app import app

QUERY_AUTH_METHOD = """\
kind: delivery_method
name: keyed
lead_type: auto_insurance
ping:
  url: {base}/keyed/ping
  method: GET
  content_type: query
  timeout: 1
  auth: {{type: query, name: api_key, value: "${{{env}}}"}}
  mappings: {{zip: ZipCode}}
  response: {{accept: {{contains: accepted}}}}
post:
  url: {base}/keyed/post
  auth: {{type: header, name: X-Key, value: "${{{env}}}"}}
  mappings: {{email: Email, phone: Phone}}
  response: {{accept: {{contains: success}}}}
"""

KEYED_ACCOUNT = """\
kind: delivery_account
name: keyed-main
method: keyed
pricing: {fixed_price: 3}
"""


@pytest.fixture
def careless(buyer_setup, refused_url):
    """Buyers that echo secrets and PII; one more (query auth) that cannot be reached."""
    setup = buyer_setup("acme", "bluesky")
    echo = f"Bearer {CANARY_SECRET}"
    setup.answer(
        "acme", "ping", {"status": "accepted", "price": "12.50", "ping_id": "p1", "auth": echo}
    )
    setup.answer(
        "acme",
        "post",
        {"result": "success", "got": {"first": "Canaryfirst", "phone": "4155550199"}},
    )
    setup.server.expect_request("/bluesky/ping").respond_with_data(
        json.dumps({"status": "rejected", "message": "duplicate of canary.pii@example.com"}),
        content_type="application/json",
        headers={"X-Echo": CANARY_SECRET},
    )
    (setup.dir / "methods" / "keyed.yaml").write_text(
        QUERY_AUTH_METHOD.format(base=refused_url, env=SECRET_ENV)
    )
    (setup.dir / "accounts" / "keyed.yaml").write_text(KEYED_ACCOUNT)
    return setup


def modes(setup) -> dict[str, list[str]]:
    lead = str(setup.lead_file())
    leads = str(setup.leads_file([json.dumps(LEAD), "{broken", json.dumps({**LEAD, "Age": 5})]))
    return {
        "deliver": ["deliver", lead],
        "deliver --json": ["deliver", lead, "--json"],
        "deliver --verbose": ["deliver", lead, "-v"],
        "deliver batch": ["deliver", leads, "-v"],
        "deliver batch --json": ["deliver", leads, "--json"],
        "deliver --dry-run": ["deliver", lead, "--dry-run", "-v"],
        "deliver --dry-run --json": ["deliver", lead, "--dry-run", "--json"],
        "test-ping": ["test-ping", "acme", "--lead", lead, "--post"],
        "test-ping --json": ["test-ping", "acme", "--lead", lead, "--post", "--json"],
        "test-ping rejected": ["test-ping", "bluesky", "--lead", lead, "--json"],
        "test-ping unreachable query auth": ["test-ping", "keyed"],
        "test-ping unreachable --json": ["test-ping", "keyed", "--json"],
        "test-post": ["test-post", "acme", "--capture", "ping_id=p1"],
        "test-post --json": ["test-post", "acme", "--capture", "ping_id=p1", "--json"],
        "test-post unreachable": ["test-post", "keyed", "--json"],
        "render": ["render", "acme", "--phase", "post", "--capture", "ping_id=p1"],
        "render --as curl": ["render", "keyed", "--as", "curl"],
        "render --as json": ["render", "keyed", "--phase", "post", "--as", "json"],
        "validate": ["validate", str(setup.dir)],
    }


MODE_NAMES = [
    "deliver",
    "deliver --json",
    "deliver --verbose",
    "deliver batch",
    "deliver batch --json",
    "deliver --dry-run",
    "deliver --dry-run --json",
    "test-ping",
    "test-ping --json",
    "test-ping rejected",
    "test-ping unreachable query auth",
    "test-ping unreachable --json",
    "test-post",
    "test-post --json",
    "test-post unreachable",
    "render",
    "render --as curl",
    "render --as json",
    "validate",
]


@pytest.mark.parametrize("mode", MODE_NAMES)
def test_no_canary_in_any_mode(runner, careless, mode):
    every = modes(careless)
    assert set(every) == set(MODE_NAMES)
    args = every[mode]
    result = runner.invoke(app, [*args, "-c", str(careless.dir)])
    assert result.exit_code in (0, 1), f"{mode}: {result.output}"
    assert "Traceback" not in result.output
    assert_no_canaries(result.stdout, result.stderr)


def test_the_canaries_really_were_sent_and_echoed(runner, careless):
    """Guard against a vacuous pass: the secret and PII did travel (and come back)."""
    result = runner.invoke(
        app, ["deliver", str(careless.lead_file()), "-v", "-c", str(careless.dir)]
    )
    assert result.exit_code == 0
    pinged = [r for r, _ in careless.server.log if r.path == "/acme/ping"]
    assert pinged and pinged[0].headers["Authorization"] == f"Bearer {CANARY_SECRET}"
    assert careless.requests("acme", "post")[0]["first_name"] == "Canaryfirst"
    assert "****" in result.stdout


def test_show_pii_and_show_secrets_are_the_way_to_see_them(runner, careless):
    lead = str(careless.lead_file())
    shown = runner.invoke(app, ["deliver", lead, "--show-pii", "-c", str(careless.dir)])
    assert "Canaryfirst" in shown.stdout and CANARY_SECRET not in shown.stdout
    secret = runner.invoke(app, ["test-ping", "acme", "--show-secrets", "-c", str(careless.dir)])
    assert CANARY_SECRET in secret.stdout


def test_invalid_config_error_does_not_echo_a_secret(runner, careless):
    (careless.dir / "pingpost.yaml").write_text(
        f'kind: settings\nauction: {{ping_deadline: "${{{SECRET_ENV}}}"}}\n'
    )
    for args in (["validate", str(careless.dir)], ["deliver", str(careless.lead_file())]):
        result = runner.invoke(app, [*args, "-c", str(careless.dir)])
        assert result.exit_code in (1, 2)
        assert "ping_deadline" in result.output
        assert_no_canaries(result.stdout, result.stderr)
