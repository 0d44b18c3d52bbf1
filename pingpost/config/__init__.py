"""The config language: YAML documents loaded into checked, typed, frozen models.

`load_config(path)` is the library entry point; `validate_config(paths)` gives
every problem, warnings included (`pingpost validate` adds the offline behaviour
checks of `pingpost.commands.offline`); `json_schema()` is the JSON Schema of the
language.

Names are imported on first use (PEP 562): every layer imports
`pingpost.config.models`, and that must not load the loader, its checks and
Jinja with it (start-up time of `pingpost --help`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from pingpost.config.bundle import Config
    from pingpost.config.loader import (
        ValidationReport,
        check_config,
        load_config,
        validate_config,
    )
    from pingpost.config.schema import json_schema

__all__ = [
    "Config",
    "ValidationReport",
    "check_config",
    "json_schema",
    "load_config",
    "validate_config",
]

_EXPORTS = {
    "Config": "pingpost.config.bundle",
    "ValidationReport": "pingpost.config.loader",
    "check_config": "pingpost.config.loader",
    "load_config": "pingpost.config.loader",
    "validate_config": "pingpost.config.loader",
    "json_schema": "pingpost.config.schema",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pingpost.config' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
