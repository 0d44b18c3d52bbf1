"""Small builders for render tests: a lead type, leads, methods and accounts as models."""

from __future__ import annotations

from typing import Any

from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType
from pingpost.leads import Lead, coerce_lead

LEAD_TYPE = LeadType.model_validate(
    {
        "kind": "lead_type",
        "name": "auto",
        "fields": {
            "FirstName": {"type": "string", "required": True, "pii": True},
            "Email": {"type": "email", "pii": True},
            "Phone": {"type": "phone", "pii": True},
            "ZipCode": {"type": "zip", "required": True},
            "State": {"type": "state"},
            "Age": {"type": "integer"},
            "Income": {"type": "number"},
            "Homeowner": {"type": "boolean"},
            "BirthDate": {"type": "date"},
            "Note": {"type": "string"},
        },
    }
)
SAMPLE = {
    "FirstName": "Ada",
    "Phone": "(415) 555-0100",
    "ZipCode": "94105",
    "State": "CA",
    "Age": 36,
    "Income": "1250.50",
    "Homeowner": True,
    "BirthDate": "1989-12-10",
}


def make_lead(**values: Any) -> Lead:
    data = {**SAMPLE, **values}
    return coerce_lead({k: v for k, v in data.items() if v is not None}, LEAD_TYPE)


def make_method(
    ping: dict[str, Any] | None = None, post: dict[str, Any] | None = None, name: str = "acme"
) -> DeliveryMethod:
    return DeliveryMethod.model_validate(
        {
            "kind": "delivery_method",
            "name": name,
            "lead_type": "auto",
            "ping": {"url": "https://buyer.example/ping", **(ping or {})},
            "post": {"url": "https://buyer.example/post", **(post or {})},
        }
    )


def make_account(**fields: Any) -> DeliveryAccount:
    return DeliveryAccount.model_validate(
        {"kind": "delivery_account", "name": "acme-gold", "method": "acme", **fields}
    )
