"""Shared pytest setup. Area fixtures live in their own modules, registered here."""

from __future__ import annotations

import os

# Configs read the sandbox's base URL from this variable; tests set it per sandbox.
os.environ.pop("PINGPOST_SANDBOX_URL", None)
os.environ.setdefault("NO_COLOR", "1")
