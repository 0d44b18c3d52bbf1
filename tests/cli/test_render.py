"""`pingpost render`: exact requests as http, curl and json; masking; exit codes."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pingpost.cli.app import app

TOKEN = "tok-from-env-81c2"
LEAD_TYPE = """\
kind: lead_type
name: auto
fields:
  FirstName: {type: string, required: true, pii: true}
  Phone:     {type: phone, required: true, pii: true}
  ZipCode:   {type: zip, required: true}
  State:     {type: state, required: true}
sample: {FirstName: Ada O'Neil, Phone: "(415) 555-0100", ZipCode: "94105", State: CA}
"""
ACME = """\
kind: delivery_method
name: acme
lead_type: auto
ping:
  url: https://api.acme.example/ping
  test_url: https://sandbox.acme.example/ping
  auth: {type: bearer, token: "${H2_RENDER_TOKEN}"}
  mappings:
    zip: ZipCode
    source: {value: "{{ account.vars.source_id }}"}
  response: {capture: {ping_id: {path: id}}}
post:
  url: https://api.acme.example/post/{{ ping.ping_id }}
  auth: {type: bearer, token: "${H2_RENDER_TOKEN}"}
  include_ping_mappings: true
  mappings:
    name: FirstName
    phone: Phone
"""
ECHO = """\
kind: delivery_method
name: echo
lead_type: auto
ping:
  url: https://echo.example/ping
  method: GET
  content_type: query
  auth: {type: query, name: api_key, value: literal-echo-key}
  mappings: {zip: ZipCode, state: State}
post:
  url: https://echo.example/post
  content_type: form
  mappings: {Lead.Name: FirstName}
"""
BROKEN = """\
kind: delivery_method
name: broken
lead_type: auto
ping:
  url: https://broken.example/ping
  body: '{"zip": "{{ lead.ZipCode }}"}'
post:
  url: https://broken.example/post
"""
ACCOUNTS = """\
kind: delivery_account
name: acme-gold
method: acme
vars: {source_id: "1234"}
---
kind: delivery_account
name: acme-test
method: acme
environment: test
vars: {source_id: "T-1"}
"""


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("H2_RENDER_TOKEN", TOKEN)
    root = tmp_path / "configs"
    root.mkdir()
    for name, text in {
        "lead.yaml": LEAD_TYPE,
        "acme.yaml": ACME,
        "echo.yaml": ECHO,
        "broken.yaml": BROKEN,
        "accounts.yaml": ACCOUNTS,
    }.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


SENT = '{"zip":"94105","source":"1234","name":"Ada O\'Neil","phone":"4155550100"}'


def invoke(config_dir: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["render", *args, "--config", str(config_dir)])
    return result.exit_code, result.stdout, result.stderr


def test_http_is_the_default_and_masks_secrets_and_pii(config_dir: Path) -> None:
    code, out, err = invoke(config_dir, "acme", "--phase", "post", "--capture", "ping_id=p/1")
    assert code == 0, err
    assert out.splitlines()[:8] == [
        "POST /post/p%2F1 HTTP/1.1",
        "Host: api.acme.example",
        "Content-Type: application/json",
        "User-Agent: pingpost",
        "Accept: */*",
        "Accept-Encoding: gzip, deflate",
        "Authorization: Bearer ****",
        f"Content-Length: {len(SENT)}",  # of the body sent, not of the masked one shown
    ]
    assert out.rstrip().endswith('{"zip":"94105","source":"1234","name":"****","phone":"****"}')
    assert TOKEN not in out and "Ada" not in out and "4155550100" not in out
    assert "using account `acme-gold`'s vars" in err


def test_curl_output_is_masked_and_runnable_with_show_secrets(config_dir: Path) -> None:
    code, masked, _ = invoke(config_dir, "acme", "--as", "curl", "--account", "acme-gold")
    assert code == 0 and TOKEN not in masked and "Bearer ****" in masked
    code, out, _ = invoke(
        config_dir,
        "acme",
        "--as",
        "curl",
        "--account",
        "acme-gold",
        "--show-secrets",
        "--phase",
        "post",
        "--capture",
        "ping_id=p-1",
        "--show-pii",
    )
    assert code == 0
    assert shlex.split(out.replace("\\\n", " ")) == [
        "curl",
        "-sS",
        "-X",
        "POST",
        "https://api.acme.example/post/p-1",
        "-H",
        "Content-Type: application/json",
        "-H",
        "User-Agent: pingpost",
        "-H",
        "Accept: */*",
        "-H",
        "Accept-Encoding: gzip, deflate",
        "-H",
        f"Authorization: Bearer {TOKEN}",
        "--data-binary",
        '{"zip":"94105","source":"1234","name":"Ada O\'Neil","phone":"4155550100"}',
    ]


def test_show_secrets_alone_keeps_pii_masked(config_dir: Path) -> None:
    code, out, _ = invoke(config_dir, "acme", "--phase", "post", "--show-secrets")
    assert code == 0 and TOKEN in out and "Ada" not in out


def test_json_output(config_dir: Path) -> None:
    for args in (["--as", "json"], ["--json"]):
        code, out, _ = invoke(config_dir, "echo", *args)
        assert code == 0
        assert json.loads(out) == {
            "delivery_method": "echo",
            "phase": "ping",
            "account": None,
            "method": "GET",
            "url": "https://echo.example/ping?zip=94105&state=CA&api_key=****",
            "headers": {
                "User-Agent": "pingpost",
                "Accept": "*/*",
                "Accept-Encoding": "gzip, deflate",
            },
            "body": "",
        }


def test_form_post_masks_pii_in_its_encoded_form(config_dir: Path) -> None:
    code, out, _ = invoke(config_dir, "echo", "--phase", "post")
    assert code == 0 and out.rstrip().endswith("Lead.Name=****")
    code, out, _ = invoke(config_dir, "echo", "--phase", "post", "--show-pii")
    assert out.rstrip().endswith("Lead.Name=Ada+O%27Neil")


def test_post_placeholders_are_announced(config_dir: Path) -> None:
    code, out, err = invoke(config_dir, "acme", "--phase", "post")
    assert code == 0
    assert "POST /post/placeholder-ping_id HTTP/1.1" in out
    assert "placeholder captures (pass --capture NAME=VALUE): ping_id=placeholder-ping_id" in err


def no_vars(method: str) -> str:
    """The method without its account var (so it renders without an account)."""
    return method.replace('{value: "{{ account.vars.source_id }}"}', '{value: "1234"}')


def test_http_view_is_exact_when_the_base_url_is_a_secret(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("H2_BASE", "https://api.acme.example")
    based = no_vars(ACME.replace("name: acme", "name: based")).replace(
        "url: https://api.acme.example/post/", "url: ${H2_BASE}/post/"
    )
    (config_dir / "based.yaml").write_text(based, encoding="utf-8")
    code, out, err = invoke(config_dir, "based", "--phase", "post", "--capture", "ping_id=p-1")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:2] == ["POST /post/p-1 HTTP/1.1", "Host: ****"]
    body = '{"zip":"94105","source":"1234","name":"Ada O\'Neil","phone":"4155550100"}'
    assert f"Content-Length: {len(body)}" in lines
    assert "api.acme.example" not in out


def test_what_a_mapping_makes_of_pii_is_masked(config_dir: Path, tmp_path: Path) -> None:
    """P12 by origin: upper-cased, sliced or reversed pii is still pii."""
    shaped = no_vars(ACME.replace("name: acme", "name: shaped")).replace(
        "    name: FirstName\n    phone: Phone\n",
        "    loud: {field: FirstName, format: upper}\n"
        "    quiet: {field: FirstName, format: lower}\n"
        '    mixed: {template: "{{ lead.FirstName[:3] }}-{{ lead.FirstName | reverse }}"}\n'
        '    dots: {template: "{{ lead.Phone[:3] }}.{{ lead.Phone[3:6] }}.{{ lead.Phone[6:] }}"}\n',
    )
    (config_dir / "shaped.yaml").write_text(shaped, encoding="utf-8")
    args = ["shaped", "--phase", "post", "--capture", "ping_id=p-1"]
    for style in ("http", "curl", "json"):
        code, out, err = invoke(config_dir, *args, "--as", style)
        assert code == 0, err
        for leaked in ("ADA O", "ada o", "Ada-", "lieN", "415.555"):
            assert leaked.lower() not in out.lower(), (style, leaked)
    code, out, _ = invoke(config_dir, *args, "--show-pii")
    assert "ADA O'NEIL" in out and "ada o'neil" in out


def test_captures_that_cannot_matter_are_warned_about(config_dir: Path) -> None:
    code, _, err = invoke(config_dir, "acme", "--capture", "ping_id=1")
    assert code == 0 and "--capture is ignored with --phase ping" in err
    code, _, err = invoke(config_dir, "acme", "--phase", "post", "--capture", "pingid=1")
    assert code == 0
    assert "--capture `pingid` is not read by the acme post (it reads: ping_id)" in err
    code, _, err = invoke(config_dir, "acme", "--phase", "post", "--capture", "ping_id=1")
    assert code == 0 and "--capture" not in err


def test_test_mode_and_test_accounts_use_test_url(config_dir: Path) -> None:
    _, out, _ = invoke(config_dir, "acme", "--test", "--account", "acme-gold")
    assert "Host: sandbox.acme.example" in out
    _, out, _ = invoke(config_dir, "acme", "--account", "acme-test", "--as", "json")
    assert json.loads(out)["url"] == "https://sandbox.acme.example/ping"


def test_lead_file(config_dir: Path, tmp_path: Path) -> None:
    lead = tmp_path / "lead.json"
    lead.write_text(
        json.dumps({"FirstName": "Bo", "Phone": "4155550199", "ZipCode": "10001", "State": "NY"})
    )
    code, out, _ = invoke(config_dir, "echo", "--lead", str(lead), "--json")
    assert code == 0 and "zip=10001&state=NY" in json.loads(out)["url"]


def test_method_given_as_a_file_inside_or_outside_the_config_dir(
    config_dir: Path, tmp_path: Path
) -> None:
    code, out, _ = invoke(config_dir, str(config_dir / "echo.yaml"), "--json")
    assert code == 0 and json.loads(out)["delivery_method"] == "echo"
    outside = tmp_path / "draft.yaml"
    outside.write_text(ECHO.replace("name: echo", "name: draft"), encoding="utf-8")
    code, out, err = invoke(config_dir, str(outside), "--json")
    assert code == 0, err
    assert json.loads(out)["delivery_method"] == "draft"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "no delivery method named `nope`"),
        (["missing.yaml"], "method file `missing.yaml` not found"),
        (["acme", "--capture", "ping_id"], "--capture `ping_id` is not NAME=VALUE"),
        (["acme", "--account", "nobody"], "no delivery account named `nobody`"),
        (["acme", "--phase", "pong"], "Invalid value for '--phase'"),
        (
            ["broken"],
            "error: broken ping: the rendered json body does not parse",
        ),
    ],
)
def test_bad_input_exits_2_with_one_message(
    config_dir: Path, args: list[str], message: str
) -> None:
    code, out, err = invoke(config_dir, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_a_bad_lead_exits_2_naming_every_problem(config_dir: Path, tmp_path: Path) -> None:
    lead = tmp_path / "bad.json"
    lead.write_text('{"FirstName": "Ada", "Phone": "12", "Zip": "1"}')
    code, _, err = invoke(config_dir, "acme", "--lead", str(lead))
    assert code == 2
    assert "Phone: the value is not a 10-digit US phone number" in err
    assert "Zip: unknown field (did you mean `ZipCode`?)" in err
    assert "ZipCode: required field is missing" in err


def test_errors_are_masked(config_dir: Path) -> None:
    leaky = ECHO.replace("name: echo", "name: leaky").replace(
        "mappings: {zip: ZipCode, state: State}",
        'mappings: {zip: {template: "{{ lead.FirstName }}", format: int}}',
    )
    (config_dir / "leaky.yaml").write_text(leaky, encoding="utf-8")
    code, _, err = invoke(config_dir, "leaky")
    assert code == 2 and "leaky ping: mapping `zip`: format `int`" in err
    assert "Ada" not in err


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(app, ["render", "--help"])
    assert result.exit_code == 0
    for option in (
        "--phase",
        "--lead",
        "--account",
        "--capture",
        "--as",
        "--show-secrets",
        "--show-pii",
        "--test",
        "--json",
        "--config",
    ):
        assert option in result.stdout


def test_the_common_options_are_taken_and_change_nothing_here(config_dir: Path) -> None:
    plain = invoke(config_dir, "echo")
    assert plain[0] == 0
    assert invoke(config_dir, "echo", "--no-color", "-v") == plain
    assert invoke(config_dir, "echo", "--as", "json") == invoke(config_dir, "echo", "--json")
