"""`pingpost demo` (not built yet)."""

from __future__ import annotations

from pingpost.cli.common import fail


def demo() -> None:
    """Arrives with the auction issue (#5)."""
    fail("`pingpost demo` arrives with the auction issue (#5)")
