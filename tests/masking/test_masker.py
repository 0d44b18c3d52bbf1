"""The Masker: secrets and pii hidden in every form they take on the wire (P12)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pingpost.exchange import Failure, RawResponse, RenderedRequest
from pingpost.masking import MASK, Masker
from pingpost.render import render_request
from tests.masking.helpers import make_config
from tests.render.helpers import LEAD_TYPE, make_lead, make_method

SECRET = "s3cr&t <tok\"en>/+'"


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        quote(SECRET, safe=""),
        quote(SECRET),
        quote_plus(SECRET, safe=""),
        json.dumps(SECRET)[1:-1],
        SECRET.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
        SECRET.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;"),
    ],
)
def test_text_masks_every_wire_form(form: str) -> None:
    assert Masker([SECRET]).text(f"before {form} after") == f"before {MASK} after"


def test_longest_value_first() -> None:
    masker = Masker(["abc"], ["abcdef"])
    assert masker.text("xabcdefx abc") == f"x{MASK}x {MASK}"


def test_empty_and_one_letter_pii_values_are_not_masked() -> None:
    masker = Masker([""], ["A", ""])
    assert masker.text("A cat") == "A cat"


@pytest.mark.parametrize(
    ("secret", "text", "masked"),
    [
        ("h", "the hash h=1 (h)", f"the hash {MASK}=1 ({MASK})"),
        ("ab1", "ab1 tab1 ab12 x_ab1", f"{MASK} tab1 ab12 x_{MASK}"),
        ("abcd", "xabcdx", f"x{MASK}x"),  # 4 characters and more: everywhere
    ],
)
def test_a_short_secret_is_masked_only_as_a_whole_token(
    secret: str, text: str, masked: str
) -> None:
    """A 1-3 character secret matched inside words would turn every `h` into ****."""
    assert Masker([secret]).text(text) == masked


def test_a_short_secret_is_still_masked_in_credential_headers_by_name() -> None:
    masker = Masker(["h"], secret_headers=["X-Key"])
    headers = (("Authorization", "Bearer h"), ("X-Key", "h"), ("X-Other", "hh"))
    assert masker.headers(headers) == (
        ("Authorization", f"Bearer {MASK}"),
        ("X-Key", MASK),
        ("X-Other", "hh"),
    )


def test_pii_is_matched_in_any_case_from_three_characters() -> None:
    masker = Masker((), ["Ada", "Zoë O'Brien", "Al"])
    assert masker.text("ADA ada Ada") == f"{MASK} {MASK} {MASK}"
    assert masker.text("ZOË O'BRIEN / zoë o'brien") == f"{MASK} / {MASK}"
    assert masker.text("AL Al") == f"AL {MASK}"  # two letters: exact case only


def test_secrets_and_pii_longest_first_across_kinds() -> None:
    masker = Masker(["abcd"], ["ABCDEF"])
    assert masker.text("xabcdefx abcd") == f"x{MASK}x {MASK}"


def test_sensitive_request_values_of_pii_fields_are_masked() -> None:
    request = RenderedRequest(
        "POST",
        "https://b.example/p/ZZ%40EXAMPLE.COM",
        (("X-Name", "ZOË"),),
        '{"n":"ZOË","d":"19800131","state":"ca"}'.encode(),
        sensitive=(
            ("FirstName", "ZOË"),
            ("Email", "ZZ@EXAMPLE.COM"),
            ("BirthDate", "19800131"),
            ("State", "ca"),
        ),
    )
    masker = Masker(pii_fields=["FirstName", "Email", "BirthDate"])
    masked = masker.request(request)
    assert masked.url == f"https://b.example/p/{MASK}"
    assert masked.headers == (("X-Name", MASK),)
    assert masked.body == f'{{"n":"{MASK}","d":"{MASK}","state":"ca"}}'.encode()
    # the buyer's echo and free text are masked once the masker knows the request
    extended = masker.with_requests([request, None])
    assert extended.text("echo zoë / 19800131 / ca") == f"echo {MASK} / {MASK} / ca"
    assert masker.text("ZOË") == "ZOË"  # the base masker is unchanged
    shown = Masker(pii_fields=["FirstName"], mask_pii=False)
    assert shown.request(request).headers == (("X-Name", "ZOË"),)


def test_a_value_of_unknown_origin_is_masked_when_the_lead_has_pii() -> None:
    request = RenderedRequest("GET", "https://b.example/", (), sensitive=(("*", "secretish"),))
    assert Masker(pii_fields=["FirstName"]).with_requests([request]).text("secretish") == MASK
    assert Masker().with_requests([request]).text("secretish") == "secretish"


def test_request_masks_url_headers_and_body() -> None:
    masker = Masker(["tok-1"], ["Ada"], secret_headers=["X-Api-Key"], secret_params=["api_key"])
    request = RenderedRequest(
        "POST",
        "https://user:pw-9@b.example/p/tok-1?api_key=from-template&name=Ada",
        (
            ("Authorization", "Bearer anything"),
            ("X-Api-Key", "rendered-key"),
            ("X-Other", "has tok-1 inside"),
            ("Proxy-Authorization", "opaque"),
        ),
        b'{"name":"Ada","token":"tok-1"}',
    )
    masked = masker.request(request)
    assert masked.url == f"https://user:{MASK}@b.example/p/{MASK}?api_key={MASK}&name={MASK}"
    assert masked.headers == (
        ("Authorization", f"Bearer {MASK}"),
        ("X-Api-Key", MASK),
        ("X-Other", f"has {MASK} inside"),
        ("Proxy-Authorization", MASK),
    )
    assert masked.body == f'{{"name":"{MASK}","token":"{MASK}"}}'.encode()
    assert request.body == b'{"name":"Ada","token":"tok-1"}'  # the original is untouched


def test_response_masks_headers_body_and_failure() -> None:
    response = RawResponse(
        status=None,
        headers=(("X-Echo", "tok-1"),),
        body=b"echo tok-1 \xff",
        failure=Failure("reset", "reset while sending tok-1", True),
    )
    masked = Masker(["tok-1"]).response(response)
    assert masked.headers == (("X-Echo", MASK),)
    assert masked.body == b"echo **** \xff"  # bytes that are not UTF-8 survive unchanged
    assert masked.failure is not None and masked.failure.detail == f"reset while sending {MASK}"


def test_value_masks_deeply_and_keeps_keys() -> None:
    masker = Masker(["tok-1"], ["4155550100", "1989-12-10"])
    value = {
        "tok-1": ["a tok-1", {"phone": "4155550100"}],
        "n": 4155550100,
        "d": date(1989, 12, 10),
        "ok": True,
        "none": None,
    }
    assert masker.value(value) == {
        "tok-1": [f"a {MASK}", {"phone": MASK}],
        "n": MASK,
        "d": MASK,
        "ok": True,
        "none": None,
    }


# --------------------------------------------------------------------------- for_lead


def test_for_lead_masks_pii_fields_in_their_wire_forms() -> None:
    lead = make_lead(FirstName="Ada Byron", Email="ada@example.com", ZipCode="94105")
    masker = Masker.for_lead(make_config(), lead)
    text = masker.text(
        "Ada Byron|Ada+Byron|ada%40example.com|(415) 555-0100|415-555-0100|12/10/1989|94105"
    )
    # BirthDate and ZipCode are not pii in this lead type
    assert text == f"{MASK}|{MASK}|{MASK}|{MASK}|{MASK}|12/10/1989|94105"


def test_for_lead_masks_a_pii_date_in_iso_and_us_forms() -> None:
    fields = {
        **LEAD_TYPE.fields,
        "BirthDate": LEAD_TYPE.fields["BirthDate"].model_copy(update={"pii": True}),
    }
    config = replace(
        make_config(), lead_types={"auto": LEAD_TYPE.model_copy(update={"fields": fields})}
    )
    masker = Masker.for_lead(config, make_lead())
    assert masker.text("1989-12-10 12/10/1989") == f"{MASK} {MASK}"


def test_for_lead_show_pii_and_show_secrets() -> None:
    config = make_config(type="bearer", token="literal-token")
    lead = make_lead()
    assert Masker.for_lead(config, lead, show_pii=True).text("Ada env-secret") == f"Ada {MASK}"
    assert Masker.for_lead(config, lead, show_secrets=True).text("Ada env-secret") == (
        f"{MASK} env-secret"
    )
    shown = Masker.for_lead(config, None, show_secrets=True)
    assert shown.headers((("Authorization", "Bearer literal-token"),)) == (
        ("Authorization", "Bearer literal-token"),
    )


@pytest.mark.parametrize(
    ("auth", "where"),
    [
        ({"type": "bearer", "token": "literal-token"}, "header"),
        ({"type": "basic", "username": "u", "password": "literal-token"}, "header"),
        ({"type": "header", "name": "X-Key", "value": "literal-token"}, "header"),
        ({"type": "query", "name": "key", "value": "literal-token"}, "url"),
    ],
)
def test_auth_values_are_masked_even_when_not_in_config_secrets(
    auth: dict[str, str], where: str
) -> None:
    config = make_config(**auth)
    request = render_request(config.methods["acme"], "ping", make_lead())
    masked = Masker.for_lead(config, None).request(request)
    shown = masked.url if where == "url" else str(masked.headers)
    assert "literal-token" not in shown and MASK in shown
    assert "literal-token" not in Masker.for_lead(config, None).text("x literal-token")


def test_what_mappings_make_of_pii_is_masked_by_origin() -> None:
    """A reformatted birth date or an upper-cased name is not the lead's value, still pii."""
    fields = {
        **LEAD_TYPE.fields,
        "BirthDate": LEAD_TYPE.fields["BirthDate"].model_copy(update={"pii": True}),
    }
    lead_type = LEAD_TYPE.model_copy(update={"fields": fields})
    method = make_method(
        {
            "mappings": {
                "loud": {"field": "FirstName", "format": "upper"},
                "d1": {"field": "BirthDate", "format": "date:%Y%m%d"},
                "d2": {"field": "BirthDate", "format": "date:%d/%m/%Y"},
                "initials": {"template": "{{ lead.FirstName[:2] }}-{{ lead.State }}"},
                "state": {"field": "State", "format": "lower"},
            },
            "headers": {"X-Who": "{{ lead.FirstName | lower }}"},
        }
    )
    config = replace(make_config(), lead_types={"auto": lead_type}, methods={"acme": method})
    lead = make_lead(FirstName="Zoë")
    request = render_request(method, "ping", lead)
    assert b"19891210" in request.body and "ZO\u00cb".encode() in request.body
    masked = Masker.for_lead(config, lead).request(request)
    body = masked.body.decode()
    for leaked in ("ZO\u00cb", "19891210", "10/12/1989", "Zo-CA"):
        assert leaked not in body
    assert '"state":"ca"' in body  # not pii: shown
    assert masked.header("X-Who") == MASK
    shown = Masker.for_lead(config, lead, show_pii=True).request(request)
    assert shown.body == request.body


