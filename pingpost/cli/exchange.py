"""`pingpost test-ping` and `pingpost test-post` (not built yet)."""

from __future__ import annotations

from pingpost.cli.common import fail


def test_ping() -> None:
    """Arrives with the requests/responses issue (#4)."""
    fail("`pingpost test-ping` arrives with the requests/responses issue (#4)")


def test_post() -> None:
    """Arrives with the requests/responses issue (#4)."""
    fail("`pingpost test-post` arrives with the requests/responses issue (#4)")
