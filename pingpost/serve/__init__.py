"""`pingpost serve`: real-time lead intake on aiohttp.web, on the same engine as `deliver`.

    source ──POST /v1/leads──► auth · rate · body · lead ──► run_auction (one shared
    HttpTransport) ──► JSON result document: 201 sold · 200 unsold · 202 in doubt

Modules: `lifecycle` (start, signals, drain), `app` (routes, access log, health,
metrics, reload), `intake` (the lead route), `sources` (keys, rate limits),
`idempotency` (Idempotency-Key in the store), `service` (shared state, slots,
reload), `state` (one config load), `answers` (status codes, problem documents),
`metrics`, `accesslog`, `openapi`. See docs/serve.md.
"""

from __future__ import annotations

from pingpost.serve.errors import ListenError, NoSources
from pingpost.serve.lifecycle import ServeOptions, serve

__all__ = ["ListenError", "NoSources", "ServeOptions", "serve"]
