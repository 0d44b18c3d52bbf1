"""Small helpers shared by the transport tests."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult

from pingpost.config.models import Retry
from pingpost.exchange import RenderedRequest
from pingpost.transport import SendOptions

SLACK_MS = 50  # P1, P2: an exchange ends at most 50 ms after its deadline


def options(seconds: float = 2.0, max_bytes: int = 65536, **kwargs: Any) -> SendOptions:
    """SendOptions with a deadline `seconds` from now."""
    if isinstance(kwargs.get("retry"), dict):
        kwargs["retry"] = Retry.model_validate(kwargs["retry"])
    return SendOptions(deadline=time.monotonic() + seconds, max_bytes=max_bytes, **kwargs)


def post(url: str, body: bytes = b'{"a": 1}', *headers: tuple[str, str]) -> RenderedRequest:
    return RenderedRequest("POST", url, (("Content-Type", "application/json"), *headers), body)


def get(url: str, *headers: tuple[str, str]) -> RenderedRequest:
    return RenderedRequest("GET", url, headers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class FakeResolver(AbstractResolver):
    """Fails (or hangs) on the first `bad` lookups, then resolves to 127.0.0.1."""

    def __init__(self, bad: int = 10**9, *, hang: bool = False) -> None:
        self.bad, self.hang, self.calls = bad, hang, 0

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.calls += 1
        if self.calls <= self.bad:
            if self.hang:
                await asyncio.sleep(3600)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(
                hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        pass
