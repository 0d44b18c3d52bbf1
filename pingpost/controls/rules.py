"""One account's controls, compiled once from the config, with the answers that stay
true until a known instant (a schedule's next edge, a cap window's end) kept
until then: the per-lead cost of an unchanged answer is one comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount
from pingpost.controls.calendar import zone_of
from pingpost.controls.caps import CapLimits
from pingpost.controls.schedule import Schedule
from pingpost.store.records import CapClaim


@dataclass
class AccountRules:
    account: DeliveryAccount
    zone: ZoneInfo
    schedule: Schedule | None
    caps: CapLimits | None
    dedupe_within: float | None  # seconds; None: no account dedupe
    # (answer, from, until): the answer holds for instants in [from, until)
    _open: tuple[bool, float, float] = (True, float("inf"), float("-inf"))
    _claims: tuple[tuple[CapClaim, ...], float, float] = ((), float("inf"), float("-inf"))

    @classmethod
    def of(cls, account: DeliveryAccount, config: Config) -> AccountRules:
        zone = zone_of(account, config.settings)
        return cls(
            account=account,
            zone=zone,
            schedule=Schedule(account.schedule, zone) if account.schedule else None,
            caps=CapLimits.of(account.caps) if account.caps else None,
            dedupe_within=account.dedupe.within if account.dedupe is not None else None,
        )

    @property
    def name(self) -> str:
        return self.account.name

    def is_open(self, at: float) -> bool:
        if self.schedule is None:
            return True
        is_open, since, until = self._open
        if since <= at < until:
            return is_open
        is_open = self.schedule.is_open(at)
        change = self.schedule.next_change(at)
        self._open = (is_open, at, change if change is not None else float("inf"))
        return is_open

    def claims(self, at: float) -> tuple[CapClaim, ...]:
        """The cap claims of a sale at `at` (empty without caps)."""
        if self.caps is None:
            return ()
        claims, since, until = self._claims
        if since <= at < until:
            return claims
        claims = self.caps.claims(at, self.zone)
        self._claims = (claims, at, self.caps.valid_until(at, self.zone))
        return claims

    def claims_until(self, at: float) -> float:
        """When the claims of `at` stop being the current ones."""
        self.claims(at)
        return self._claims[2]