def test_validate_warns_about_a_secret_too_short_to_mask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pingpost.config import validate_config

    (tmp_path / "acme.yaml").write_text(
        "kind: delivery_method\nname: acme\nlead_type: auto\n"
        'ping: {url: "https://b.example/ping", auth: {type: bearer, token: "${PP_SHORT}"}}\n'
        'post: {url: "https://b.example/post"}\n'
    )
    monkeypatch.setenv("PP_SHORT", "h")
    warnings = [p for p in validate_config([tmp_path]).problems if p.severity == "warning"]
    assert any("${PP_SHORT} is shorter than 4 characters" in p.message for p in warnings)
    monkeypatch.setenv("PP_SHORT", "long-enough")
    problems = validate_config([tmp_path]).problems
    assert not any("shorter than" in p.message for p in problems)


@given(st.text(alphabet=st.sampled_from("azAZ09_.~-@/ +&<>\"'\t%é"), max_size=12))
def test_wire_forms_of_a_plain_value_are_the_value_alone(value: str) -> None:
    """The fast path (a value no encoding changes) gives what the encodings give."""
    from urllib.parse import quote, quote_plus

    from pingpost.masking.secrets import wire_forms

    forms = wire_forms.__wrapped__(value)
    assert value in forms
    assert {quote(value, safe=""), quote(value), quote_plus(value, safe="")} <= forms
    assert {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]} <= forms
    if all(c.isascii() and (c.isalnum() or c in "_.~-") for c in value):
        assert forms == {value}


@given(
    st.text(alphabet=st.sampled_from("azAZ09_.~-@/ +&<>\"'\\\t\n%é()#:;,=?![]{}|^`*$"), max_size=16)
)
def test_wire_forms_fast_paths_give_every_form_the_encodings_give(value: str) -> None:
    """`wire_forms` skips the encodings that cannot change a value (plain text has URL
    forms only); what it gives is what computing every form gives."""
    from pingpost.masking.secrets import all_forms, wire_forms

    assert wire_forms.__wrapped__(value) == all_forms(value)


def test_wire_forms_of_an_email_and_an_address() -> None:
    from pingpost.masking.secrets import wire_forms

    assert wire_forms.__wrapped__("ada@example.com") == {"ada@example.com", "ada%40example.com"}
    assert wire_forms.__wrapped__("1 Main St #2") == {
        "1 Main St #2",
        "1%20Main%20St%20%232",
        "1+Main+St+%232",
    }
