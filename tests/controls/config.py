"""A config of delivery accounts with controls, built from plain dicts (no files)."""

from __future__ import annotations

from typing import Any

from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType, Settings
from pingpost.leads import Lead, coerce_lead

LEAD_TYPE: dict[str, Any] = {
    "kind": "lead_type",
    "name": "home",
    "fields": {
        "Phone": {"type": "phone", "required": True},
        "Email": {"type": "email"},
        "Zip": {"type": "zip"},
    },
}
METHOD = DeliveryMethod.model_validate(
    {
        "kind": "delivery_method",
        "name": "m",
        "lead_type": "home",
        "ping": {"url": "http://127.0.0.1:9/ping"},
        "post": {"url": "http://127.0.0.1:9/post"},
    }
)


def account(name: str, **controls: Any) -> DeliveryAccount:
    return DeliveryAccount.model_validate(
        {"kind": "delivery_account", "name": name, "method": "m", **controls}
    )


def config(
    *accounts: DeliveryAccount,
    lead_dedupe: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
) -> Config:
    lead_type = LeadType.model_validate(
        {**LEAD_TYPE, **({"dedupe": lead_dedupe} if lead_dedupe else {})}
    )
    return Config(
        lead_types={"home": lead_type},
        methods={"m": METHOD},
        accounts={a.name: a for a in accounts},
        settings=Settings.model_validate({"kind": "settings", **(settings or {})}),
    )


def lead(cfg: Config, phone: str = "415-555-2030", **values: Any) -> Lead:
    return coerce_lead({"Phone": phone, **values}, cfg.lead_types["home"])
