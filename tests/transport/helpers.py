"""Small helpers shared by the transport tests."""

from __future__ import annotations

import time
from typing import Any

from pingpost.config.models import Retry
from pingpost.exchange import RenderedRequest
from pingpost.transport import SendOptions


def options(seconds: float = 2.0, max_bytes: int = 65536, **kwargs: Any) -> SendOptions:
    """SendOptions with a deadline `seconds` from now."""
    if isinstance(kwargs.get("retry"), dict):
        kwargs["retry"] = Retry.model_validate(kwargs["retry"])
    return SendOptions(deadline=time.monotonic() + seconds, max_bytes=max_bytes, **kwargs)


def post(url: str, body: bytes = b'{"a": 1}', *headers: tuple[str, str]) -> RenderedRequest:
    return RenderedRequest("POST", url, (("Content-Type", "application/json"), *headers), body)


def get(url: str, *headers: tuple[str, str]) -> RenderedRequest:
    return RenderedRequest("GET", url, headers)
