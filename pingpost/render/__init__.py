"""Rendering: a delivery method's phase + a lead -> the exact `RenderedRequest`.

Imported lazily (PEP 562) so that `pingpost.render.values` can be used by
`pingpost.templating` without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from pingpost.render.placeholders import placeholder_captures
    from pingpost.render.request import render_request

__all__ = ["placeholder_captures", "render_request"]

_EXPORTS = {
    "render_request": "pingpost.render.request",
    "placeholder_captures": "pingpost.render.placeholders",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pingpost.render' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
