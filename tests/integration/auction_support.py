"""Shared setup for the auction integration tests: sandbox buyers and configs that speak to them.

Every buyer is a `json_status` sandbox buyer (accept: `{"status": "success",
"pingToken": ..., "price": "12.34"}`), one delivery method and one account per
buyer, all built in code so each test states exactly the buyers it needs.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pingpost.auction import AuctionResult, run_auction
from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType, Settings
from pingpost.leads import Lead
from pingpost.sandbox import Sandbox, SandboxSpec, start_sandbox
from pingpost.transport import HttpTransport

LEAD_TYPE = LeadType.model_validate(
    {
        "kind": "lead_type",
        "name": "it",
        "fields": {
            "Ref": {"type": "string", "required": True},
            "State": {"type": "state", "required": True},
            "Age": {"type": "integer"},
        },
    }
)


def lead(ref: str = "L1", state: str = "CA", age: int = 30) -> Lead:
    return Lead("it", {"Ref": ref, "State": state, "Age": age})


def buyer(name: str, bid: float, **kw: Any) -> dict[str, Any]:
    """A sandbox buyer answering json_status at a fixed bid, fast by default."""
    return {
        "name": name,
        "style": "json_status",
        "ping_path": f"/{name}/ping",
        "post_path": f"/{name}/post",
        "bid": [bid, bid],
        "latency_ms": [1, 3],
        **kw,
    }


@contextmanager
def sandbox(*buyers: dict[str, Any], **spec: Any) -> Iterator[Sandbox]:
    with start_sandbox(SandboxSpec.model_validate({"buyers": buyers, **spec}), port=0) as sb:
        yield sb


def method(name: str, base: str, *, post_url: str | None = None, **post: Any) -> DeliveryMethod:
    return DeliveryMethod.model_validate(
        {
            "kind": "delivery_method",
            "name": name,
            "lead_type": "it",
            "ping": {
                "url": f"{base}/{name}/ping",
                "mappings": {"ref": "Ref", "state": "State", "age": "Age"},
                "response": {
                    "accept": {"path": "status", "equals": "success"},
                    "bid": "price",
                    "reason": "message",
                    "capture": {"token": "pingToken"},
                },
            },
            "post": {
                "url": post_url or f"{base}/{name}/post",
                "mappings": {"pingToken": {"capture": "token"}, "ref": "Ref", "state": "State"},
                "response": {
                    "accept": {"path": "status", "equals": "success"},
                    "reason": "message",
                },
                **post,
            },
        }
    )


def config(
    base: str,
    accounts: list[dict[str, Any]],
    *,
    methods: list[DeliveryMethod] = (),  # type: ignore[assignment]
    **auction: Any,
) -> Config:
    """Accounts (dicts: name + any account keys); each gets a method of its name unless given."""
    built = {m.name: m for m in methods}
    parsed = []
    for data in accounts:
        acc = DeliveryAccount.model_validate(
            {"kind": "delivery_account", "method": data["name"], **data}
        )
        built.setdefault(acc.method, method(acc.method, base))
        parsed.append(acc)
    return Config(
        lead_types={"it": LEAD_TYPE},
        methods=built,
        accounts={a.name: a for a in parsed},
        settings=Settings.model_validate({"auction": {"post_timeout": 2, **auction}}),
    )


def run(the_lead: Lead, cfg: Config, **kw: Any) -> AuctionResult:
    async def main() -> AuctionResult:
        async with HttpTransport.for_config(cfg) as transport:
            return await run_auction(the_lead, cfg, transport=transport, **kw)

    return asyncio.run(main())


def statuses(result: AuctionResult) -> dict[str, str]:
    return {a.account: a.status for a in result.accounts}


def posts_by_ref(ledger: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The sandbox's post entries grouped by the lead's `ref`, in arrival order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in sorted(ledger, key=lambda e: e["seq"]):
        if entry["phase"] == "post":
            grouped.setdefault(json.loads(entry["body"])["ref"], []).append(entry)
    return grouped


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
