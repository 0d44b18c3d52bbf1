"""Dedupe keys: normalised fields, the whole lead without fields, salted hashes only."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from decimal import Decimal

from pingpost.config.models import LeadType
from pingpost.controls.dedupe import dedupe_key, dedupe_text, normalised
from pingpost.leads import coerce_lead

SALT = b"0123456789abcdef"


def lead_type(dedupe: dict[str, object] | None) -> LeadType:
    data: dict[str, object] = {
        "kind": "lead_type",
        "name": "home",
        "fields": {
            "Phone": {"type": "phone"},
            "Email": {"type": "email"},
            "Name": {"type": "string"},
            "Age": {"type": "integer"},
        },
    }
    if dedupe is not None:
        data["dedupe"] = dedupe
    return LeadType.model_validate(data)


BY_PHONE = lead_type({"fields": ["Phone"], "within": "30d"})
BY_CONTACT = lead_type({"fields": ["Phone", "Email"], "within": "30d"})
WHOLE = lead_type({"within": "30d"})


def key(lt: LeadType, **values: object) -> str | None:
    return dedupe_key(coerce_lead(values, lt), lt, SALT)


def test_normalised_values() -> None:
    assert normalised("(415) 555-2030", "phone") == "4155552030"
    assert normalised("  Ada@Example.COM ", "email") == "ada@example.com"
    assert normalised("  Ada Lovelace ", "string") == "Ada Lovelace"
    assert normalised(Decimal("30.0")) == normalised(30) == "30"
    assert normalised(Decimal("12.50")) == "12.5"
    assert normalised(date(2026, 12, 3)) == "2026-12-03"
    assert normalised(True) == "true"


def test_phone_punctuation_does_not_make_a_new_lead() -> None:
    one = key(BY_PHONE, Phone="(415) 555-2030", Name="Ada")
    assert one is not None
    assert key(BY_PHONE, Phone="415.555.2030", Name="Grace") == one
    assert key(BY_PHONE, Phone="415-555-2031") != one


def test_email_case_and_spaces_do_not_make_a_new_lead() -> None:
    one = key(BY_CONTACT, Phone="4155552030", Email="Ada@Example.com")
    assert key(BY_CONTACT, Phone="415 555 2030", Email=" ada@example.COM ") == one
    assert key(BY_CONTACT, Phone="4155552030", Email="grace@example.com") != one


def test_without_fields_the_whole_lead_counts() -> None:
    one = key(WHOLE, Phone="4155552030", Name=" Ada ", Age=30)
    assert key(WHOLE, Phone="(415) 555-2030", Name="Ada", Age="30") == one
    assert key(WHOLE, Phone="4155552030", Name="Ada", Age=31) != one
    # an account dedupe on a lead type without a rule of its own also uses the whole lead
    assert key(lead_type(None), Phone="4155552030", Name="Ada", Age=30) is not None


def test_a_lead_without_any_dedupe_field_has_no_key() -> None:
    assert key(BY_PHONE, Name="Ada") is None


def test_the_key_is_an_hmac_of_the_lead_type_and_the_values_never_the_values() -> None:
    lead = coerce_lead({"Phone": "(415) 555-2030"}, BY_PHONE)
    text = dedupe_text(lead, BY_PHONE)
    assert text == '["home",{"Phone":"4155552030"}]'
    found = dedupe_key(lead, BY_PHONE, SALT)
    assert found == hmac.new(SALT, text.encode(), hashlib.sha256).hexdigest()
    assert found is not None and "4155552030" not in found
    assert dedupe_key(lead, BY_PHONE, b"another salt....") != found
    other_type = BY_PHONE.model_copy(update={"name": "auto"})
    assert dedupe_key(coerce_lead({"Phone": "4155552030"}, other_type), other_type, SALT) != found
