"""`pingpost validate` and `pingpost schema` (not built yet)."""

from __future__ import annotations

from pingpost.cli.common import fail


def validate() -> None:
    """Arrives with the config issue (#3)."""
    fail("`pingpost validate` arrives with the config issue (#3)")


def schema() -> None:
    """Arrives with the config issue (#3)."""
    fail("`pingpost schema` arrives with the config issue (#3)")
