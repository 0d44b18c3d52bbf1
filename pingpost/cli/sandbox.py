"""`pingpost sandbox` (not built yet)."""

from __future__ import annotations

from pingpost.cli.common import fail


def sandbox() -> None:
    """Arrives with the foundation issue (#2)."""
    fail("`pingpost sandbox` arrives with the foundation issue (#2)")
