"""Raw HTTP, curl and JSON views of a request; placeholders for post captures."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess

import pytest

from pingpost.exchange import RenderedRequest
from pingpost.render import placeholder_captures
from pingpost.render.placeholders import captures_used
from pingpost.render.views import (
    curl_command,
    displayable,
    http_text,
    json_text,
    request_document,
    shell_quote,
)

from .helpers import make_method

REQUEST = RenderedRequest(
    "POST",
    "https://buyer.example:8443/v2/ping?a=1",
    (("Content-Type", "application/json"), ("Authorization", "Bearer t")),
    b'{"name":"Ad\xc3\xa1 O\'Neil"}',
)


def test_http_text_is_the_wire_request() -> None:
    assert http_text(REQUEST) == (
        "POST /v2/ping?a=1 HTTP/1.1\n"
        "Host: buyer.example:8443\n"
        "Content-Type: application/json\n"
        "Authorization: Bearer t\n"
        "Content-Length: 22\n"
        "\n"
        '{"name":"Adá O\'Neil"}\n'
    )


@pytest.mark.parametrize(
    ("secrets", "first_lines"),
    [
        (["https://buyer.example:8443"], ["POST /v2/ping?a=1 HTTP/1.1", "Host: ****"]),
        (["buyer.example"], ["POST /v2/ping?a=1 HTTP/1.1", "Host: ****:8443"]),
        (["v2"], ["POST /****/ping?a=1 HTTP/1.1", "Host: buyer.example:8443"]),
    ],
)
def test_masked_http_text_keeps_target_host_and_length_of_the_real_request(
    secrets: list[str], first_lines: list[str]
) -> None:
    from pingpost.masking import Masker

    text = http_text(REQUEST, Masker(secrets, ["Adá O'Neil"]))
    assert text.splitlines()[:2] == first_lines
    assert "Content-Length: 22" in text  # the body sent, not the shorter masked one
    assert "Authorization: Bearer ****" in text and text.endswith('{"name":"****"}\n')


def test_http_text_of_a_get_has_no_body_or_length() -> None:
    request = RenderedRequest("GET", "https://b.example", (("User-Agent", "pingpost"),))
    assert http_text(request) == "GET / HTTP/1.1\nHost: b.example\nUser-Agent: pingpost\n"


def test_terminal_control_characters_are_shown_escaped() -> None:
    assert displayable("a\x1b[31mb\rc\x9bd\te\nf") == "a\\x1b[31mb\\x0dc\\x9bd\te\nf"
    request = RenderedRequest("POST", "https://b.example", (), b"x\x1b]0;pwned\x07")
    assert "\x1b" not in http_text(request) and "\\x1b]0;pwned\\x07" in http_text(request)


def test_curl_command_round_trips_through_a_shell_parser() -> None:
    command = curl_command(REQUEST)
    assert shlex.split(command.replace("\\\n", " ")) == [
        "curl",
        "-sS",
        "-X",
        "POST",
        "https://buyer.example:8443/v2/ping?a=1",
        "-H",
        "Content-Type: application/json",
        "-H",
        "Authorization: Bearer t",
        "--data-binary",
        '{"name":"Adá O\'Neil"}',
    ]


def test_curl_without_a_body_has_no_data() -> None:
    request = RenderedRequest("GET", "https://b.example/p?x=1&y=2", ())
    assert curl_command(request) == "curl -sS -X GET 'https://b.example/p?x=1&y=2'\n"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("text", ["plain", "it's", "a\nb", "esc\x1b[0m", "c1\x9b", "bell\x07'\\"])
def test_shell_quote_gives_bash_the_exact_text(text: str) -> None:
    out = subprocess.run(
        ["bash", "-c", f"printf %s {shell_quote(text)}"], capture_output=True, check=True
    ).stdout
    assert out == text.encode()
    assert "\x1b" not in shell_quote(text) and "\x9b" not in shell_quote(text)


def test_shell_quote_refuses_nul() -> None:
    with pytest.raises(ValueError, match="NUL"):
        shell_quote("a\x00b")


def test_json_document_and_text() -> None:
    document = request_document(REQUEST, phase="ping")
    assert document == {
        "phase": "ping",
        "method": "POST",
        "url": "https://buyer.example:8443/v2/ping?a=1",
        "headers": {"Content-Type": "application/json", "Authorization": "Bearer t"},
        "body": '{"name":"Adá O\'Neil"}',
    }
    text = json_text({"body": "a\x7fb\x9bc\x1bd"})
    assert json.loads(text) == {"body": "a\x7fb\x9bc\x1bd"}
    assert "\x7f" not in text and "\x9b" not in text and "\x1b" not in text


# --------------------------------------------------------------------------- placeholders


def test_placeholders_cover_every_capture_a_post_may_read() -> None:
    method = make_method(
        {"response": {"capture": {"ping_id": {"path": "id"}}}},
        {
            "url": "https://b.example/{{ ping.token }}",
            "headers": {"X-Ref": "{{ ping['ref'] }}"},
            "mappings": {"tx": {"capture": "tx"}, "t": {"template": "{{ ping.other }}"}},
        },
    )
    assert captures_used(method) == ["other", "ping_id", "ref", "token", "tx"]
    assert placeholder_captures(method, {"token": "real"}) == {
        "token": "real",
        "other": "placeholder-other",
        "ping_id": "placeholder-ping_id",
        "ref": "placeholder-ref",
        "tx": "placeholder-tx",
    }


def test_placeholders_include_ping_mappings_when_the_post_does() -> None:
    method = make_method(
        {"mappings": {"c": {"value": "{{ lead.ZipCode }}"}}},
        {"include_ping_mappings": True, "body": "{{ ping.in_body }}"},
    )
    assert captures_used(method) == ["in_body"]
