"""`pingpost test-ping` / `test-post` against pytest-httpserver buyers: output, exit codes."""

from __future__ import annotations

import json

import pytest

from pingpost.cli.app import app
from tests.trace_cli_fixtures import CANARY_SECRET, assert_no_canaries

ACCEPTED = {"status": "accepted", "price": "12.50", "ping_id": "p-77"}


def ping(runner, setup, *args: str):
    return runner.invoke(app, ["test-ping", "acme", "-c", str(setup.dir), *args])


def test_accepted_ping_shows_request_response_verdicts_outcome(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", ACCEPTED)
    result = ping(runner, setup)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"→ POST {setup.base}/acme/ping" in out
    assert "Authorization: Bearer ****" in out
    assert "← 200 OK" in out and '"ping_id": "p-77"' in out
    assert "decoded as json" in out
    assert "accept" in out and "match" in out
    assert "captures ping_id=p-77" in out
    assert out.rstrip().splitlines()[-1].startswith("PING ACCEPTED: bid $12.50 in ")
    assert_no_canaries(result.output)
    assert len(setup.requests("acme", "ping")) == 1


def test_rejected_ping_exits_1_with_the_reason(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "rejected", "message": "No Matches"})
    result = ping(runner, setup)
    assert result.exit_code == 1
    assert "PING REJECTED: No Matches in" in result.stdout


def test_404_is_a_rejection_when_the_method_says_so(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"message": "no buyer for this lead"}, status=404)
    result = ping(runner, setup)
    assert result.exit_code == 1
    assert "← 404 Not Found" in result.stdout
    assert "PING REJECTED: HTTP 404 Not Found: no buyer for this lead" in result.stdout


