"""Auto-pause counting: N consecutive failures pause, any readable answer starts again."""

from __future__ import annotations

from pingpost.config.control_models import Health as HealthRule
from pingpost.controls.health import Health, Pause


def test_pause_after_n_consecutive_failures_for_pause_for() -> None:
    health = Health({"a": HealthRule(pause_after=3, pause_for=600)})
    assert health.record("a", failed=True, at=100) is None
    assert health.record("a", failed=True, at=101) is None
    assert health.record("a", failed=True, at=102) == Pause("a", 702, "3 consecutive errors")
    assert health.paused_until("a", 701) == 702
    assert health.paused_until("a", 702) is None


def test_an_answer_in_between_starts_the_count_again() -> None:
    health = Health({"a": HealthRule(pause_after=3, pause_for=600)})
    health.record("a", failed=True, at=1)
    health.record("a", failed=True, at=2)
    assert health.record("a", failed=False, at=3) is None
    assert health.streak("a") == 0
    assert health.record("a", failed=True, at=4) is None
    assert health.record("a", failed=True, at=5) is None
    assert health.record("a", failed=True, at=6) is not None


def test_failures_during_a_pause_do_not_count_and_the_count_restarts_after_it() -> None:
    health = Health({"a": HealthRule(pause_after=2, pause_for=60)})
    health.record("a", failed=True, at=0)
    assert health.record("a", failed=True, at=1) is not None
    assert health.record("a", failed=True, at=30) is None  # a late answer of an earlier ping
    assert health.streak("a") == 0
    assert health.record("a", failed=True, at=61) is None  # after the pause: one failure
    assert health.record("a", failed=True, at=62) == Pause("a", 122, "2 consecutive errors")


def test_accounts_without_a_rule_are_never_paused() -> None:
    health = Health({})
    for i in range(100):
        assert health.record("b", failed=True, at=i) is None


def test_pause_after_one() -> None:
    health = Health({"a": HealthRule(pause_after=1, pause_for=10)})
    assert health.record("a", failed=True, at=0) == Pause("a", 10, "1 error")
