"""The core of `pingpost test-ping` and `test-post`: one real exchange with a buyer.

Render -> send through the auction's transport -> interpret, returned as data
for the CLI to print. With `then_post`, an accepted ping goes on to its post
with the ping's captures, exactly as the auction would. Nothing here prints;
render and lead errors raise (the input is bad), buyer trouble is an outcome.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit, urlunsplit

from pingpost.auction.context import idempotency_key, with_header
from pingpost.commands.inputs import chosen_lead, pick_account
from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod, Request, Settings
from pingpost.errors import BadUrl, CapturesNeeded, PingpostError, RenderError
from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.ids import new_auction_id
from pingpost.leads import Lead
from pingpost.render import render_request
from pingpost.responses import interpret
from pingpost.responses.outcome import Outcome
from pingpost.transport import HttpTransport, SendOptions, Transport

Phase = Literal["ping", "post"]


@dataclass(frozen=True)
class CheckTarget:
    """What to test: a method and lead, the account whose vars apply, and overrides."""

    method: DeliveryMethod
    lead: Lead
    settings: Settings
    account: DeliveryAccount | None = None
    test: bool = False
    ping_url: str | None = None  # replaces the ping endpoint's scheme, host, port and path
    post_url: str | None = None  # the same for the post
    timeout: float | None = None  # seconds; default: the phase's timeout, then settings


@dataclass(frozen=True)
class Check:
    """One exchange: what was sent, what came back, what it means."""

    phase: Phase
    request: RenderedRequest
    response: RawResponse
    outcome: Outcome
    timeout: float  # the seconds the whole exchange was allowed

    @property
    def latency_ms(self) -> float:
        return self.response.elapsed_ms

    @property
    def accepted(self) -> bool:
        return self.outcome.status == "accepted"


@dataclass(frozen=True)
class CheckResult:
    method: str
    account: str | None
    lead: Lead
    lead_id: str
    ping: Check | None = None
    post: Check | None = None
    post_skipped: str | None = None  # why the post asked for (`then_post`) was not made
    post_error: PingpostError | None = field(default=None, repr=False)  # could not render

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(c for c in (self.ping, self.post) if c is not None)

    @property
    def accepted(self) -> bool:
        """Every exchange made was accepted (and a requested post was made)."""
        if self.post_skipped or self.post_error:
            return False
        return bool(self.checks) and all(c.accepted for c in self.checks)


async def check_ping(
    target: CheckTarget,
    *,
    transport: Transport,
    then_post: bool = False,
    lead_id: str | None = None,
) -> CheckResult:
    """Send the method's ping; with `then_post`, post when it is accepted."""
    result = _result(target, lead_id)
    ping = await _exchange(target, "ping", {}, transport=transport, lead_id=result.lead_id)
    result = replace(result, ping=ping)
    if not then_post:
        return result
    if not ping.accepted:
        return replace(result, post_skipped=f"not posting: the ping was {ping.outcome.status}")
    try:
        post = await _exchange(
            target, "post", ping.outcome.captures, transport=transport, lead_id=result.lead_id
        )
    except PingpostError as exc:
        return replace(result, post_error=exc)
    return replace(result, post=post)


async def check_post(
    target: CheckTarget,
    *,
    transport: Transport,
    captures: Mapping[str, str],
    lead_id: str | None = None,
) -> CheckResult:
    """Send the method's post alone, with `captures` standing in for the ping's."""
    result = _result(target, lead_id)
    try:
        post = await _exchange(
            target, "post", captures, transport=transport, lead_id=result.lead_id
        )
    except RenderError as exc:
        missing = sorted(set(target.method.ping.response.capture) - set(captures))
        if not missing:
            raise
        raise CapturesNeeded(exc, missing) from exc
    return replace(result, post=post)


def _result(target: CheckTarget, lead_id: str | None) -> CheckResult:
    return CheckResult(
        method=target.method.name,
        account=target.account.name if target.account else None,
        lead=target.lead,
        lead_id=lead_id or new_auction_id(),
    )


async def _exchange(
    target: CheckTarget,
    phase: Phase,
    captures: Mapping[str, str],
    *,
    transport: Transport,
    lead_id: str,
) -> Check:
    rules: Request = target.method.ping if phase == "ping" else target.method.post
    account_name = target.account.name if target.account else None
    request = render_request(
        target.method,
        phase,
        target.lead,
        account=target.account,
        captures=captures,
        lead_id=lead_id,
        test=target.test,
        user_agent=target.settings.http.user_agent,
    )
    url = target.ping_url if phase == "ping" else target.post_url
    if url:
        request = replace(request, url=override_url(request.url, url, target=phase))
    if phase == "post" and rules.idempotency_key is not None:
        key = idempotency_key(lead_id, account_name or target.method.name)
        request = with_header(request, rules.idempotency_key.header, key)
    timeout = phase_timeout(target, phase)
    options = SendOptions(
        deadline=time.monotonic() + timeout,
        max_bytes=target.settings.http.max_response_bytes,
        retry=rules.retry,
        pool=account_name or target.method.name,
        may_resend=phase == "ping" or rules.idempotency_key is not None,
        phase=phase,
    )
    response = await transport.send(request, options)
    outcome = interpret(rules.response, response, phase=phase)
    return Check(phase, request, response, outcome, timeout)


