"""The core of `pingpost test-ping` and `test-post`: one real exchange with a buyer.

Render -> send through the auction's transport -> interpret, returned as data
for the CLI to print. With `then_post`, an accepted ping goes on to its post
with the ping's captures, exactly as the auction would. Nothing here prints;
render and lead errors raise (the input is bad), buyer trouble is an outcome.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit, urlunsplit

from pingpost.auction.context import idempotency_key, with_header
from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType, Request, Settings
from pingpost.errors import PingpostError, RenderError, UsageError
from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.leads import Lead, coerce_lead, load_lead
from pingpost.masking import Masker
from pingpost.render import render_request
from pingpost.render.preview import MaskedError
from pingpost.render.views import displayable
from pingpost.responses import interpret
from pingpost.responses.outcome import Outcome
from pingpost.transport import POST_MAX_IDLE, HttpTransport, SendOptions, Transport

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
    post_skipped: str | None = None  # why `--post` did not post
    post_error: PingpostError | None = None  # the post could not be rendered

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
        hint = ", ".join(f"--capture {name}=VALUE" for name in missing)
        raise RenderError(exc.method, exc.phase, f"{_message(exc)} (pass {hint})") from exc
    return replace(result, post=post)


def _result(target: CheckTarget, lead_id: str | None) -> CheckResult:
    return CheckResult(
        method=target.method.name,
        account=target.account.name if target.account else None,
        lead=target.lead,
        lead_id=lead_id or str(uuid.uuid4()),
    )


def _message(exc: RenderError) -> str:
    text = str(exc)
    prefix = f"{exc.method} {exc.phase}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


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
        request = replace(request, url=override_url(request.url, url))
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
        max_idle=POST_MAX_IDLE if phase == "post" else None,
    )
    response = await transport.send(request, options)
    outcome = interpret(rules.response, response, phase=phase)
    return Check(phase, request, response, outcome, timeout)


def phase_timeout(target: CheckTarget, phase: Phase) -> float:
    """`--timeout`, else the phase's own timeout, else the auction's budget for the phase."""
    if target.timeout is not None:
        return target.timeout
    rules = target.method.ping if phase == "ping" else target.method.post
    if rules.timeout is not None:
        return rules.timeout
    auction = target.settings.auction
    return auction.ping_deadline if phase == "ping" else auction.post_timeout


def override_url(rendered: str, override: str, option: str = "--url") -> str:
    """Send to `override` instead of the configured endpoint.

    The override's scheme, host, port and path replace the rendered ones; the
    rendered query (query-string fields, query auth) is kept, after any query
    the override brings itself.
    """
    new = check_override(override, option)
    old_query = urlsplit(rendered).query
    query = "&".join(q for q in (new.query, old_query) if q)
    return urlunsplit((new.scheme, new.netloc, new.path or "/", query, ""))


def check_override(url: str, option: str = "--url") -> SplitResult:
    """`url` split, or a UsageError: only absolute http(s) URLs with a host and a valid
    port can be sent to (urlsplit checks the port lazily, so ask for it here)."""
    example = "e.g. http://127.0.0.1:8080/ping"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UsageError(f"{option} `{url}` is not a valid URL: {exc} ({example})") from None
    if not parts.scheme or not parts.netloc:
        raise UsageError(f"{option} `{url}` is not an absolute URL ({example})")
    if parts.scheme.lower() not in ("http", "https"):
        raise UsageError(f"{option} `{url}`: only http or https URLs can be sent to ({example})")
    try:
        port = parts.port
    except ValueError:  # out of range, or not a number
        port = 0
    if port == 0:
        raise UsageError(f"{option} `{url}`: the port must be a number from 1 to 65535")
    if not parts.hostname:
        raise UsageError(f"{option} `{url}` has no host ({example})")
    return parts


def pick_account(
    config: Config, method: DeliveryMethod, name: str | None
) -> tuple[DeliveryAccount | None, str | None]:
    """The account whose vars and environment the request uses, and a note for the user.

    `--account NAME` must use the method. Without it: the only account using the
    method, else the first by name (enabled ones first), with a note saying so.
    """
    if name is not None:
        account = config.account(name)
        if account.method != method.name:
            raise UsageError(
                f"account `{name}` uses method `{account.method}`, not `{method.name}`; "
                "pass an account of this method"
            )
        return account, None
    users = sorted(
        (a for a in config.accounts.values() if a.method == method.name),
        key=lambda a: (not a.enabled, a.name),
    )
    if not users:
        return None, None
    note = None
    if len(users) > 1:
        note = f"using account `{users[0].name}`'s vars (pass --account NAME to choose)"
    return users[0], note


def parse_captures(pairs: list[str]) -> dict[str, str]:
    """`["ping_id=p-1", ...]` -> `{"ping_id": "p-1"}`; a pair without `=` is a usage error."""
    captures: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--capture `{pair}` is not NAME=VALUE")
        captures[name.strip()] = value
    return captures


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


def sample_lead(lead_type: LeadType) -> Lead:
    """The lead type's `sample`, coerced like any lead."""
    if lead_type.sample is None:
        raise UsageError(f"lead type `{lead_type.name}` has no sample: pass --lead FILE")
    return coerce_lead(lead_type.sample, lead_type, source=f"lead type `{lead_type.name}` sample")


def prepare_target(
    config: Config,
    method: DeliveryMethod,
    *,
    lead_path: Path | None = None,
    account: str | None = None,
    post_option: str = "--post-url",
    **options: Any,
) -> tuple[CheckTarget, str | None]:
    """Resolve the command line into a `CheckTarget`, and a note for the user (or None).

    `options` are the remaining `CheckTarget` fields (test, ping_url, post_url, timeout).
    The URL overrides are checked here, before anything is sent; `post_option` names
    the option that gave `post_url` in messages.
    """
    for option, key in (("--url", "ping_url"), (post_option, "post_url")):
        if options.get(key):
            check_override(options[key], option)
    lead_type = config.lead_type(method.lead_type)
    lead = load_lead(lead_path, lead_type) if lead_path is not None else sample_lead(lead_type)
    chosen, note = pick_account(config, method, account)
    target = CheckTarget(method, lead, config.settings, account=chosen, **options)
    return target, note


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


class MaskedErrors:
    """`with MaskedErrors(config, ...) as guard:` re-raises every PingpostError with its
    message masked (P12): a render error quotes lead values (``format `int`: `Zoë` is
    not a number``). Set `guard.lead` once the lead is known, so its pii is masked too;
    before that only secrets are."""

    def __init__(self, config: Config, *, show_pii: bool, show_secrets: bool) -> None:
        self.config = config
        self.show_pii = show_pii
        self.show_secrets = show_secrets
        self.lead: Lead | None = None

    @property
    def masker(self) -> Masker:
        return Masker.for_lead(
            self.config, self.lead, show_pii=self.show_pii, show_secrets=self.show_secrets
        )

    def __enter__(self) -> MaskedErrors:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc, PingpostError) and not isinstance(exc, MaskedError):
            message = displayable(self.masker.text(str(exc)))
            raise MaskedError(message, exc.exit_code) from None
