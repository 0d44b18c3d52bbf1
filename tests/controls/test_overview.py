"""Each account's controls as they stand (for `pingpost accounts`), and what needs a store."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from pingpost.controls import Controls, store_needs
from pingpost.store import MemoryStore
from pingpost.store.records import Usage

from .config import account, config
from .helpers import FakeClock, at, reserve, settle


def test_overview_shows_cap_use_schedule_and_pause() -> None:
    clock = FakeClock(at("2026-12-03 14:22"))  # Thursday, New York
    cfg = config(
        account(
            "gold",
            timezone="America/New_York",
            schedule=[
                {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:30"}
            ],
            caps=[{"per": "day", "leads": 3}, {"per": "month", "spend": "100.00"}],
            health={"pause_after": 1, "pause_for": "10m"},
            exclusive=False,
        ),
        account("plain", timezone="America/New_York"),
    )
    c = Controls(cfg, MemoryStore(), clock=clock)

    async def main() -> None:
        intent, _ = await reserve(c, "gold", "12.50")
        await settle(c, intent, "sold")
        await c.exchange_done("gold", failed=True)

    asyncio.run(main())
    gold, plain = asyncio.run(c.overview())
    assert (gold.account, gold.zone, gold.open) == ("gold", "America/New_York", True)
    assert gold.schedule == "open (closes Thu 17:30 America/New_York)"
    assert [(u.window, u.leads, u.spend, u.used, u.resets) for u in gold.caps] == [
        ("day:2026-12-03", 3, None, Usage(1, Decimal("12.50")), "resets 00:00 America/New_York"),
        (
            "month:2026-12",
            None,
            Decimal("100.00"),
            Usage(1, Decimal("12.50")),
            "resets Jan 1 00:00 America/New_York",
        ),
    ]
    assert gold.paused == "paused: until 14:32 America/New_York (1 error)"
    assert gold.last_sale_at == clock.now and gold.exclusive is False
    assert (plain.schedule, plain.caps, plain.paused, plain.last_sale_at) == (
        "always open",
        (),
        None,
        None,
    )
    clock.now = at("2026-12-03 18:00")
    gold = asyncio.run(c.overview())[0]
    assert (gold.open, gold.schedule, gold.paused) == (
        False,
        "off_schedule: opens Fri 09:00 America/New_York",
        None,
    )


def test_store_needs_names_caps_dedupe_and_round_robin() -> None:
    assert store_needs(config(account("a", schedule=[{"from": "09:00", "to": "17:00"}]))) == ()
    cfg = config(
        account("a", caps=[{"per": "day", "leads": 1}]),
        account("b", dedupe={"within": "1d"}, health={}),
        lead_dedupe={"fields": ["Phone"], "within": "30d"},
        settings={"auction": {"strategy": "round_robin"}},
    )
    assert store_needs(cfg) == (
        "caps on delivery_account `a`",
        "dedupe on lead_type `home`",
        "dedupe on delivery_account `b`",
        "strategy round_robin",
    )
