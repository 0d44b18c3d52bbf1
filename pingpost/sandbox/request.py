"""What a buyer reads from one HTTP request, whatever server received it.

The HTTP side (server.py, on aiohttp.web) fills one of these per request and
hands it to `SandboxApp.handle`; the buyers never see the framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str  # as sent (still percent-encoded), without the query
    query: str  # as sent, without the "?"
    content_type: str  # the media type, lower case, without parameters ("" when none)
    body: bytes
    # Look headers up by lower-case name (the server's mapping ignores case).
    headers: Mapping[str, str] = field(default_factory=dict)
