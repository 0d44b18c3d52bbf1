"""The aiohttp.web application: routes, the middleware that logs and counts every
request, and the small routes (health, readiness, metrics, OpenAPI, admin reload).

    every request ──► observe (time, count, access log; any 404/405/500 as a problem)
                         ├─ POST /v1/leads          intake.post_lead
                         ├─ POST /v1/admin/reload   admin key ──► Service.reload
                         ├─ GET  /healthz  /readyz  /metrics  /openapi.json
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from pingpost.errors import ConfigError
from pingpost.serve.answers import INTERNAL_DETAIL, problem
from pingpost.serve.door import MAX_BODY_BYTES
from pingpost.serve.intake import NOTE, SERVICE, post_lead
from pingpost.serve.metrics import CONTENT_TYPE
from pingpost.serve.openapi import openapi_document
from pingpost.serve.service import Service
from pingpost.serve.sources import admin_allowed, presented_key
from pingpost.store.records import LogQuery

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
QUIET = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes: not logged
READY_TIMEOUT = 2.0  # seconds the store has to answer a readiness probe


def build_app(service: Service) -> web.Application:
    # one byte over the limit is enough to know a body is too large
    app = web.Application(middlewares=[observe], client_max_size=MAX_BODY_BYTES)
    app[SERVICE] = service
    app.on_response_prepare.append(_server_header)
    app.router.add_post("/v1/leads", post_lead)
    app.router.add_post("/v1/admin/reload", admin_reload)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/openapi.json", openapi)
    return app


async def _server_header(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = "pingpost"  # not the Python and aiohttp versions


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.monotonic()
    note: dict[str, Any] = {}
    request[NOTE] = note
    service = request.app[SERVICE]
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # the router's 404 and 405, as problem documents
        response = _http_problem(exc)
    except Exception as exc:  # a bug: one line in the log, a plain 500 to the client
        service.log.event("internal_error", where=_route(request), error=type(exc).__name__)
        response = problem(500, "internal_error", INTERNAL_DETAIL)
    route = _route(request)
    service.metrics.record_request(route, response.status)
    if route not in QUIET:
        service.log.event(
            "request",
            method=request.method,
            path=route,
            status=response.status,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            **note,
        )
    return response


def _route(request: web.Request) -> str:
    """The route's path (never the raw one: it could carry anything), else `unmatched`."""
    info = request.match_info
    resource = info.route.resource if info.http_exception is None else None
    return resource.canonical if resource is not None else "unmatched"


def _http_problem(exc: web.HTTPException) -> web.Response:
    codes = {404: "not_found", 405: "method_not_allowed"}
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
    code = codes.get(exc.status, "http_error")
    return problem(exc.status, code, exc.reason or code, headers=headers)


async def healthz(request: web.Request) -> web.Response:
    """Alive: the process answers. (Readiness, with the store, is /readyz.)"""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready for leads: configs loaded, the store reachable, not shutting down."""
    service = request.app[SERVICE]
    checks = {"configs": "loaded", "store": await _store_check(service)}
    if service.draining:
        checks["intake"] = "shutting down"
    ready = checks["store"] == "reachable" and not service.draining
    body = {
        "status": "ready" if ready else "not ready",
        "checks": checks,
        "in_flight": service.auctions_in_flight,
    }
    return web.json_response(body, status=200 if ready else 503)


async def _store_check(service: Service) -> str:
    store = service.store if service.store is not None else service.idempotency.store
    try:
        await asyncio.wait_for(store.log(LogQuery(limit=1)), READY_TIMEOUT)
    except TimeoutError:
        return f"no answer within {READY_TIMEOUT:g} s"
    except Exception as exc:  # whatever the backend raises, the probe says unreachable
        return f"unreachable ({type(exc).__name__})"
    return "reachable"


async def metrics(request: web.Request) -> web.Response:
    body = request.app[SERVICE].metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


async def admin_reload(request: web.Request) -> web.Response:
    """Reload the configs with the admin key; a bad config is refused, the old one stays."""
    service = request.app[SERVICE]
    admin_key = service.current.admin_key
    if admin_key is None:
        return problem(
            403, "admin_disabled", "no admin key is configured (settings `serve.admin_key`, "
            "or the PINGPOST_ADMIN_KEY environment variable); reload with SIGHUP instead",
        )  # fmt: skip
    key = presented_key(request.headers.get("Authorization"), request.headers.get("X-Api-Key"))
    if not admin_allowed(admin_key, key):
        challenge = {"WWW-Authenticate": 'Bearer realm="pingpost-admin"'}
        return problem(401, "unauthorized", "the admin key is missing or wrong", headers=challenge)
    error = await service.reload()
    if error is None:
        current = service.current
        return web.json_response(
            {"status": "reloaded", "sources": len(current.keyring),
             "accounts": len(current.config.accounts), "loaded_at": current.loaded_at}
        )  # fmt: skip
    found = error.problems if isinstance(error, ConfigError) else []
    problems = [f"{p.location()}: {p.message}" for p in found if p.severity == "error"]
    kept = "the config was not reloaded; the previous one keeps serving"
    code = "invalid_config" if isinstance(error, ConfigError) else "reload_refused"
    return problem(422, code, f"{kept}: {str(error).splitlines()[0]}", problems=problems)
