"""Each account's controls as they stand at an instant: what `pingpost accounts` shows.

Cap use in the current windows, the schedule open or closed (and when that
changes), a pause and its end, the last sale. Read fresh from the store, never
from a cache. Also which controls of a config need a store at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pingpost.config.bundle import Config
from pingpost.config.control_models import Period
from pingpost.controls.calendar import describe_end, window_end
from pingpost.controls.caps import period_of
from pingpost.controls.rules import AccountRules
from pingpost.controls.verdicts import paused_reason
from pingpost.store.api import Store
from pingpost.store.records import AccountState, Usage


@dataclass(frozen=True)
class CapUse:
    per: Period
    window: str  # `day:2026-12-03`
    leads: int | None  # the limits
    spend: Decimal | None
    used: Usage  # reservations in flight included
    resets_at: float | None  # None: `total`
    resets: str  # `resets 00:00 America/New_York`


@dataclass(frozen=True)
class AccountOverview:
    account: str
    zone: str
    schedule: str  # `always open`, `open (closes Fri 17:30 UTC)`, `off_schedule: opens ...`
    open: bool
    caps: tuple[CapUse, ...]
    paused_until: float | None  # None: not paused now
    paused: str | None  # `paused: until 14:32 America/New_York (20 consecutive errors)`
    last_sale_at: float | None
    exclusive: bool
    weight: float


async def overview(config: Config, store: Store, at: float) -> list[AccountOverview]:
    """Every account of `config`, by name, as it stands at `at`."""
    rules = [AccountRules.of(config.accounts[name], config) for name in sorted(config.accounts)]
    windows = {r.name: [c.window for c in r.claims(at)] for r in rules if r.caps is not None}
    usage = await store.usage(windows) if windows else {}
    states = await store.account_states([r.name for r in rules])
    return [_one(r, at, usage, states.get(r.name, AccountState())) for r in rules]


def _one(
    rules: AccountRules, at: float, usage: dict[tuple[str, str], Usage], state: AccountState
) -> AccountOverview:
    caps = tuple(
        CapUse(
            period_of(claim),
            claim.window,
            claim.leads,
            claim.spend,
            usage.get((rules.name, claim.window), Usage()),
            window_end(period_of(claim), at, rules.zone),
            describe_end(period_of(claim), at, rules.zone),
        )
        for claim in rules.claims(at)
    )
    paused = state.paused_until if state.paused_until and state.paused_until > at else None
    is_open, schedule = _schedule(rules, at)
    return AccountOverview(
        account=rules.name,
        zone=rules.zone.key,
        schedule=schedule,
        open=is_open,
        caps=caps,
        paused_until=paused,
        paused=paused_reason(paused, state.pause_reason, rules.zone, at) if paused else None,
        last_sale_at=state.last_sale_at,
        exclusive=rules.account.exclusive,
        weight=rules.account.weight,
    )


def _schedule(rules: AccountRules, at: float) -> tuple[bool, str]:
    schedule = rules.schedule
    if schedule is None:
        return True, "always open"
    if not schedule.is_open(at):
        return False, f"off_schedule: {schedule.opens_text(at)}"
    if schedule.next_close(at) is None:  # every day 00:00 to 24:00
        return True, "always open"
    return True, f"open ({schedule.closes_text(at)})"


def store_needs(config: Config) -> tuple[str, ...]:
    """The controls of `config` that cannot run without a store, in words (empty: none).

    Schedules and health work without one (a pause then holds in this process only).
    """
    accounts = sorted(config.accounts.items())
    needs = [f"caps on delivery_account `{name}`" for name, a in accounts if a.caps]
    needs += [
        f"dedupe on lead_type `{name}`"
        for name, lead_type in sorted(config.lead_types.items())
        if lead_type.dedupe is not None
    ]
    needs += [f"dedupe on delivery_account `{name}`" for name, a in accounts if a.dedupe]
    if config.settings.auction.strategy == "round_robin":
        needs.append("strategy round_robin")
    return tuple(needs)
