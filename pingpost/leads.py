"""Leads: loading and coercion against a lead type.

(Coercion and loading are being written; the `Lead` shape below is fixed.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Lead:
    """A lead that passed its lead type: values coerced to the field types.

    integer -> int, number -> Decimal, boolean -> bool, date -> datetime.date,
    phone -> 10 digits (str), zip/state/email/string/enum -> str. Fields absent
    from the input are absent here (never None).
    """

    lead_type: str
    values: Mapping[str, Any]