def test_500_is_an_error_with_a_diagnosis(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", "oops", status=500)
    result = ping(runner, setup)
    assert result.exit_code == 1
    assert "PING ERROR: the buyer answered HTTP 500 (a server error)" in result.stdout


def test_timeout_is_an_error_not_a_traceback(runner, buyer_setup, hanging_url):
    setup = buyer_setup("acme", base=hanging_url)
    result = ping(runner, setup, "--timeout", "0.2")
    assert result.exit_code == 1
    assert "PING ERROR: no response:" in result.stdout
    assert "timeout" in result.stdout.lower()
    assert "Traceback" not in result.output


def test_connection_refused_is_one_clear_line(runner, buyer_setup, refused_url):
    setup = buyer_setup("acme", base=refused_url)
    result = ping(runner, setup)
    assert result.exit_code == 1
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.startswith("PING ERROR: no response:") and "refused" in last
    assert "Traceback" not in result.output


def test_garbage_body_is_explained(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", "<<<not json at all")
    result = ping(runner, setup)
    assert result.exit_code == 1
    assert "<<<not json at all" in result.stdout
    assert "did not decode as expected" in result.stdout


def test_url_overrides_the_endpoint(runner, buyer_setup, refused_url, httpserver):
    setup = buyer_setup("acme", base=refused_url)
    httpserver.expect_request("/elsewhere").respond_with_json(ACCEPTED)
    result = ping(runner, setup, "--url", httpserver.url_for("/elsewhere"))
    assert result.exit_code == 0, result.output
    assert f"→ POST {httpserver.url_for('/elsewhere')}" in result.stdout


def test_json_document_has_the_promised_keys(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", ACCEPTED)
    result = ping(runner, setup, "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["outcome"] == "accepted" and doc["bid"] == "12.50" and doc["reason"] is None
    assert doc["captures"] == {"ping_id": "p-77"}
    assert {"request", "response", "verdicts", "latency_ms", "method", "post"} <= doc.keys()
    assert doc["request"]["headers"]["Authorization"] == "Bearer ****"
    assert doc["response"]["status"] == 200
    assert doc["post"] is None


def test_post_flag_posts_with_the_ping_captures(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", ACCEPTED)
    setup.answer("acme", "post", {"result": "success", "price": "13.00"})
    result = ping(runner, setup, "--post")
    assert result.exit_code == 0, result.output
    assert [r["ping_id"] for r in setup.requests("acme", "post")] == ["p-77"]
    lines = result.stdout.rstrip().splitlines()
    assert lines[-2].startswith("PING ACCEPTED: bid $12.50")
    assert lines[-1].startswith("POST ACCEPTED: price $13.00")
    assert_no_canaries(result.output)


def test_post_flag_does_not_post_after_a_rejection(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "rejected", "message": "nope"})
    result = ping(runner, setup, "--post", "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["post"] is None and doc["post_skipped"] == "not posting: the ping was rejected"
    assert setup.requests("acme", "post") == []


def test_post_alone_with_captures(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "post", {"result": "success"})
    args = ["test-post", "acme", "-c", str(setup.dir), "--capture", "ping_id=p-9", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["phase"] == "post" and doc["outcome"] == "accepted"
    assert setup.requests("acme", "post")[0]["ping_id"] == "p-9"


def test_post_rejected_exits_1(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "post", {"result": "failed", "message": "token expired"})
    args = ["test-post", "acme", "-c", str(setup.dir), "--capture", "ping_id=p-9"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "POST REJECTED: token expired" in result.stdout


def test_post_without_its_capture_is_bad_input(runner, buyer_setup):
    setup = buyer_setup("acme")
    result = runner.invoke(app, ["test-post", "acme", "-c", str(setup.dir)])
    assert result.exit_code == 2
    assert "--capture ping_id=VALUE" in result.stderr
    assert setup.requests("acme", "post") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["test-ping", "nosuch"], "no delivery method named `nosuch`"),
        (["test-ping", "acme", "--lead", "missing.json"], "missing.json"),
        (["test-ping", "acme", "--account", "nobody"], "no delivery account named `nobody`"),
        (["test-ping", "acme", "--url", "not-a-url"], "not an absolute URL"),
        (["test-post", "acme", "--capture", "oops"], "not NAME=VALUE"),
    ],
)
def test_bad_input_exits_2_with_a_message(runner, buyer_setup, args, message):
    setup = buyer_setup("acme")
    result = runner.invoke(app, [*args, "-c", str(setup.dir)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_invalid_lead_exits_2_without_echoing_pii(runner, buyer_setup):
    setup = buyer_setup("acme")
    lead = setup.lead_file(Email="Canaryfirst-not-an-email")
    result = ping(runner, setup, "--lead", str(lead))
    assert result.exit_code == 2
    assert "Email" in result.stderr
    assert "Canaryfirst" not in result.output


def test_method_given_as_a_yaml_path(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", ACCEPTED)
    path = setup.dir / "methods" / "acme.yaml"
    result = runner.invoke(app, ["test-ping", str(path), "-c", str(setup.dir)])
    assert result.exit_code == 0, result.output


def test_show_secrets_reveals_the_auth_header(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", ACCEPTED)
    result = ping(runner, setup, "--show-secrets")
    assert f"Authorization: Bearer {CANARY_SECRET}" in result.stdout


def test_buyer_markup_is_printed_literally(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "rejected", "message": "[red]no[/red] [link=x]y"})
    result = ping(runner, setup)
    assert result.exit_code == 1
    assert '"message": "[red]no[/red] [link=x]y"' in result.stdout
    assert "PING REJECTED: [red]no[/red] [link=x]y in" in result.stdout


def test_method_file_outside_the_config_dir(runner, buyer_setup, tmp_path):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", ACCEPTED)
    text = (setup.dir / "methods" / "acme.yaml").read_text()
    outside = tmp_path / "draft.yaml"
    outside.write_text(text.replace("name: acme", "name: acme-draft", 1))
    result = runner.invoke(app, ["test-ping", str(outside), "-c", str(setup.dir)])
    assert result.exit_code == 0, result.output
    assert "ping · acme-draft" in result.stdout


def _add_ping_mapping(setup, line: str) -> None:
    path = setup.dir / "methods" / "acme.yaml"
    text = path.read_text()
    path.write_text(text.replace("    state: State\n", f"    state: State\n    {line}\n", 1))


def test_ping_render_error_is_masked(runner, buyer_setup):
    setup = buyer_setup("acme")
    _add_ping_mapping(setup, 'bad: {template: "{{ lead.FirstName }}", format: int}')
    result = ping(runner, setup)
    assert result.exit_code == 2, result.output
    assert "is not a number" in result.stderr and "****" in result.stderr
    assert_no_canaries(result.output)
    assert setup.requests("acme", "ping") == []


def test_post_render_error_is_masked_in_test_post(runner, buyer_setup):
    setup = buyer_setup("acme")
    path = setup.dir / "methods" / "acme.yaml"
    text = path.read_text().replace(
        "    first_name: FirstName\n",
        '    first_name: FirstName\n    bad: {template: "{{ lead.LastName }}", format: int}\n',
    )
    path.write_text(text)
    args = ["test-post", "acme", "-c", str(setup.dir), "--capture", "ping_id=p-9"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "is not a number" in result.stderr
    assert_no_canaries(result.output)


def test_post_error_after_the_ping_is_masked(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", ACCEPTED)
    path = setup.dir / "methods" / "acme.yaml"
    text = path.read_text().replace(
        "    first_name: FirstName\n",
        '    first_name: FirstName\n    bad: {template: "{{ lead.LastName }}", format: int}\n',
    )
    path.write_text(text)
    result = ping(runner, setup, "--post")
    assert result.exit_code == 2, result.output
    assert "is not a number" in result.stderr
    assert_no_canaries(result.output)
    assert setup.requests("acme", "post") == []


@pytest.mark.parametrize(
    ("option", "url", "message"),
    [
        ("--url", "http://127.0.0.1:99999/", "port"),
        ("--url", "ftp://x/y", "http or https"),
        ("--url", "http://[::1/", "not a valid URL"),
        ("--url", "http://:80/", "no host"),
        ("--post-url", "http://127.0.0.1:0x50/", "port"),
    ],
)
def test_bad_override_url_is_a_usage_error(runner, buyer_setup, option, url, message):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", ACCEPTED)
    result = ping(runner, setup, "--post", option, url)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "internal error" not in result.stderr
    assert setup.requests("acme", "ping") == []


@pytest.mark.parametrize(
    ("message", "last"),
    [
        # raw bytes in the body: not JSON, but the body is still shown
        ("\x1b[31mRED\x1b]0;pwned\x07\r", "PING ERROR: body is not json"),
        # JSON escapes: the decoded reason holds the real characters
        ("\\u001b[31mRED\\u001b]0;pwned\\u0007\\r", "PING REJECTED: \\x1b[31mRED\\x1b]0;pwned"),
    ],
)
def test_buyer_escape_sequences_are_shown_escaped(runner, buyer_setup, message, last):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", '{"status": "rejected", "message": "' + message + '"}')
    result = ping(runner, setup)
    assert result.exit_code == 1
    for char in ("\x1b", "\x07", "\r"):
        assert char not in result.output
    assert "\\x1b[31mRED" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith(last)


def test_garbage_is_an_error_diagnosed_once(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", '{"status": "accepted" "price": 1}')
    result = ping(runner, setup)
    assert result.exit_code == 1
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.startswith("PING ERROR: body is not json: Expecting ',' delimiter")
    assert last.count("Expecting") == 1


def test_an_unfollowed_redirect_is_diagnosed(runner, buyer_setup, httpserver):
    setup = buyer_setup("acme")
    httpserver.expect_request("/acme/ping").respond_with_data(
        "", status=302, headers={"Location": "https://new.example/ping"}
    )
    result = ping(runner, setup)
    assert result.exit_code == 1
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.startswith("PING ERROR: HTTP 302 redirect to https://new.example/ping not followed")


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({"status": "denied"}, "PING REJECTED: HTTP 401 Unauthorized: no accept rule matched in"),
        ({"message": "Unauthorized"}, "PING REJECTED: HTTP 401 Unauthorized in"),
    ],
)
def test_a_rejection_that_is_not_2xx_shows_the_status(runner, buyer_setup, body, shown):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", body, status=401)
    result = ping(runner, setup)
    assert result.exit_code == 1
    assert shown in result.stdout
    as_json = json.loads(ping(runner, setup, "--json").stdout)
    assert as_json["outcome"] == "rejected"
    assert as_json["reason"].startswith("HTTP 401 Unauthorized")
