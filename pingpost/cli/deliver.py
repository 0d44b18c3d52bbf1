"""`pingpost deliver` (not built yet)."""

from __future__ import annotations

from pingpost.cli.common import fail


def deliver() -> None:
    """Arrives with the auction issue (#5)."""
    fail("`pingpost deliver` arrives with the auction issue (#5)")
