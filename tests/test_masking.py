"""The Masker: secrets and pii hidden in every form they take on the wire (P12)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from urllib.parse import quote, quote_plus

import pytest
from render.helpers import LEAD_TYPE, make_lead, make_method

from pingpost.config.bundle import Config
from pingpost.config.models import Settings
from pingpost.exchange import Failure, RawResponse, RenderedRequest
from pingpost.masking import MASK, Masker
from pingpost.render import render_request

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
    assert Masker(["k"]).text("keys") == f"{MASK}eys"  # a secret is masked whatever its size


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


def make_config(**auth: str) -> Config:
    method = make_method({"auth": auth or {"type": "none"}})
    return Config(
        lead_types={"auto": LEAD_TYPE},
        methods={"acme": method},
        accounts={},
        settings=Settings(),
        secrets=frozenset({"env-secret"}),
    )


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
