"""`POST /v1/leads`: one lead in, the auction run, the JSON result document out.

    draining? 503 ─ key? 401 ─ rate? 429 ─ lead type? 400/403 ─ body? 415/413/400
      ─ lead valid? 422 ─ Idempotency-Key? replay / 422 reused / wait
      ─ slot free? 503 ─ auction (its own task) ─► 201 sold · 200 unsold · 202 in doubt
                                                   · 409 duplicate

The checks before the auction live in door.py. Each refusal is a problem
document (answers.py) and never reaches the store or the auction metrics: only
auctions are logged as auctions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web

from pingpost.auction.result import AuctionResult
from pingpost.config.models import Source
from pingpost.errors import PingpostError
from pingpost.leads import Lead
from pingpost.masking import Masker
from pingpost.serve.answers import (
    INTERNAL_DETAIL,
    Refusal,
    from_error,
    problem,
    problem_body,
    status_of,
    stored_answer,
)
from pingpost.serve.auctioning import served_auction
from pingpost.serve.door import authenticate, draining, limit_rate, parse_lead, read_body
from pingpost.serve.held import HELD, settled_answer
from pingpost.serve.idempotency import body_digest, valid_key
from pingpost.serve.service import Service
from pingpost.serve.state import LeadTypeRefused, ServiceConfig, pick_lead_type
from pingpost.store.errors import StoreUnavailable
from pingpost.store.records import KeyAnswered, KeyClaimed, KeyMismatch
from pingpost.trace.json import auction_json, dumps

SERVICE: web.AppKey[Service] = web.AppKey("service", Service)
# what the access log says about a request (source, lead type, auction id, result)
NOTE: web.RequestKey[dict[str, Any]] = web.RequestKey("note", dict)
ANONYMOUS = "-"  # the idempotency scope of posts without a source (--insecure-no-auth)


async def post_lead(request: web.Request) -> web.StreamResponse:
    service = request.app[SERVICE]
    service.request_started()
    try:
        return await _intake(request, service, request[NOTE])
    except Refusal as refusal:
        return refusal.response
    except PingpostError as exc:
        return from_error(exc)
    finally:
        service.request_ended()


async def _intake(request: web.Request, service: Service, note: dict[str, Any]) -> web.Response:
    if service.draining:
        raise Refusal(draining())
    current = service.current
    source = authenticate(request, current)
    note["source"] = source.name if source is not None else None
    limit_rate(service, source)
    try:
        lead_type = pick_lead_type(current, source, request.query.get("lead_type"))
    except LeadTypeRefused as exc:
        raise Refusal(problem(exc.status, exc.code, str(exc))) from None
    note["lead_type"] = lead_type.name
    body = await read_body(request)
    data, lead = parse_lead(body, lead_type)
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return await _auction(service, current, lead, source, note)
    if not valid_key(key):
        raise Refusal(
            problem(400, "invalid_idempotency_key", "an Idempotency-Key is 1 to 255 visible "
                    "ASCII characters (a UUID is a good one)")
        )  # fmt: skip
    scope = source.name if source is not None else ANONYMOUS
    digest = body_digest(lead_type.name, data)
    return await _auction_once(service, current, lead, source, (scope, key, digest), note)


# -- the auction ------------------------------------------------------------------------


async def _auction(
    service: Service,
    current: ServiceConfig,
    lead: Lead,
    source: Source | None,
    note: dict[str, Any],
    claim: tuple[str, str] | None = None,
    taken_over: bool = False,
) -> web.Response:
    """Run the auction in its own task (the shutdown waits for it; a client that hangs up
    does not cancel it) and answer its result."""
    if not service.admit():
        if claim is not None:
            await _give_back(service, claim, taken_over)
        raise Refusal(_busy(service))
    task = service.spawn(_run(service, current, lead, source, claim, taken_over))
    status, body, auction_id, result = await asyncio.shield(task)
    note.update(auction_id=auction_id, result=result)
    return stored_answer(status, body)


def _busy(service: Service) -> web.Response:
    if service.draining:
        return draining()
    limit = service.current.config.settings.serve.max_in_flight
    return problem(
        503, "busy", f"{limit} auctions are in flight on this instance (serve.max_in_flight); "
        "send the lead again shortly", headers={"Retry-After": "1"},
    )  # fmt: skip


async def _run(
    service: Service,
    current: ServiceConfig,
    lead: Lead,
    source: Source | None,
    claim: tuple[str, str] | None,
    taken_over: bool = False,
) -> tuple[int, bytes, str | None, str | None]:
    """(status, body, auction id, result); result None: no auction result (503, 500)."""
    try:
        result = await served_auction(service, current, lead, source, taken_over=taken_over)
        status, body = _answer(service, current, result, source)
    except StoreUnavailable as exc:  # before any post could leave (W1): nothing was sent
        service.log.event("store_unavailable", where="auction", error=exc.cause[:200])
        if claim is not None:
            await _give_back(service, claim, taken_over)
        status, body = 503, problem_body(503, "store_unavailable", str(exc))
        return status, body, None, None
    except Exception as exc:  # a bug: the lead's key is kept (a post may have left)
        service.log.event("internal_error", where="auction", error=type(exc).__name__)
        status, body, auction = 500, problem_body(500, "internal_error", INTERNAL_DETAIL), None
    else:
        auction = (result.lead_id, result.result)
    finally:
        service.release()
    if claim is not None:
        await _complete(service, claim, status, body)
    return (status, body, *auction) if auction else (status, body, None, None)


async def _give_back(service: Service, claim: tuple[str, str], taken_over: bool) -> None:
    """No auction ran: the key is free again, unless it was taken over from a dead
    instance (then it stays claimed until stale: a fresh claim would skip W3)."""
    if taken_over:
        service.idempotency.keep(*claim)
        return
    with contextlib.suppress(PingpostError):  # the store is down: the key stays pending
        await service.idempotency.release(*claim)


def _answer(
    service: Service, current: ServiceConfig, result: AuctionResult, source: Source | None
) -> tuple[int, bytes]:
    """The result's status code and JSON document (masked), counted in the metrics."""
    document = auction_json(result, Masker.for_result(current.config, result))
    # a lone surrogate cannot be in a lead (refused at the door); if a buyer's text ever
    # held one, it stays a JSON escape instead of failing the answer
    body = dumps(document, pretty=False).encode("utf-8", "backslashreplace")
    service.metrics.record_auction(result, source.name if source is not None else None)
    return status_of(result.result), body