def phase_timeout(target: CheckTarget, phase: Phase) -> float:
    """The target's timeout, else the phase's own, else the auction's budget for the phase."""
    if target.timeout is not None:
        return target.timeout
    rules = target.method.ping if phase == "ping" else target.method.post
    if rules.timeout is not None:
        return rules.timeout
    auction = target.settings.auction
    return auction.ping_deadline if phase == "ping" else auction.post_timeout


def override_url(rendered: str, override: str, *, target: Phase = "ping") -> str:
    """Send to `override` instead of the configured endpoint.

    The override's scheme, host, port and path replace the rendered ones; the
    rendered query (query-string fields, query auth) is kept, after any query
    the override brings itself.
    """
    new = check_override(override, target=target)
    old_query = urlsplit(rendered).query
    query = "&".join(q for q in (new.query, old_query) if q)
    return urlunsplit((new.scheme, new.netloc, new.path or "/", query, ""))


def check_override(url: str, *, target: Phase = "ping") -> SplitResult:
    """`url` split, or BadUrl: only absolute http(s) URLs with a host and a valid port can
    be sent to (urlsplit checks the port lazily, so ask for it here)."""
    example = "e.g. http://127.0.0.1:8080/ping"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise BadUrl(url, f"is not a valid URL: {exc} ({example})", target=target) from None
    if not parts.scheme or not parts.netloc:
        raise BadUrl(url, f"is not an absolute URL ({example})", target=target)
    if parts.scheme.lower() not in ("http", "https"):
        problem = f"cannot be sent to: only http or https URLs can ({example})"
        raise BadUrl(url, problem, target=target)
    try:
        port = parts.port
    except ValueError:  # out of range, or not a number
        port = 0
    if port == 0:
        problem = "has a bad port: the port must be a number from 1 to 65535"
        raise BadUrl(url, problem, target=target)
    if not parts.hostname:
        raise BadUrl(url, f"has no host ({example})", target=target)
    return parts


def diagnose(check: Check) -> str | None:
    """One line saying what went wrong with the buyer, or None when it answered sensibly."""
    response, outcome = check.response, check.outcome
    if response.failure is not None:
        return f"no response: {response.failure.detail}"
    if response.status is not None and response.status >= 500:
        return f"the buyer answered HTTP {response.status} (a server error)"
    if outcome.status in ("error", "in_doubt"):
        reason = outcome.reason or outcome.decided_by or "error"
        if outcome.decode_error and outcome.decode_error not in reason:
            return f"{reason} ({outcome.decode_error})"
        return reason
    return None


def prepare_target(
    config: Config,
    method: DeliveryMethod,
    *,
    lead_path: Path | None = None,
    account: str | None = None,
    **options: Any,
) -> tuple[CheckTarget, tuple[str, ...]]:
    """The `CheckTarget` for a method, with the lead in `lead_path` (default: its lead
    type's sample) and the account `account` (default: `pick_account`'s choice), and the
    other accounts the default choice passed over.

    `options` are the remaining `CheckTarget` fields (test, ping_url, post_url, timeout).
    The URL overrides are checked here, before anything is sent (BadUrl).
    """
    phases: tuple[tuple[str, Phase], ...] = (("ping_url", "ping"), ("post_url", "post"))
    for key, phase in phases:
        if options.get(key):
            check_override(options[key], target=phase)
    lead = chosen_lead(config, method, lead_path)
    choice = pick_account(config, method, account)
    target = CheckTarget(method, lead, config.settings, account=choice.account, **options)
    return target, choice.others


def run_check(
    config: Config,
    target: CheckTarget,
    *,
    phase: Phase,
    then_post: bool = False,
    captures: Mapping[str, str] | None = None,
) -> CheckResult:
    """Open the auction's HTTP transport and run one check from synchronous code."""

    async def main() -> CheckResult:
        async with HttpTransport.for_config(config) as transport:
            if phase == "ping":
                return await check_ping(target, transport=transport, then_post=then_post)
            return await check_post(target, transport=transport, captures=captures or {})

    return asyncio.run(main())
