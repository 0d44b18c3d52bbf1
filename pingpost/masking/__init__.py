"""Masking: the one place that hides secrets and pii before anything is shown (DESIGN §6, P12).

secrets.py  what counts as secret or pii, and the wire forms it is looked for in
matcher.py  finding those forms in text, fast
masker.py   the Masker: text, requests, responses and JSON-ready documents
"""

from __future__ import annotations

from pingpost.masking.masker import Masker
from pingpost.masking.secrets import (
    MASK,
    SHORT_SECRET,
    Needle,
    pii_fields,
    pii_values,
    requests_of,
    wire_forms,
)
from pingpost.masking.sites import Name

__all__ = [
    "MASK",
    "SHORT_SECRET",
    "Masker",
    "Name",
    "Needle",
    "pii_fields",
    "pii_values",
    "requests_of",
    "wire_forms",
]
