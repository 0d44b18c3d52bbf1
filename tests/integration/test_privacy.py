"""P12: canary secrets and canary PII never appear in any output, in every mode.

The buyers here are careless on purpose: they echo the auth token and the
lead's contact details back in their bodies, reasons and headers. Every
command and output mode is run; stdout and stderr are searched for the
canaries. (`--show-pii` / `--show-secrets` are the only ways to see them.)
"""

from __future__ import annotations

import json

import pytest

from pingpost.cli.app import app
from tests.trace_cli_fixtures import CANARY_SECRET, LEAD, SECRET_ENV, assert_no_canaries

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


# --------------------------------------------------------------------------- pii made over

# What mappings and templates make of the canary pii: no longer equal to the lead's values,
# still pii (P12 by origin). A careless buyer echoes them back, in another case.
SHAPER_METHOD = """\
kind: delivery_method
name: shaper
lead_type: auto_insurance
ping:
  url: {base}/shaper/ping
  timeout: 1
  mappings:
    zip: ZipCode
    loud: {{field: FirstName, format: upper}}
    backwards: {{template: "{{{{ lead.LastName | reverse }}}}"}}
    spoken: {{template: "{{{{ lead.Email | replace('@', ' at ') }}}}"}}
    dotted: {{template: "{{{{ lead.Phone[:3] }}}}~{{{{ lead.Phone[3:] }}}}"}}
  response:
    accept: {{path: status, equals: accepted}}
    reason: message
post:
  url: {base}/shaper/post
  body: '{{"who": {{{{ lead.FirstName | lower | replace("canary", "kanari") }}}}}}'
  response: {{accept: {{path: result, equals: success}}}}
"""
SHAPER_ACCOUNT = """\
kind: delivery_account
name: shaper-main
method: shaper
pricing: {fixed_price: 2}
"""
SHAPED = ("CANARYFIRST", "tsalyranaC", "canary.pii at example.com", "415~5550199", "kanarifirst")


@pytest.fixture
def shaping(buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "rejected", "message": "no"})
    setup.answer(
        "shaper",
        "ping",
        {
            "status": "rejected",
            "message": "dup: TSALYRANAC / Canary.Pii At Example.Com / 415~5550199",
        },
    )
    setup.answer("shaper", "post", {"result": "failure", "message": "KANARIFIRST?"})
    (setup.dir / "methods" / "shaper.yaml").write_text(SHAPER_METHOD.format(base=setup.base))
    (setup.dir / "accounts" / "shaper.yaml").write_text(SHAPER_ACCOUNT)
    return setup


SHAPED_MODES = {
    "deliver -v": ["deliver", "{lead}", "-v"],
    "deliver --json": ["deliver", "{lead}", "--json"],
    "deliver batch --json": ["deliver", "{leads}", "--json"],
    "deliver batch -v": ["deliver", "{leads}", "-v"],
    "test-ping": ["test-ping", "shaper", "--lead", "{lead}"],
    "test-ping --json": ["test-ping", "shaper", "--lead", "{lead}", "--json"],
    "test-post": ["test-post", "shaper", "--lead", "{lead}"],
    "test-post --json": ["test-post", "shaper", "--lead", "{lead}", "--json"],
    "render": ["render", "shaper"],
    "render post": ["render", "shaper", "--phase", "post"],
    "render --as curl": ["render", "shaper", "--as", "curl"],
    "render --json": ["render", "shaper", "--json"],
}


def assert_nothing_shaped(*texts: str) -> None:
    assert_no_canaries(*texts)
    for text in texts:
        for value in SHAPED:
            assert value.lower() not in text.lower(), f"made-over pii leaked: {value}"


@pytest.mark.parametrize("mode", list(SHAPED_MODES))
def test_pii_made_over_by_mappings_is_masked_in_every_mode(runner, shaping, mode):
    lead, leads = str(shaping.lead_file()), str(shaping.leads_file([json.dumps(LEAD)]))
    args = [a.format(lead=lead, leads=leads) for a in SHAPED_MODES[mode]]
    result = runner.invoke(app, [*args, "-c", str(shaping.dir)])
    assert result.exit_code in (0, 1), f"{mode}: {result.output}"
    assert_nothing_shaped(result.stdout, result.stderr)
    assert "****" in result.stdout


def test_the_made_over_pii_really_was_sent_and_shown_on_request(runner, shaping):
    lead = str(shaping.lead_file())
    result = runner.invoke(app, ["test-ping", "shaper", "--lead", lead, "-c", str(shaping.dir)])
    assert result.exit_code == 1
    sent = shaping.requests("shaper", "ping")[0]
    assert (sent["loud"], sent["backwards"], sent["spoken"]) == SHAPED[:3]
    shown = runner.invoke(app, ["render", "shaper", "--show-pii", "-c", str(shaping.dir)])
    assert all(value in shown.stdout for value in SHAPED[:4])