async def _complete(service: Service, claim: tuple[str, str], status: int, body: bytes) -> None:
    try:
        await service.idempotency.complete(*claim, status, body)
    except PingpostError as exc:  # the answer still goes out; retries meet a pending key
        service.log.event("idempotency_not_saved", source=claim[0], error=type(exc).__name__)


async def _auction_once(
    service: Service,
    current: ServiceConfig,
    lead: Lead,
    source: Source | None,
    claim: tuple[str, str, str],
    note: dict[str, Any],
) -> web.Response:
    """The auction of a submission with an Idempotency-Key: at most one per key."""
    scope, key, digest = claim
    found = await service.idempotency.claim(scope, key, digest, stale_after=_stale_after(current))
    if isinstance(found, KeyClaimed):
        if found.taken_over:
            service.log.event("idempotency_key_taken_over", source=scope)
        return await _auction(
            service, current, lead, source, note, (scope, key), taken_over=found.taken_over
        )
    if isinstance(found, KeyMismatch):
        return problem(
            422, "idempotency_key_reused", "this Idempotency-Key was used with a different "
            "lead; use a new key for a new lead",
        )  # fmt: skip
    answer = found if isinstance(found, KeyAnswered) else None
    if answer is None:
        answer = await service.idempotency.wait(scope, key, digest, _wait_budget(current))
    if answer is None:
        return problem(
            409, "idempotency_key_in_use", "a request with this Idempotency-Key is still being "
            "handled; send it again shortly for its answer", headers={"Retry-After": "1"},
        )  # fmt: skip
    status, body = answer.status, answer.body
    if status == HELD and service.store is not None:  # settled by `recover` since?
        settled = await settled_answer(service.store, current.config, body)
        status, body = settled if settled is not None else (status, body)
    note.update(_replayed(body))
    return stored_answer(status, body, replayed=True)


def _replayed(body: bytes) -> dict[str, Any]:
    """What the access log says of a replayed answer: the first auction's id and result."""
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict) or "lead_id" not in document:
        return {"replayed": True}
    return {"auction_id": document.get("lead_id"), "result": document.get("result"),
            "replayed": True}  # fmt: skip


def _wait_budget(current: ServiceConfig) -> float:
    """How long a retry waits for the first request's auction: the longest one can take."""
    return min(_longest_auction(current) + 1.0, 120.0)


def _longest_auction(current: ServiceConfig) -> float:
    """Seconds: every round's ping deadline, then every post's timeout."""
    settings = current.config.settings.auction
    posts = [m.post.timeout or settings.post_timeout for m in current.config.methods.values()]
    tiers = len({a.priority for a in current.config.accounts.values()}) or 1
    rounds = tiers if settings.strategy == "priority" else 1
    return rounds * settings.ping_deadline + settings.max_posts * max(posts, default=0.0)


STALE_AFTER = 300.0  # seconds: an unanswered Idempotency-Key claim older than this is stale


def _stale_after(current: ServiceConfig) -> float:
    """`serve.idempotency_stale_after`, else 5 minutes, or twice the longest auction when
    that is longer: a live instance's claim is never taken from it."""
    chosen = current.config.settings.serve.idempotency_stale_after
    return chosen if chosen is not None else max(STALE_AFTER, 2 * _longest_auction(current))
