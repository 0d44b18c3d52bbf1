"""Auto-pause: consecutive failures per account, counted in this process.

    failure, failure, ... (pause_after in a row) ──► Pause(until = at + pause_for)
    any answer the rules could read (accepted or rejected) ──► the count starts again

The count is this process's own (each process sees its own exchanges); the
pause it decides is written to the store by the caller, so every process and
`stats` see it. A pause ends by itself at its time; the count starts from zero
after it, so the account is paused again only after `pause_after` new failures.
Failures of exchanges that were in flight when the pause began are not counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pingpost.config.control_models import Health as HealthRule


@dataclass(frozen=True)
class Pause:
    account: str
    until: float
    reason: str  # `20 consecutive errors`


class Health:
    """The failure streaks of the accounts that have a `health` rule."""

    def __init__(self, rules: Mapping[str, HealthRule]) -> None:
        self.rules = dict(rules)
        self._streaks: dict[str, int] = {}
        self._paused: dict[str, float] = {}

    def record(self, account: str, *, failed: bool, at: float) -> Pause | None:
        """Count one exchange; the pause it opens, if this failure is the last straw."""
        rule = self.rules.get(account)
        if rule is None:
            return None
        if not failed:
            self._streaks[account] = 0
            return None
        if self._paused.get(account, float("-inf")) > at:
            return None  # already paused: late answers of pings sent before
        streak = self._streaks.get(account, 0) + 1
        if streak < rule.pause_after:
            self._streaks[account] = streak
            return None
        self._streaks[account] = 0
        until = at + rule.pause_for
        self._paused[account] = until
        unit = "error" if streak == 1 else "consecutive errors"
        return Pause(account, until, f"{streak} {unit}")

    def streak(self, account: str) -> int:
        return self._streaks.get(account, 0)

    def paused_until(self, account: str, at: float) -> float | None:
        """The end of a pause this process decided, if it still runs at `at`."""
        until = self._paused.get(account)
        return until if until is not None and until > at else None
