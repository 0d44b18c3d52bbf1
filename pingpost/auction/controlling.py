"""The buyer controls' part in one auction (docs/controls.md), around the engine's steps.

    lead ──► lead_check (the lead type's dedupe: `duplicate`, looked up, not consumed)
    eligible ──► hold_back (off_schedule, paused, capped, duplicate: not pinged)
    each ping and post answered ──► health (consecutive failures may pause the account)
    round_robin ──► last_sales (the store's last sale of each bidder)

The decisions are `pingpost.controls`'; this module applies them to the
auction's entries. Consuming happens only through the write-ahead (the lead's
dedupe claim, the caps' reservations), never here: a dry run only looks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pingpost.auction.context import Entry
from pingpost.controls import Controls, LeadCheck, store_needs
from pingpost.errors import PingpostError
from pingpost.store.memory import MemoryStore

if TYPE_CHECKING:
    from pingpost.config.bundle import Config
    from pingpost.leads import Lead
    from pingpost.store.api import Store

FAILED_PING = frozenset({"error"})
FAILED_POST = frozenset({"post_error", "in_doubt"})
ANSWERED_POST = frozenset({"sold", "post_rejected"})


class StoreNeeded(PingpostError):
    """The config uses controls that keep state in the store, and there is none."""

    def __init__(self, needs: tuple[str, ...]) -> None:
        self.needs = needs
        super().__init__(
            "these buyer controls need a store to run: "
            + "; ".join(needs)
            + " (run with a store, or remove them from the config)"
        )


_HAS_CONTROLS: list[tuple[Config, bool]] = []  # the last config asked about


def has_controls(config: Config) -> bool:
    """Whether any control applies to this config (else the engine skips them all)."""
    for known, answer in _HAS_CONTROLS:
        if known is config:
            return answer
    accounts = config.accounts.values()
    answer = (
        any(a.schedule or a.caps or a.dedupe or a.health for a in accounts)
        or any(lt.dedupe is not None for lt in config.lead_types.values())
        or config.settings.auction.strategy == "round_robin"
    )
    _HAS_CONTROLS[:] = [(config, answer)]
    return answer


def controls_for(config: Config, store: Store | None, clock: Callable[[], float]) -> Controls:
    """The controls of `config` over `store`. Without a store only schedules and health
    can run (a pause then holds in this process); the others raise StoreNeeded."""
    if store is None:
        needs = store_needs(config)
        if needs:
            raise StoreNeeded(needs)
        return Controls(config, MemoryStore(), clock=clock)
    return Controls(config, store, clock=clock)


async def lead_check(
    controls: Controls, lead: Lead, auction_id: str, again_of: str | None
) -> LeadCheck:
    """The lead-level duplicate check, looked up only (the claim is the write-ahead's)."""
    return await controls.check_lead(lead, auction_id, consume=False, again_of=again_of)


async def hold_back(controls: Controls, eligible: list[Entry], key: str | None) -> list[Entry]:
    """The eligible entries the controls let through; the others get their verdict."""
    if not eligible:
        return eligible
    verdicts = await controls.before_ping((e.name for e in eligible), key=key)
    if not verdicts:
        return eligible
    kept = []
    for entry in eligible:
        verdict = verdicts.get(entry.name)
        if verdict is None:
            kept.append(entry)
        else:
            entry.set(verdict.status, verdict.reason)
    return kept


async def health(controls: Controls, entries: Iterable[Entry], phase: str) -> None:
    """Count each answered exchange for the accounts with a `health` rule. Failures are
    the buyer's errors and timeouts; a request pingpost could not build is not."""
    rules = controls.health.rules
    if not rules:
        return
    for entry in entries:
        if entry.name not in rules:
            continue
        exchange = entry.ping if phase == "ping" else entry.post
        if exchange is None or exchange.request is None:
            continue  # not sent: nothing to learn about the buyer
        if phase == "ping":
            failed = entry.status in FAILED_PING
        elif entry.status in FAILED_POST or entry.status in ANSWERED_POST:
            failed = entry.status in FAILED_POST
        else:
            continue
        await controls.exchange_done(entry.name, failed=failed)
