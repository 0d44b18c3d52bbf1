"""URL, headers, auth, test mode, template context, phases and the plan cache."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from pingpost.errors import RenderError
from pingpost.render import render_request
from pingpost.render.plan import _PLANS

from .helpers import LEAD_TYPE, make_account, make_lead, make_method


def body_of(ping: dict[str, Any], **kwargs: Any) -> Any:
    return json.loads(render_request(make_method(ping), "ping", make_lead(), **kwargs).body)


# --------------------------------------------------------------------------- URL


def test_url_templates_quote_inserted_values() -> None:
    method = make_method(post={"url": "https://buyer.example/forms/{{ ping.token }}/post"})
    request = render_request(method, "post", make_lead(), captures={"token": "a/b?c=d#e f"})
    assert request.url == "https://buyer.example/forms/a%2Fb%3Fc%3Dd%23e%20f/post"


@pytest.mark.parametrize("token", ["..", ".", ""])
def test_a_capture_cannot_move_the_url_path(token: str) -> None:
    method = make_method(post={"url": "https://buyer.example/forms/{{ ping.token }}/post"})
    with pytest.raises(RenderError, match=f"capture `token` is `{re.escape(token)}`"):
        render_request(method, "post", make_lead(), captures={"token": token})


def test_dots_inside_a_path_value_and_empty_query_values_are_fine() -> None:
    method = make_method(
        post={"url": "https://buyer.example/f/{{ ping.token }}/p?x={{ ping.empty }}"}
    )
    request = render_request(method, "post", make_lead(), captures={"token": "a..b", "empty": ""})
    assert request.url == "https://buyer.example/f/a..b/p?x="


def test_a_lead_value_cannot_move_the_url_path_either() -> None:
    method = make_method({"url": "https://buyer.example/{{ lead.Note }}/ping"})
    with pytest.raises(RenderError, match=r"empty, `\.` or `\.\.` path segment"):
        render_request(method, "ping", make_lead(Note=".."))


def test_a_value_marked_safe_is_not_quoted_in_a_url() -> None:
    method = make_method({"url": "{{ account.vars.base | safe }}/ping"})
    account = make_account(vars={"base": "https://x.example:8443/v2"})
    assert render_request(method, "ping", make_lead(), account=account).url == (
        "https://x.example:8443/v2/ping"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://buyer.example/ping", "not an http(s) URL with a host"),
        ("https:///ping", "not an http(s) URL with a host"),
        ("{{ account.vars.base | safe }}/ping", "contains a space or control character"),
    ],
)
def test_bad_urls_are_refused_without_showing_them(url: str, message: str) -> None:
    account = make_account(vars={"base": "https://x.example/a b?token=s3cret"})
    with pytest.raises(RenderError, match=re.escape(message)) as info:
        render_request(make_method({"url": url}), "ping", make_lead(), account=account)
    assert "s3cret" not in str(info.value)


def test_test_url_is_used_in_test_mode_or_for_a_test_account() -> None:
    method = make_method({"test_url": "https://sandbox.buyer.example/ping"})
    lead = make_lead()
    assert render_request(method, "ping", lead).url == "https://buyer.example/ping"
    assert render_request(method, "ping", lead, test=True).url.startswith("https://sandbox.")
    test_account = make_account(environment="test")
    assert render_request(method, "ping", lead, account=test_account).url.startswith(
        "https://sandbox."
    )


def test_test_mode_without_test_url_keeps_the_url_and_sets_test() -> None:
    ping = {"mappings": {"t": {"template": "{{ test }}"}}}
    assert body_of(ping, test=True) == {"t": "true"}
    assert body_of(ping) == {"t": "false"}


# --------------------------------------------------------------------------- headers


def test_default_headers_and_overrides() -> None:
    method = make_method(
        {"headers": {"content-type": "application/vnd.acme+json", "X-Api-Version": "2"}}
    )
    request = render_request(method, "ping", make_lead(), user_agent="pingpost/9")
    assert request.headers == (
        ("content-type", "application/vnd.acme+json"),
        ("User-Agent", "pingpost/9"),
        ("Accept", "*/*"),
        ("Accept-Encoding", "gzip, deflate"),
        ("X-Api-Version", "2"),
    )


@pytest.mark.parametrize(
    ("response_format", "accept"),
    [("json", "application/json"), ("xml", "application/xml"), ("auto", "*/*"), ("text", "*/*")],
)
def test_accept_follows_the_response_format(response_format: str, accept: str) -> None:
    """The HTTP client would add Accept and Accept-Encoding unseen: render sets them."""
    ping = {"response": {"format": response_format}}
    request = render_request(make_method(ping), "ping", make_lead())
    assert request.header("Accept") == accept
    assert request.header("Accept-Encoding") == "gzip, deflate"


def test_the_method_may_set_accept_itself() -> None:
    ping = {"headers": {"accept": "text/plain", "Accept-Encoding": "identity"}}
    request = render_request(make_method(ping), "ping", make_lead())
    assert [v for k, v in request.headers if k.lower().startswith("accept")] == [
        "text/plain",
        "identity",
    ]


def test_header_templates_use_the_context() -> None:
    method = make_method({"headers": {"X-Lead": "{{ lead_id }}", "X-Src": "{{ account.name }}"}})
    request = render_request(method, "ping", make_lead(), lead_id="L-9", account=make_account())
    assert request.header("x-lead") == "L-9" and request.header("X-Src") == "acme-gold"


@pytest.mark.parametrize("value", ["a\r\nX-Evil: 1", "a\nb", "a\rb", "a\x00b"])
def test_header_values_with_cr_or_lf_are_refused(value: str) -> None:
    method = make_method({"headers": {"X-Name": "{{ lead.FirstName }}"}})
    with pytest.raises(RenderError, match="acme ping: header `X-Name` would contain a CR, LF"):
        render_request(method, "ping", make_lead(FirstName=value))


def test_bad_header_names_are_refused() -> None:
    with pytest.raises(RenderError, match="header name `X Bad` is not a valid HTTP header name"):
        render_request(make_method({"headers": {"X Bad": "1"}}), "ping", make_lead())


# --------------------------------------------------------------------------- auth


@pytest.mark.parametrize(
    ("auth", "header", "value"),
    [
        ({"type": "none"}, "Authorization", None),
        (
            {"type": "basic", "username": "u", "password": "p:ä"},
            "Authorization",
            "Basic " + base64.b64encode("u:p:ä".encode()).decode(),
        ),
        ({"type": "bearer", "token": "t-1"}, "Authorization", "Bearer t-1"),
        ({"type": "bearer", "token": "t-1", "prefix": "Token"}, "Authorization", "Token t-1"),
        ({"type": "bearer", "token": "t-1", "prefix": ""}, "Authorization", "t-1"),
        ({"type": "header", "name": "X-Api-Key", "value": "k-1"}, "X-Api-Key", "k-1"),
    ],
)
def test_auth_headers(auth: dict[str, str], header: str, value: str | None) -> None:
    request = render_request(make_method({"auth": auth}), "ping", make_lead())
    assert request.header(header) == value


def test_query_auth_is_appended_to_the_url() -> None:
    method = make_method(
        {
            "url": "https://buyer.example/ping?v=2",
            "auth": {"type": "query", "name": "key", "value": "k&1"},
        }
    )
    assert render_request(method, "ping", make_lead()).url == (
        "https://buyer.example/ping?v=2&key=k%261"
    )


def test_auth_values_may_come_from_account_vars() -> None:
    method = make_method({"auth": {"type": "bearer", "token": "{{ account.vars.token }}"}})
    request = render_request(
        method, "ping", make_lead(), account=make_account(vars={"token": "per-account"})
    )
    assert request.header("Authorization") == "Bearer per-account"


def test_auth_overrides_a_configured_header_of_the_same_name() -> None:
    method = make_method(
        {"headers": {"authorization": "x"}, "auth": {"type": "bearer", "token": "t"}}
    )
    assert render_request(method, "ping", make_lead()).header("Authorization") == "Bearer t"


# --------------------------------------------------------------------------- context


def test_account_name_and_vars_are_in_the_context() -> None:
    ping = {"mappings": {"src": {"value": "{{ account.vars.source_id }}-{{ account.name }}"}}}
    account = make_account(vars={"source_id": 1234})
    assert body_of(ping, account=account) == {"src": "1234-acme-gold"}


def test_account_only_templates_are_memoised_per_account() -> None:
    ping = {"mappings": {"src": {"value": "{{ account.vars.source_id }}"}}}
    method = make_method(ping)
    first, second = make_account(vars={"source_id": 1}), make_account(vars={"source_id": 2})
    for account, expected in ((first, "1"), (second, "2"), (first, "1"), (None, None)):
        if account is None:
            with pytest.raises(RenderError, match="needs an account"):
                render_request(method, "ping", make_lead())
            continue
        body = json.loads(render_request(method, "ping", make_lead(), account=account).body)
        assert body == {"src": expected}


def test_a_missing_var_names_the_account() -> None:
    ping = {"headers": {"X-Src": "{{ account.vars.source_id }}"}}
    with pytest.raises(RenderError) as info:
        render_request(make_method(ping), "ping", make_lead(), account=make_account())
    assert str(info.value) == (
        "acme ping: header `X-Src`: account `acme-gold` does not set the var `source_id` "
        "(add it under `vars:`)"
    )


def test_ping_captures_exist_only_in_the_post() -> None:
    ping = {"url": "https://buyer.example/{{ ping.token }}"}
    with pytest.raises(RenderError, match="acme ping: url: 'ping' is undefined"):
        render_request(make_method(ping), "ping", make_lead())


def test_a_missing_capture_in_a_post_template_is_named() -> None:
    method = make_method(post={"url": "https://buyer.example/{{ ping.token }}"})
    with pytest.raises(RenderError, match=r"url uses ping\.token, which the ping did not capture"):
        render_request(method, "post", make_lead())


def test_a_missing_capture_message_gives_no_cli_hint_of_its_own() -> None:
    """test-post adds `(pass --capture NAME=VALUE)` itself: the hint must not come twice."""
    templated = make_method(post={"url": "https://buyer.example/{{ ping.token }}"})
    mapped = make_method(post={"mappings": {"t": {"capture": "token"}}})
    for method in (templated, mapped):
        with pytest.raises(RenderError) as info:
            render_request(method, "post", make_lead())
        assert "token" in str(info.value) and "--capture" not in str(info.value)


def test_a_missing_lead_value_in_a_url_template_is_named() -> None:
    method = make_method({"url": "https://buyer.example/{{ lead.Email }}"})
    with pytest.raises(RenderError, match=r"url uses lead\.Email, which this lead does not have"):
        render_request(method, "ping", make_lead())


def test_a_template_syntax_error_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="acme ping: mapping `x`: template error"):
        render_request(
            make_method({"mappings": {"x": {"template": "{{ oops"}}}), "ping", make_lead()
        )


def test_lead_type_check_finds_unknown_fields() -> None:
    method = make_method({"mappings": {"email": "Emial"}})
    assert render_request(method, "ping", make_lead()).body == b"{}"
    with pytest.raises(RenderError, match="lead type `auto` has no field `Emial`"):
        render_request(method, "ping", make_lead(), lead_type=LEAD_TYPE)


# --------------------------------------------------------------------------- phases, cache


def test_include_ping_mappings_starts_the_post_from_the_ping() -> None:
    method = make_method(
        {"mappings": {"zip": "ZipCode", "state": "State"}},
        {
            "include_ping_mappings": True,
            "mappings": {"state": {"value": "XX"}, "id": {"capture": "id"}},
        },
    )
    request = render_request(method, "post", make_lead(), captures={"id": "p-1"})
    assert request.body == b'{"zip":"94105","state":"XX","id":"p-1"}'


def test_a_post_without_include_ping_mappings_has_only_its_own() -> None:
    method = make_method({"mappings": {"zip": "ZipCode"}}, {"mappings": {"state": "State"}})
    assert render_request(method, "post", make_lead()).body == b'{"state":"CA"}'


def test_plans_are_cached_per_method_object_and_phase() -> None:
    method = make_method({"mappings": {"zip": "ZipCode"}})
    render_request(method, "ping", make_lead())
    plan = _PLANS[(id(method), "ping")][1]
    render_request(method, "ping", make_lead())
    assert _PLANS[(id(method), "ping")][1] is plan
    other = make_method({"mappings": {"state": "State"}})
    assert render_request(other, "ping", make_lead()).body == b'{"state":"CA"}'


def test_a_bad_plan_is_refused_on_every_render() -> None:
    method = make_method({"mappings": {"a": "ZipCode", "a.b": "State"}})
    for _ in range(2):
        with pytest.raises(RenderError, match="buyer field `a` is both a value and an object"):
            render_request(method, "ping", make_lead())
