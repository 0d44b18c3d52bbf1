"""`Controls`: the buyer controls of one config over one store, for the engine.

    lead ──► check_lead ──► duplicate? refuse before any ping (key for later)
         ──► before_ping(accounts, key) ──► {account: off_schedule | paused | capped | duplicate}
         ──► pings ──► exchange_done (health: may pause an account)
         ──► rank (last_sales for round robin) ──► claims(account) ──► store.post_intent
         ──► intent_written (capped? next bidder) ──► post ──► store.post_outcome
         ──► outcome_written

The decisions are the pure functions beside this module; this class feeds them
the clock's instant and the store's state. Cap usage and account states are
read at most once per `cache_for` seconds and adjusted with this process's own
reservations and sales in between: the reservation in `post_intent` is the
authority, so a stale answer costs at most a wasted ping. Nothing here reads
the wall clock: `clock` (Unix seconds) is injected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from pingpost.config.bundle import Config
from pingpost.controls.cache import TimedCache
from pingpost.controls.caps import cap_verdict, is_full, reached_reason
from pingpost.controls.dedupe import dedupe_key
from pingpost.controls.health import Health, Pause
from pingpost.controls.overview import AccountOverview, overview
from pingpost.controls.rules import AccountRules
from pingpost.controls.verdicts import (
    LeadCheck,
    Verdict,
    account_duplicate_reason,
    lead_duplicate_reason,
    paused_reason,
)
from pingpost.leads import Lead
from pingpost.store.api import Store
from pingpost.store.errors import StoreUnavailable
from pingpost.store.records import (
    AccountState,
    CapClaim,
    CapReached,
    PostIntent,
    PostOutcome,
    Usage,
)

Clock = Callable[[], float]  # Unix seconds
UsageMap = dict[tuple[str, str], Usage]


class Controls:
    def __init__(self, config: Config, store: Store, *, clock: Clock, cache_for: float = 1.0):
        self.config = config
        self.store = store
        self.clock = clock
        self.rules = {name: AccountRules.of(a, config) for name, a in config.accounts.items()}
        self.health = Health({n: a.health for n, a in config.accounts.items() if a.health})
        self._capped = [r for r in self.rules.values() if r.caps is not None]
        self._usage: TimedCache[UsageMap] = TimedCache(cache_for)
        self._windows_since, self._windows_until = float("inf"), float("-inf")
        self._usage_changes = 0  # counts every change of the cached counters
        self._cap_memo: dict[str, tuple[int, tuple[CapClaim, ...], Verdict | None]] = {}
        self._states: TimedCache[dict[str, AccountState]] = TimedCache(cache_for)
        self._salt: bytes | None = None
        self._keyed = _keyed_lead_types(config)
        self._pauses: dict[str, Pause] = {}  # decided here: they hold even if the store missed one

    # -- before the ping -------------------------------------------------------------------

    async def check_lead(
        self, lead: Lead, auction_id: str, *, consume: bool = True, again_of: str | None = None
    ) -> LeadCheck:
        """The lead type's duplicate check, and the lead's dedupe key.

        `consume=False` (dry runs, test pings) only looks: nothing is recorded.
        `again_of`: the id of an interrupted auction of this very lead (W3), whose
        record is not a duplicate of it.
        """
        lead_type = self.config.lead_types[lead.lead_type]
        if lead.lead_type not in self._keyed:
            return LeadCheck()
        key = dedupe_key(lead, lead_type, await self._salt_bytes())
        rule = lead_type.dedupe
        if key is None or rule is None:
            return LeadCheck(key)
        now = self.clock()
        since = now - rule.within
        if consume:
            earlier = await self.store.claim_lead(
                lead_type.name, key, since=since, auction_id=auction_id, at=now
            )
        else:
            earlier = await self.store.seen_lead(lead_type.name, key, since=since)
        if earlier is None or earlier in (auction_id, again_of):
            return LeadCheck(key)
        verdict = Verdict("duplicate", lead_duplicate_reason(lead_type, earlier))
        return LeadCheck(key, verdict, earlier)

    async def before_ping(
        self, accounts: Iterable[str], *, key: str | None = None
    ) -> dict[str, Verdict]:
        """The verdict of every account that must not be pinged; the others are absent.

        Checked in this order, the first that applies wins: off_schedule, paused,
        capped, duplicate (with `key` from `check_lead`). Never consumes anything.
        """
        now = self.clock()
        names = list(accounts)
        verdicts: dict[str, Verdict] = {}
        states = await self._states.get(now, self._read_states) if self.health.rules else {}
        usage = await self._current_usage(now) if self._capped else {}
        for name in names:
            verdict = self._verdict(self.rules[name], now, states, usage)
            if verdict is not None:
                verdicts[name] = verdict
        if key is not None:
            await self._duplicates(key, [n for n in names if n not in verdicts], now, verdicts)
        return verdicts

    def _verdict(
        self, rules: AccountRules, now: float, states: Mapping[str, AccountState], usage: UsageMap
    ) -> Verdict | None:
        name = rules.name
        if rules.schedule is not None and not rules.is_open(now):
            return Verdict("off_schedule", f"off_schedule: {rules.schedule.opens_text(now)}", name)
        state = states.get(name)
        if state is not None and state.paused_until is not None and state.paused_until > now:
            reason = paused_reason(state.paused_until, state.pause_reason, rules.zone, now)
            return Verdict("paused", reason, name)
        claims = rules.claims(now)
        if not claims:
            return None
        # the verdict only changes with the counters or the windows: remember it till then
        memo = self._cap_memo.get(name)
        if memo is not None and memo[0] == self._usage_changes and memo[1] is claims:
            return memo[2]
        verdict = None
        for claim in claims:
            used = usage.get((name, claim.window))
            if used is not None and is_full(claim, used):
                capped = cap_verdict((claim,), {claim.window: used}, now, rules.zone)
                verdict = Verdict("capped", capped or "capped", name)
                break
        self._cap_memo[name] = (self._usage_changes, claims, verdict)
        return verdict

    async def _duplicates(
        self, key: str, names: Sequence[str], now: float, verdicts: dict[str, Verdict]
    ) -> None:
        windows = {n: w for n in names if (w := self.rules[n].dedupe_within) is not None}
        if not windows:
            return
        since = {name: now - within for name, within in windows.items()}
        for name in sorted(await self.store.bought(key, since)):
            verdicts[name] = Verdict("duplicate", account_duplicate_reason(windows[name]), name)

    # -- posting ---------------------------------------------------------------------------

    def claims(self, account: str) -> tuple[CapClaim, ...]:
        """The cap claims for a post intent to `account` now (empty: no caps)."""
        return self.rules[account].claims(self.clock())

    def intent_written(self, intent: PostIntent, reached: CapReached | None) -> Verdict | None:
        """After `store.post_intent`: the `capped` verdict when it was refused (move on to
        the next bidder), else None. Keeps the cached usage in step either way."""
        if reached is None:
            self._count(intent, 1, intent.amount)
            return None
        if self._usage.value is not None:
            self._usage.value[(intent.account, reached.claim.window)] = Usage(
                reached.used_leads, reached.used_spend
            )
            self._usage_changes += 1
        rules = self.rules[intent.account]
        reason = reached_reason(reached, intent.amount, self.clock(), rules.zone)
        return Verdict("capped", reason, intent.account)

    def outcome_written(self, intent: PostIntent, outcome: PostOutcome) -> None:
        """After `store.post_outcome`: release or adjust the cached usage as the store did,
        and remember a sale for round robin."""
        if outcome.status in ("post_rejected", "post_error"):
            self._count(intent, -1, -intent.amount)
        elif outcome.status == "sold":
            if outcome.price is not None:
                self._count(intent, 0, outcome.price - intent.amount)
            states = self._states.value
            if states is not None:
                state = states.get(intent.account, AccountState())
                states[intent.account] = replace(state, last_sale_at=outcome.answered_at)

    async def last_sales(self, accounts: Iterable[str]) -> dict[str, float | None]:
        """When each account last bought (None: never), for `round_robin`."""
        states = await self._states.get(self.clock(), self._read_states)
        return {a: (s.last_sale_at if (s := states.get(a)) else None) for a in accounts}

    # -- health ----------------------------------------------------------------------------

    async def exchange_done(self, account: str, *, failed: bool) -> Verdict | None:
        """Count one exchange with `account` (failed: an error or a timeout). When it is
        the last straw, the account is paused (in the store, for every process) and
        the `paused` verdict returned."""
        now = self.clock()
        pause = self.health.record(account, failed=failed, at=now)
        if pause is None:
            return None
        self._pauses[account] = pause
        states = self._states.value
        if states is not None:
            states[account] = _paused(states.get(account, AccountState()), pause)
        # if the store cannot take it, the pause still holds in this process
        with contextlib.suppress(StoreUnavailable):
            await self.store.pause(account, pause.until, pause.reason)
        rules = self.rules[account]
        return Verdict("paused", paused_reason(pause.until, pause.reason, rules.zone, now), account)

    async def overview(self) -> list[AccountOverview]:
        """Every account's controls now, read fresh from the store (`pingpost accounts`)."""
        return await overview(self.config, self.store, self.clock())

    # -- reading the store -----------------------------------------------------------------

    async def _salt_bytes(self) -> bytes:
        if self._salt is None:
            self._salt = await self.store.salt()
        return self._salt

    async def _read_states(self) -> dict[str, AccountState]:
        states = dict(await self.store.account_states(sorted(self.rules)))
        for name, pause in self._pauses.items():
            state = states.get(name, AccountState())
            if (state.paused_until or 0.0) < pause.until:
                states[name] = _paused(state, pause)
        return states

    async def _current_usage(self, now: float) -> UsageMap:
        """Every capped account's counters for the windows of `now`."""
        windows_ended = not self._windows_since <= now < self._windows_until
        if self._usage.value is not None and self._usage.fresh(now) and not windows_ended:
            return self._usage.value
        needed = {r.name: [c.window for c in r.claims(now)] for r in self._capped}

        async def read() -> UsageMap:
            return dict(await self.store.usage(needed))

        usage = await self._usage.get(now, read, stale=windows_ended)
        self._usage_changes += 1
        # the windows read stay the current ones until the first of them ends
        self._windows_since = now
        self._windows_until = min(r.claims_until(now) for r in self._capped)
        return usage

    def _count(self, intent: PostIntent, leads: int, spend: Decimal) -> None:
        usage = self._usage.value
        if usage is None:
            return
        self._usage_changes += 1
        for claim in intent.claims:
            old = usage.get((intent.account, claim.window), Usage())
            usage[(intent.account, claim.window)] = Usage(old.leads + leads, old.spend + spend)


def _paused(state: AccountState, pause: Pause) -> AccountState:
    return replace(state, paused_until=pause.until, pause_reason=pause.reason)


def _keyed_lead_types(config: Config) -> frozenset[str]:
    """Lead types whose leads need a dedupe key: their own rule, or an account's."""
    keyed = {name for name, lt in config.lead_types.items() if lt.dedupe is not None}
    for account in config.accounts.values():
        method = config.methods.get(account.method)
        if account.dedupe is not None and method is not None:
            keyed.add(method.lead_type)
    return frozenset(keyed)
