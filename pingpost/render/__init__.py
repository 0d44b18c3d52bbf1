"""Rendering: a delivery method's phase + a lead -> the exact `RenderedRequest`.

request.py       render_request: mappings -> body -> url -> headers
plan.py          what depends only on the method, prepared once per (method, phase)
bodies.py        bodies per content type, parsed back (P10)
formats.py       mapping formats (`digits`, `date:%m/%d/%Y`, ...)
auth.py          auth kinds -> headers or a query parameter
placeholders.py  placeholder captures for a post rendered without a ping
views.py         a request as raw HTTP, a curl command or JSON, for people
"""

from __future__ import annotations

from pingpost.render.placeholders import placeholder_captures
from pingpost.render.request import render_request

__all__ = ["placeholder_captures", "render_request"]
