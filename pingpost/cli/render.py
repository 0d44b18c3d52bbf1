"""`pingpost render` (not built yet)."""

from __future__ import annotations

from pingpost.cli.common import fail


def render() -> None:
    """Arrives with the requests/responses issue (#4)."""
    fail("`pingpost render` arrives with the requests/responses issue (#4)")
