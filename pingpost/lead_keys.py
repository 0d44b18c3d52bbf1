"""A lead's canonical JSON and its lead key: how a rerun recognises a lead (W3).

    lead as received ──► canonical JSON (keys sorted, no spaces, numbers as written)
                     ──► sha256(lead type + "\\n" + canonical JSON) ──► lead key

The canonical JSON is also what the store keeps as "the lead as received": the
fields and values the source sent, before coercion (a phone stays `(415)
555-0100`), so that a re-post sends exactly what the first post would have.
Two leads with the same key are the same lead; reformatting a value makes a
new lead (duplicate checks, which normalise, are the controls' business).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pingpost.leads import Lead

_encode_string = json.encoder.encode_basestring  # C-accelerated, ensure_ascii=False


def canonical_json(value: Any) -> str:
    """`value` as canonical JSON: object keys sorted, `,` and `:` without spaces, text
    unescaped but for JSON's own escapes, decimals exactly as they were parsed."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_encode_string(value))
    elif value is None or isinstance(value, bool):
        out.append("null" if value is None else ("true" if value else "false"))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        out.append(_number(value))
    elif isinstance(value, float):
        out.append(json.dumps(value) if value == value and abs(value) != float("inf") else "null")
    elif isinstance(value, Mapping):
        out.append("{")
        for i, key in enumerate(sorted(value, key=str)):
            if i:
                out.append(",")
            out.append(_encode_string(str(key)))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, date | datetime):
        out.append(_encode_string(value.isoformat()))
    else:
        out.append(_encode_string(str(value)))


def _number(value: Decimal) -> str:
    if not value.is_finite():
        return "null"  # never from a lead (refused at the door): still valid JSON
    text = str(value)  # `12.10` stays `12.10`; `1E+2` is valid JSON too
    return text


def received_json(lead: Lead) -> str:
    """The lead as received, as canonical JSON (its coerced values for a lead built in
    code without a received form)."""
    return canonical_json(lead.received if lead.received is not None else lead.values)


def lead_key(lead_type: str, lead_json: str) -> str:
    """The lead key: hex sha256 of the lead type's name and the lead's canonical JSON."""
    digest = hashlib.sha256(lead_type.encode("utf-8"))
    digest.update(b"\n")
    digest.update(lead_json.encode("utf-8"))
    return digest.hexdigest()
