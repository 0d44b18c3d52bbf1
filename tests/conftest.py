"""Shared pytest setup. Area fixtures live in their own modules, registered here."""

from __future__ import annotations

import os

# Configs read the sandbox's base URL from this variable; tests set it per sandbox.
os.environ.pop("PINGPOST_SANDBOX_URL", None)
os.environ.setdefault("NO_COLOR", "1")

# H7: buyer configs on pytest-httpserver, canaries, CliRunner (tests/trace_cli_fixtures.py)
pytest_plugins = ["tests.trace_cli_fixtures"]

# H4: sandbox fixtures `sandbox`, `make_sandbox`, `sandbox_buyer`
# (tests/integration/sandbox_fixtures.py)
pytest_plugins += ["tests.integration.sandbox_fixtures"]

# The store: `postgres_database`, `postgres_url` (tests/store/fixtures.py)
pytest_plugins += ["tests.store.fixtures"]
