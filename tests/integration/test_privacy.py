"""P12: canary secrets and canary PII never appear in any output, in every mode.

The buyers here are careless on purpose: they echo the auth token and the
lead's contact details back in their bodies, reasons and headers. Every
command and output mode is run; stdout and stderr are searched for the
canaries. (`--show-pii` / `--show-secrets` are the only ways to see them.)
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from werkzeug import Request, Response

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


# --------------------------------------------------------------------------- wire forms

# Buyers that echo the request's credential headers back, in the forms a careless server
# writes them: as received, URL-encoded, and JSON with `/` escaped (`\/`, as PHP does).
SPACED_ENV, SPACED_SECRET = "PP_SPACED_KEY", "Canary spaced-secret-91"
VAR_TOKEN = "var-token-5521"


BASIC_USER = "ca?na~"  # `?` and `~` at these places make `/` and `+` in the base64
BASIC_TOKEN = base64.b64encode(f"{BASIC_USER}:{CANARY_SECRET}".encode()).decode()
assert "/" in BASIC_TOKEN and "+" in BASIC_TOKEN  # so that every form below differs
ECHO_METHOD = """\
kind: delivery_method
name: {name}
lead_type: auto_insurance
ping:
  url: {base}/{name}/ping
  timeout: 1
  auth: {auth}
  mappings: {{zip: ZipCode}}
  response: {{accept: {{path: status, equals: accepted}}, reason: message}}
post:
  url: {base}/{name}/post
  auth: {auth}
  response: {{accept: {{path: result, equals: success}}}}
"""
ECHOERS = {
    "basic": f'{{type: basic, username: "{BASIC_USER}", password: "${{{SECRET_ENV}}}"}}',
    "spaced": f'{{type: header, name: X-Key, value: "${{{SPACED_ENV}}}"}}',
    "templated": '{type: bearer, token: "{{ account.vars.key }}"}',
}
ECHOED_FORMS = (
    BASIC_TOKEN,
    quote(BASIC_TOKEN, safe=""),
    BASIC_TOKEN.replace("/", "\\/"),
    BASIC_TOKEN.rstrip("="),
    "spaced-secret-91",
    "Canary spaced",
    VAR_TOKEN,
)


def _echo(request: Request) -> Response:
    credential = request.headers.get("Authorization") or request.headers.get("X-Key") or ""
    body = {
        "status": "rejected",
        "message": f"unknown credential {credential}",
        "headers": dict(request.headers),
        "urlencoded": quote(credential, safe=""),
    }
    text = json.dumps(body).replace("/", "\\/")  # every `/` escaped, as PHP writes JSON
    return Response(text, content_type="application/json", headers={"X-Seen": credential})


@pytest.fixture
def echoing(buyer_setup, monkeypatch):
    monkeypatch.setenv(SPACED_ENV, SPACED_SECRET)
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "rejected", "message": "no"})
    for name, auth in ECHOERS.items():
        method = ECHO_METHOD.format(name=name, base=setup.base, auth=auth)
        (setup.dir / "methods" / f"{name}.yaml").write_text(method)
        account = f"kind: delivery_account\nname: {name}-main\nmethod: {name}\n"
        account += "vars: {key: " + VAR_TOKEN + "}\n" if name == "templated" else ""
        (setup.dir / "accounts" / f"{name}.yaml").write_text(account)
        setup.server.expect_request(f"/{name}/ping").respond_with_handler(_echo)
    return setup


def assert_no_wire_form(*texts: str) -> None:
    assert_no_canaries(*texts)
    for text in texts:
        for form in ECHOED_FORMS:
            assert form not in text, f"a credential leaked as {form!r}"


ECHO_MODES = {
    "deliver -v": ["deliver", "{lead}", "-v"],
    "deliver --json": ["deliver", "{lead}", "--json"],
    "deliver batch --json": ["deliver", "{leads}", "--json"],
    **{f"test-ping {n}": ["test-ping", n, "--lead", "{lead}"] for n in ECHOERS},
    **{f"test-ping {n} --json": ["test-ping", n, "--lead", "{lead}", "--json"] for n in ECHOERS},
    **{f"render {n}": ["render", n] for n in ECHOERS},
}


@pytest.mark.parametrize("mode", list(ECHO_MODES))
def test_every_wire_form_of_a_credential_is_masked(runner, echoing, mode):
    """P12: a basic auth's base64 `user:password`, a header secret with a space, a token
    rendered from an account var: masked however the buyer echoes them."""
    lead, leads = str(echoing.lead_file()), str(echoing.leads_file([json.dumps(LEAD)]))
    args = [a.format(lead=lead, leads=leads) for a in ECHO_MODES[mode]]
    result = runner.invoke(app, [*args, "-c", str(echoing.dir)])
    assert result.exit_code in (0, 1), f"{mode}: {result.output}"
    assert_no_wire_form(result.stdout, result.stderr)
    assert "****" in result.stdout


def test_a_header_secret_with_a_space_is_masked_whole_and_a_written_scheme_is_kept(runner, echoing):
    spaced = runner.invoke(app, ["render", "spaced", "-c", str(echoing.dir)])
    assert "X-Key: ****\n" in spaced.stdout  # not `Canary ****`
    basic = runner.invoke(app, ["render", "basic", "-c", str(echoing.dir)])
    assert "Authorization: Basic ****\n" in basic.stdout  # the scheme basic auth writes
    bearer = runner.invoke(app, ["render", "templated", "-c", str(echoing.dir)])
    assert "Authorization: Bearer ****\n" in bearer.stdout


def test_the_credentials_really_were_echoed_in_every_form(runner, echoing):
    """Guard against a vacuous pass."""
    result = runner.invoke(app, ["deliver", str(echoing.lead_file()), "-c", str(echoing.dir)])
    assert result.exit_code == 1
    seen = {r.path: r.headers for r, _ in echoing.server.log}
    assert seen["/basic/ping"]["Authorization"] == f"Basic {BASIC_TOKEN}"
    assert seen["/spaced/ping"]["X-Key"] == SPACED_SECRET
    assert seen["/templated/ping"]["Authorization"] == f"Bearer {VAR_TOKEN}"
    bodies = [response.get_data(as_text=True) for _, response in echoing.server.log]
    assert any(BASIC_TOKEN.replace("/", "\\/") in b and "%2F" in b for b in bodies)


def test_reprs_of_results_exchanges_and_requests_hold_no_secret_or_pii(careless):
    """P12: library objects end up in logs and tracebacks through their repr."""
    from pingpost import load_config, load_lead, run_auction_sync

    config = load_config(careless.dir)
    result = run_auction_sync(load_lead(careless.lead_file(), config.lead_type()), config)
    sent = [a.ping.request for a in result.accounts if a.ping and a.ping.request]
    assert any(CANARY_SECRET in (r.header("Authorization") or "") for r in sent)  # not vacuous
    texts = [repr(result), *map(repr, result.accounts), repr(result.lead)]
    for account in result.accounts:
        for exchange in (account.ping, account.post):
            if exchange is not None:
                texts += [repr(exchange), repr(exchange.request), repr(exchange.response)]
                texts += [repr(exchange.outcome)]
    assert_no_canaries(*texts)
    assert "Canary" not in repr(result) and "acme-main" in repr(result)
    assert "Authorization" in repr(sent[0])  # the shape stays: header names, sizes
