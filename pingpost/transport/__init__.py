"""Async HTTP for pingpost: hard deadlines, size caps, retries, per-account limits.

`HttpTransport` is the real one (aiohttp); anything with the `Transport` shape
(the sandbox's in-process buyers, test fakes) can stand in for it.
"""

from __future__ import annotations

from pingpost.transport.http import HttpTransport
from pingpost.transport.options import NO_RETRY, POST_MAX_IDLE, SendOptions, Transport
from pingpost.transport.policy import backoff_delay, classify_failure, should_retry
from pingpost.transport.redact import scrub_urls

__all__ = [
    "NO_RETRY",
    "POST_MAX_IDLE",
    "HttpTransport",
    "SendOptions",
    "Transport",
    "backoff_delay",
    "classify_failure",
    "scrub_urls",
    "should_retry",
]
