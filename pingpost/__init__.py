"""pingpost: ping/post lead delivery as code.

The library API is imported lazily so that `import pingpost` (and the CLI's
`--help`) stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

_API = {
    "load_config": "pingpost.config",
    "validate_config": "pingpost.commands.offline",
    "load_lead": "pingpost.leads",
    "run_auction": "pingpost.auction",
    "run_auction_sync": "pingpost.auction",
    "render_request": "pingpost.render",
    "interpret": "pingpost.responses",
    "PingpostError": "pingpost.errors",
    "ConfigError": "pingpost.errors",
    "LeadError": "pingpost.errors",
}

_NAMES = {"validate_config": "validate"}  # the public name differs from the module's

__all__ = [
    "ConfigError",
    "LeadError",
    "PingpostError",
    "__version__",
    "interpret",
    "load_config",
    "load_lead",
    "render_request",
    "run_auction",
    "run_auction_sync",
    "validate_config",
]

if TYPE_CHECKING:  # pragma: no cover
    from pingpost.errors import ConfigError, LeadError, PingpostError


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'pingpost' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), _NAMES.get(name, name))
