"""`Controls` over MemoryStore: every verdict with its reason, caps that hold under
concurrency, releases and doubts, duplicates, pauses, round robin, dry runs."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

from pingpost.auction.selection import Bid, rank
from pingpost.config.bundle import Config
from pingpost.controls import Controls, Verdict
from pingpost.store import MemoryStore

from .config import account, config, lead
from .helpers import NY, FakeClock, at, reserve, settle

THURSDAY = at("2026-12-03 14:20")


def controls(cfg: Config, clock: FakeClock, store: MemoryStore | None = None) -> Controls:
    return Controls(cfg, store or MemoryStore(), clock=clock, cache_for=1.0)


def verdicts(c: Controls, *names: str, key: str | None = None) -> dict[str, str]:
    found = asyncio.run(c.before_ping(names, key=key))
    return {name: v.reason for name, v in found.items()}


# -- schedules ---------------------------------------------------------------------------


def test_off_schedule_with_when_it_opens_then_open() -> None:
    clock = FakeClock(at("2026-12-05 18:00"))  # a Saturday evening
    cfg = config(
        account(
            "office",
            timezone="America/New_York",
            schedule=[
                {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:30"}
            ],
        ),
        account("always"),
    )
    c = controls(cfg, clock)
    assert verdicts(c, "office", "always") == {
        "office": "off_schedule: opens Mon 09:00 America/New_York"
    }
    clock.now = at("2026-12-07 09:00")
    assert verdicts(c, "office", "always") == {}
    clock.now = at("2026-12-07 17:30")
    assert verdicts(c, "office") == {"office": "off_schedule: opens Tue 09:00 America/New_York"}


def test_settings_timezone_is_the_default_zone() -> None:
    clock = FakeClock(at("2026-12-03 08:00", NY))  # 08:00 in New York, 13:00 UTC
    window = [{"from": "09:00", "to": "17:00"}]
    cfg = config(account("a", schedule=window), settings={"timezone": "America/New_York"})
    assert verdicts(controls(cfg, clock), "a") == {
        "a": "off_schedule: opens Thu 09:00 America/New_York"
    }
    utc = config(account("a", schedule=window))
    assert verdicts(controls(utc, clock), "a") == {}


# -- caps ----------------------------------------------------------------------------------


def test_50_concurrent_auctions_against_a_cap_of_10_reserve_exactly_10() -> None:
    clock = FakeClock(THURSDAY)
    cfg = config(account("top", timezone="America/New_York", caps=[{"per": "day", "leads": 10}]))
    c = controls(cfg, clock)

    async def auction() -> str:
        if (await c.before_ping(["top"])).get("top"):
            return "capped before the ping"
        intent, refused = await reserve(c, "top")
        if refused is not None:
            assert refused.reason == (
                "capped: 10 leads per day reached (resets 00:00 America/New_York)"
            )
            return "capped at the reservation"
        await asyncio.sleep(0)
        await settle(c, intent, "sold")
        return "sold"

    async def main() -> Counter[str]:
        return Counter(await asyncio.gather(*(auction() for _ in range(50))))

    outcomes = asyncio.run(main())
    assert outcomes["sold"] == 10
    assert outcomes["capped at the reservation"] == 40  # every one pinged: the cache was fresh
    usage = asyncio.run(c.store.usage({"top": ["day:2026-12-03"]}))
    assert usage[("top", "day:2026-12-03")].leads == 10
    assert verdicts(c, "top") == {
        "top": "capped: 10 leads per day reached (resets 00:00 America/New_York)"
    }
    clock.now = at("2026-12-04 00:00")  # local midnight: a new day, a new counter
    assert verdicts(c, "top") == {}


def test_a_spend_cap_with_decimals_stops_at_the_budget_never_one_sale_past_it() -> None:
    clock = FakeClock(THURSDAY)
    cfg = config(account("a", caps=[{"per": "month", "spend": "100.00"}]))
    c = controls(cfg, clock)

    async def main() -> list[str]:
        sold = []
        for amount in ["33.33", "33.33", "33.33", "0.02", "0.01", "5.00"]:
            intent, refused = await reserve(c, "a", amount)
            if refused is None:
                await settle(c, intent, "sold")
                sold.append(amount)
            else:
                assert refused.reason.startswith("capped: spend 100.00 per month: a sale at ")
        return sold

    assert asyncio.run(main()) == ["33.33", "33.33", "33.33", "0.01"]
    usage = asyncio.run(c.store.usage({"a": ["month:2026-12"]}))[("a", "month:2026-12")]
    assert usage.spend == Decimal("100.00")
    assert verdicts(c, "a") == {
        "a": "capped: spend 100.00 per month reached (resets Jan 1 00:00 UTC)"
    }


def test_a_sale_confirmed_at_a_lower_price_counts_the_price() -> None:
    clock = FakeClock(THURSDAY)
    c = controls(config(account("a", caps=[{"per": "day", "spend": "20"}])), clock)

    async def main() -> Verdict | None:
        intent, _ = await reserve(c, "a", "15")
        await settle(c, intent, "sold", price="5")
        intent, refused = await reserve(c, "a", "15")  # 5 + 15 = 20: fits
        assert refused is None
        await settle(c, intent, "sold")
        return (await reserve(c, "a", "0.01"))[1]

    refused = asyncio.run(main())
    assert refused is not None and refused.status == "capped"


def test_a_released_reservation_lets_the_next_sale_in_and_a_doubtful_one_keeps_it() -> None:
    clock = FakeClock(THURSDAY)
    c = controls(config(account("a", caps=[{"per": "total", "leads": 1}])), clock)

    async def main() -> list[str]:
        steps = []
        first, _ = await reserve(c, "a")
        _, refused = await reserve(c, "a")
        steps.append(refused.reason if refused else "reserved")
        await settle(c, first, "post_rejected")  # definitive: the reservation is released
        second, refused = await reserve(c, "a")
        steps.append(refused.reason if refused else "reserved")
        await settle(c, second, "in_doubt")  # may have sold: the reservation stays
        _, refused = await reserve(c, "a")
        steps.append(refused.reason if refused else "reserved")
        steps.append(str(await c.before_ping(["a"])))
        return steps

    steps = asyncio.run(main())
    assert steps[0] == "capped: 1 lead in total reached (never resets)"
    assert steps[1] == "reserved"
    assert steps[2] == "capped: 1 lead in total reached (never resets)"
    assert "capped: 1 lead in total reached" in steps[3]


def test_a_sale_by_another_process_is_seen_after_the_cache_expires() -> None:
    clock = FakeClock(THURSDAY)
    store = MemoryStore()
    cfg = config(account("a", caps=[{"per": "day", "leads": 1}]))
    here, there = controls(cfg, clock, store), controls(cfg, clock, store)
    assert verdicts(here, "a") == {}  # read once, cached for a second
    _, refused = asyncio.run(reserve(there, "a"))
    assert refused is None
    assert verdicts(here, "a") == {}  # stale: at worst a wasted ping, the store still refuses
    assert asyncio.run(reserve(here, "a"))[1] is not None
    assert "a" in verdicts(here, "a")  # the refusal updated the cache at once
    fresh = controls(cfg, clock, store)
    assert verdicts(fresh, "a") == {"a": "capped: 1 lead per day reached (resets 00:00 UTC)"}


# -- duplicates -------------------------------------------------------------------------------


def test_a_lead_seen_within_the_window_is_a_duplicate_by_normalised_fields() -> None:
    clock = FakeClock(THURSDAY)
    cfg = config(account("a"), lead_dedupe={"fields": ["Phone", "Email"], "within": "30d"})
    c = controls(cfg, clock)
    first = asyncio.run(c.check_lead(lead(cfg, "(415) 555-2030", Email="Ada@Example.com"), "A1"))
    assert first.duplicate is None and first.key is not None
    clock.advance(29 * 86400)
    again = lead(cfg, "415.555.2030", Email=" ada@example.COM")
    second = asyncio.run(c.check_lead(again, "A2"))
    assert second.duplicate == Verdict(
        "duplicate", "duplicate: same Phone, Email as auction A1 within 30d"
    )
    assert second.earlier == "A1" and second.key == first.key
    other = asyncio.run(c.check_lead(lead(cfg, "415 555 2031", Email="ada@example.com"), "A3"))
    assert other.duplicate is None
    clock.advance(2 * 86400)  # 31 days after the first: outside the window
    assert asyncio.run(c.check_lead(again, "A4")).duplicate is None


def test_dry_runs_look_but_never_record() -> None:
    clock = FakeClock(THURSDAY)
    cfg = config(account("a"), lead_dedupe={"fields": ["Phone"], "within": "30d"})
    c = controls(cfg, clock)
    one = lead(cfg)
    assert asyncio.run(c.check_lead(one, "D1", consume=False)).duplicate is None
    assert asyncio.run(c.check_lead(one, "D2", consume=False)).duplicate is None
    assert asyncio.run(c.check_lead(one, "R1")).duplicate is None  # nothing was recorded
    looked = asyncio.run(c.check_lead(one, "D3", consume=False))
    assert looked.duplicate is not None and looked.earlier == "R1"


def test_the_same_auction_again_is_not_its_own_duplicate() -> None:
    clock = FakeClock(THURSDAY)
    cfg = config(account("a"), lead_dedupe={"fields": ["Phone"], "within": "30d"})
    c = controls(cfg, clock)
    asyncio.run(c.check_lead(lead(cfg), "SRC-1"))
    assert asyncio.run(c.check_lead(lead(cfg), "SRC-1")).duplicate is None  # id_field, --lead-id
    assert asyncio.run(c.check_lead(lead(cfg), "new-id", again_of="SRC-1")).duplicate is None


def test_an_account_never_gets_a_lead_it_bought_within_its_window() -> None:
    clock = FakeClock(THURSDAY)
    cfg = config(account("a", dedupe={"within": "90d"}), account("b", dedupe={"within": "1d"}))
    c = controls(cfg, clock)
    key = asyncio.run(c.check_lead(lead(cfg), "L1")).key  # no lead-level rule: whole lead
    assert key is not None

    async def sell(name: str) -> None:
        intent, _ = await reserve(c, name)
        await settle(c, intent, "sold", dedupe_key=key)

    asyncio.run(sell("a"))
    asyncio.run(sell("b"))
    clock.advance(2 * 86400)
    assert verdicts(c, "a", "b", key=key) == {
        "a": "duplicate: bought this lead within the last 90d"
    }
    other = asyncio.run(c.check_lead(lead(cfg, "415-555-9999"), "L2")).key
    assert verdicts(c, "a", "b", key=other) == {}
    clock.advance(89 * 86400)
    assert verdicts(c, "a", "b", key=key) == {}


# -- health ------------------------------------------------------------------------------------


def test_auto_pause_opens_after_n_errors_and_closes_after_the_cool_down() -> None:
    clock = FakeClock(at("2026-12-03 14:22"))
    store = MemoryStore()
    cfg = config(
        account("flaky", timezone="America/New_York", health={"pause_after": 3, "pause_for": "10m"})
    )
    c = controls(cfg, clock, store)

    async def errors(n: int) -> list[Verdict | None]:
        return [await c.exchange_done("flaky", failed=True) for _ in range(n)]

    assert asyncio.run(errors(2)) == [None, None]
    assert asyncio.run(c.exchange_done("flaky", failed=False)) is None  # an answer resets
    *quiet, paused = asyncio.run(errors(3))
    assert quiet == [None, None]
    assert paused == Verdict(
        "paused", "paused: until 14:32 America/New_York (3 consecutive errors)", "flaky"
    )
    assert verdicts(c, "flaky") == {
        "flaky": "paused: until 14:32 America/New_York (3 consecutive errors)"
    }
    state = asyncio.run(store.account_states(["flaky"]))["flaky"]
    assert state.paused_until == clock.now + 600  # in the store: other processes and stats
    assert verdicts(controls(cfg, clock, store), "flaky") == {
        "flaky": "paused: until 14:32 America/New_York (3 consecutive errors)"
    }
    clock.advance(599)
    assert "flaky" in verdicts(c, "flaky")
    clock.advance(1)
    assert verdicts(c, "flaky") == {}


# -- round robin --------------------------------------------------------------------------------


def test_round_robin_over_30_leads_with_the_store_rotates_fairly() -> None:
    clock = FakeClock(THURSDAY)
    cfg = config(
        account("a"), account("b"), account("c"), settings={"auction": {"strategy": "round_robin"}}
    )
    c = controls(cfg, clock)
    amounts = {"a": "9", "b": "12", "c": "10"}

    async def one_lead() -> str:
        last = await c.last_sales(amounts)
        bids = [Bid(n, 0, Decimal(v), last_sale_at=last[n]) for n, v in amounts.items()]
        winner = rank(bids, strategy="round_robin", tie_break="priority")[0].account
        intent, _ = await reserve(c, winner)
        await settle(c, intent, "sold")
        return winner

    winners = []
    for _ in range(30):
        winners.append(asyncio.run(one_lead()))
        clock.advance(1)
    assert Counter(winners) == {"a": 10, "b": 10, "c": 10}
    assert winners[:3] == ["b", "c", "a"]
    states = asyncio.run(c.store.account_states(["a", "b", "c"]))
    assert sorted(states, key=lambda n: states[n].last_sale_at or 0) == ["b", "c", "a"]


# -- order and the fast path ---------------------------------------------------------------------


def test_the_first_verdict_that_applies_wins() -> None:
    clock = FakeClock(at("2026-12-05 18:00"))
    cfg = config(
        account(
            "a",
            schedule=[{"days": ["mon"], "from": "09:00", "to": "10:00"}],
            caps=[{"per": "total", "leads": 1}],
        )
    )
    c = controls(cfg, clock)
    asyncio.run(reserve(c, "a"))
    assert verdicts(c, "a") == {"a": "off_schedule: opens Mon 09:00 UTC"}


def test_accounts_without_controls_cost_no_store_read() -> None:
    class Counting(MemoryStore):
        reads = 0

        async def usage(self, windows: Any) -> Any:
            Counting.reads += 1
            return await super().usage(windows)

        async def account_states(self, accounts: Any) -> Any:
            Counting.reads += 1
            return await super().account_states(accounts)

    cfg = config(account("plain"))
    c = controls(cfg, FakeClock(THURSDAY), Counting())
    assert verdicts(c, "plain") == {}
    assert asyncio.run(c.check_lead(lead(cfg), "x")).key is None
    assert Counting.reads == 0
