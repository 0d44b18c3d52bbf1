"""Dedupe keys: which leads are "the same lead", as a salted hash, never the values.

    lead ──► the lead type's dedupe fields (else every field) ──► normalised
         ──► canonical JSON with the lead type's name ──► HMAC-SHA256(store salt) ──► key

Normalised: phone fields by their digits, email fields trimmed and lower-case,
numbers by value (`30` = `30.0`), dates ISO, other text trimmed. One key serves
both checks: the lead type's (`duplicate` before any ping) and each account's
(`duplicate` for an account that bought it). The key is scoped by the lead type
(its name is hashed with the values), so two lead types never share a key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pingpost.config.models import LeadType
from pingpost.leads import Lead

_NOT_DIGITS = re.compile(r"\D")


def normalised(value: Any, field_type: str | None = None) -> str:
    """One value as dedupe compares it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if field_type == "phone":
        return _NOT_DIGITS.sub("", str(value))
    if isinstance(value, int | Decimal):
        number = Decimal(value)
        return (
            str(int(number)) if number == number.to_integral_value() else f"{number.normalize():f}"
        )
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text.lower() if field_type == "email" else text


def dedupe_text(lead: Lead, lead_type: LeadType) -> str | None:
    """The canonical text a lead's key hashes (None: no dedupe field has a value).

    It holds the values: it never leaves this process; only its hash is stored.
    """
    rule = lead_type.dedupe
    names: Sequence[str] = (
        rule.fields if rule is not None and rule.fields is not None else sorted(lead.values)
    )
    values: dict[str, str] = {}
    for name in names:
        if name in lead.values:
            spec = lead_type.fields.get(name)
            text = normalised(lead.values[name], spec.type if spec is not None else None)
            if text:
                values[name] = text
    if not values:
        return None
    return json.dumps([lead_type.name, values], sort_keys=True, separators=(",", ":"))


def hashed(salt: bytes, text: str) -> str:
    """HMAC-SHA256 of `text` under the store's salt, as hex."""
    return hmac.new(salt, text.encode("utf-8"), hashlib.sha256).hexdigest()


def dedupe_key(lead: Lead, lead_type: LeadType, salt: bytes) -> str | None:
    """The lead's key, or None when it has nothing to compare by."""
    text = dedupe_text(lead, lead_type)
    return hashed(salt, text) if text is not None else None


def bought_since(windows: Mapping[str, float], at: float) -> dict[str, float]:
    """{account: within seconds} -> {account: the earliest sale time that still counts}."""
    return {account: at - within for account, within in windows.items()}
