"""Setup for the controls' end-to-end tests: sandbox buyers on real HTTP, configs that
speak to them (a lead type with a phone, for duplicates), and a run of many auctions
at once through the real engine on a real store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from pingpost.auction import AuctionResult
from pingpost.auction.continuing import deliver_lead
from pingpost.auction.setup import delivery_for
from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType, Settings
from pingpost.leads import Lead, coerce_lead
from pingpost.store.backends import open_store
from pingpost.transport import HttpTransport

LEAD_TYPE = LeadType.model_validate(
    {
        "kind": "lead_type",
        "name": "home",
        "fields": {
            "Ref": {"type": "string", "required": True},
            "Phone": {"type": "phone", "required": True, "pii": True},
            "State": {"type": "state", "required": True},
        },
    }
)


def lead(n: int, phone: str | None = None) -> Lead:
    """Lead `n`: its own ref and (unless given) its own phone number."""
    return coerce_lead(
        {"Ref": f"R{n}", "Phone": phone or f"(415) 555-{n:04d}", "State": "CA"}, LEAD_TYPE
    )


def buyer(name: str, bid: float | str, **kw: Any) -> dict[str, Any]:
    """A sandbox buyer answering json_status at a fixed bid, its posts counted by phone."""
    return {
        "name": name,
        "style": "json_status",
        "ping_path": f"/{name}/ping",
        "post_path": f"/{name}/post",
        "bid": [bid, bid],
        "latency_ms": [1, 3],
        "lead_field": "phone",
        **kw,
    }


def method(name: str, base: str) -> DeliveryMethod:
    return DeliveryMethod.model_validate(
        {
            "kind": "delivery_method",
            "name": name,
            "lead_type": "home",
            "ping": {
                "url": f"{base}/{name}/ping",
                "mappings": {"ref": "Ref", "state": "State"},
                "response": {
                    "accept": {"path": "status", "equals": "success"},
                    "bid": "price",
                    "reason": "message",
                    "capture": {"token": "pingToken"},
                },
            },
            "post": {
                "url": f"{base}/{name}/post",
                "mappings": {"pingToken": {"capture": "token"}, "ref": "Ref", "phone": "Phone"},
                "response": {
                    "accept": {"path": "status", "equals": "success"},
                    "reason": "message",
                },
            },
        }
    )


def config(
    base: str, accounts: list[dict[str, Any]], lead_type: LeadType = LEAD_TYPE, **auction: Any
) -> Config:
    """One method per account (named after it); `accounts` are dicts of account keys."""
    parsed = [
        DeliveryAccount.model_validate({"kind": "delivery_account", "method": a["name"], **a})
        for a in accounts
    ]
    return Config(
        lead_types={"home": lead_type},
        methods={a.name: method(a.name, base) for a in parsed},
        accounts={a.name: a for a in parsed},
        settings=Settings.model_validate({"auction": {"post_timeout": 5, **auction}}),
    )


def store_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))


def deliver_at_once(cfg: Config, leads: list[Lead], url: str) -> list[AuctionResult]:
    """Every lead's auction in flight at once (one process, one store, one transport)."""

    async def main() -> list[AuctionResult]:
        store = await open_store(url)
        try:
            how = delivery_for(cfg, store)
            async with HttpTransport.for_config(cfg) as transport:
                runs = [
                    deliver_lead(
                        one, cfg, transport=transport, store=how.store, controls=how.controls
                    )
                    for one in leads
                ]
                return list(await asyncio.gather(*runs))
        finally:
            await store.close()

    return asyncio.run(main())
