"""Offline behaviour checks: render every method with its lead type's sample, run its examples.

`validate(paths)` is what `pingpost validate` runs: the config's own checks
(`pingpost.config.loader`) and these. Only methods whose documents passed every
static check get here (otherwise a broken template would be reported twice).
Rendering uses the real renderer and the examples the real response
interpreter, so a method that passes behaves the same way in an auction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pingpost.config.documents import Loaded, LoadedSet, Reporter
from pingpost.config.loader import ValidationReport, validate_paths
from pingpost.config.marks import NodePath, On
from pingpost.config.method_checks import MethodFacts
from pingpost.config.models import (
    DeliveryAccount,
    DeliveryMethod,
    ExampleExchange,
    LeadType,
)
from pingpost.errors import LeadError, Problem, RenderError
from pingpost.exchange import RawResponse
from pingpost.leads import Lead, coerce_lead
from pingpost.render import render_request
from pingpost.render.placeholders import placeholder_value
from pingpost.responses import interpret
from pingpost.responses.outcome import Outcome
from pingpost.responses.steps import reason_matches

Phase = Literal["ping", "post"]
MAX_ACCOUNTS_RENDERED = 20  # distinct `vars` per method; enough to catch a bad one


def validate(
    paths: Sequence[Path],
    *,
    offline: bool = True,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Every problem of the configs at `paths`, warnings included, as `pingpost validate`
    finds them: with the offline behaviour checks unless `offline` is false. A file inside
    a config dir (`config`, or found above it) is checked with the rest of its config."""
    behaviour = run_offline_checks if offline else None
    return validate_paths(paths, behaviour=behaviour, config=config, env=env)


def run_offline_checks(loaded: LoadedSet, facts: dict[str, MethodFacts]) -> list[Problem]:
    r = Reporter()
    accounts: dict[str, list[DeliveryAccount]] = {}
    for doc in loaded.valid("delivery_account"):
        assert isinstance(doc.model, DeliveryAccount)
        if not doc.tainted:  # e.g. a missing var: reported on the account already
            accounts.setdefault(doc.model.method, []).append(doc.model)
    samples: dict[str, Lead | None] = {}
    for doc in loaded.valid("delivery_method"):
        method = doc.model
        assert isinstance(method, DeliveryMethod)
        type_doc = loaded.get("lead_type", method.lead_type)
        if doc.tainted or type_doc is None or type_doc.tainted:
            continue
        if not isinstance(type_doc.model, LeadType):
            continue
        if method.lead_type not in samples:
            samples[method.lead_type] = _sample(type_doc.model)
        lead = samples[method.lead_type]
        if lead is not None:
            chosen = _accounts(method, accounts.get(method.name, []), facts.get(method.name))
            _render(r, doc, method, lead, type_doc.model, chosen)
        _examples(r, doc, method)
    return r.problems


def _sample(lead_type: LeadType) -> Lead | None:
    if lead_type.sample is None:
        return None
    try:
        return coerce_lead(lead_type.sample, lead_type, source="sample")
    except LeadError:
        return None  # reported by the static checks


def _accounts(
    method: DeliveryMethod, users: Iterable[DeliveryAccount], facts: MethodFacts | None
) -> list[DeliveryAccount]:
    """One account per distinct render input (the vars the method uses, test mode); a
    stand-in with placeholder vars when no account uses the method."""
    names = facts.account_vars if facts is not None else {}
    chosen: dict[tuple[object, ...], DeliveryAccount] = {}
    for account in users:
        key = (account.environment, *(repr(account.vars.get(name)) for name in sorted(names)))
        chosen.setdefault(key, account)
        if len(chosen) >= MAX_ACCOUNTS_RENDERED:
            break
    if chosen:
        return list(chosen.values())
    stand_in = DeliveryAccount(
        kind="delivery_account",
        name="example-account",
        method=method.name,
        vars={name: f"placeholder-{name}" for name in names},
    )
    return [stand_in]


def _render(
    r: Reporter,
    doc: Loaded,
    method: DeliveryMethod,
    lead: Lead,
    lead_type: LeadType,
    accounts: list[DeliveryAccount],
) -> None:
    # every capture a post uses was checked to be one the ping captures (method_checks)
    captures = {name: placeholder_value(name) for name in method.ping.response.capture}
    for phase in ("ping", "post"):
        for account in accounts:
            try:
                render_request(
                    method,
                    phase,
                    lead,
                    account=account,
                    captures=captures if phase == "post" else {},
                    lead_type=lead_type,
                )
            except RenderError as exc:
                path = exc.path or _header(method, phase, str(exc))
                if _inherited(method, phase, path):
                    break  # a ping mapping the post includes: reported under the ping
                detail = str(exc).removeprefix(f"{exc.method} {exc.phase}: ")
                message = _render_failed(phase, lead_type, account, detail)
                # a mapping by its buyer field's key; a url, header or body by its value
                on: On = "key" if path[:1] in ((), ("mappings",)) else "value"
                r.error(doc, (phase, *path), message, on=on)
                break
            except LeadError as exc:
                path = _buyer_field(method, phase, exc.problems)
                if _inherited(method, phase, path):
                    break
                detail = "; ".join(exc.problems)
                r.error(
                    doc, (phase, *path), _render_failed(phase, lead_type, account, detail), on="key"
                )
                break


_BUYER_FIELD = re.compile(r"buyer field `([^`]+)`")


def _buyer_field(method: DeliveryMethod, phase: str, problems: list[str]) -> tuple[str, ...]:
    """The mapping a sample value cannot go through (a format, a strict map), when named."""
    request = method.ping if phase == "ping" else method.post
    names = set(request.mappings)
    if phase == "post" and method.post.include_ping_mappings:
        names |= set(method.ping.mappings)
    for problem in problems:
        match = _BUYER_FIELD.search(problem)
        if match is not None and match.group(1) in names:
            return ("mappings", match.group(1))
    return ()


def _header(method: DeliveryMethod, phase: str, message: str) -> tuple[str, ...]:
    """A header value refused after rendering (a CR or LF) names its header."""
    request = method.ping if phase == "ping" else method.post
    match = re.search(r"header `([^`]+)`", message)
    return ("headers", match.group(1)) if match and match.group(1) in request.headers else ()


def _inherited(method: DeliveryMethod, phase: str, path: tuple[str, ...]) -> bool:
    """Is `path` a post mapping that comes unchanged from the ping (include_ping_mappings)?"""
    if phase != "post" or not method.post.include_ping_mappings or path[:1] != ("mappings",):
        return False
    name = path[1] if len(path) > 1 else ""
    return name in method.ping.mappings and name not in method.post.mappings


def _render_failed(phase: Phase, lead_type: LeadType, account: DeliveryAccount, detail: str) -> str:
    who = "" if account.name == "example-account" else f" and account `{account.name}`"
    return f"the {phase} cannot be built for lead type `{lead_type.name}`'s sample{who}: {detail}"


# --------------------------------------------------------------------------- examples


def _examples(r: Reporter, doc: Loaded, method: DeliveryMethod) -> None:
    for i, example in enumerate(method.examples):
        for phase in ("ping", "post"):
            exchange: ExampleExchange | None = getattr(example, phase)
            if exchange is None:
                continue
            rules = method.ping.response if phase == "ping" else method.post.response
            outcome = interpret(rules, _raw(exchange), phase=phase)
            where = f"example `{example.name}` {phase}"
            for key, message in _mismatches(exchange, outcome):
                r.error(doc, ("examples", i, phase, "expect", *key), f"{where}: {message}")


def _raw(exchange: ExampleExchange) -> RawResponse:
    response = exchange.response
    return RawResponse(
        status=response.status,
        headers=response.headers,
        body=response.body.encode("utf-8"),
    )


def _mismatches(exchange: ExampleExchange, outcome: Outcome) -> list[tuple[NodePath, str]]:
    expect = exchange.expect
    found: list[tuple[NodePath, str]] = []
    if outcome.status != expect.outcome:
        why = outcome.decided_by or "no rule decided"
        if outcome.reason:
            why += f"; reason: {outcome.reason}"
        found.append(
            (("outcome",), f"expected outcome {expect.outcome}, got {outcome.status} ({why})")
        )
    for name in ("bid", "price"):
        wanted: Decimal | None = getattr(expect, name)
        got: Decimal | None = getattr(outcome, name)
        if wanted is not None and got != wanted:
            shown = "none" if got is None else str(got)
            found.append(((name,), f"expected {name} {wanted}, got {shown}"))
    if expect.reason is not None and not reason_matches(expect.reason, outcome.reason):
        shown = "none" if outcome.reason is None else f"`{outcome.reason}`"
        found.append((("reason",), f"expected reason `{expect.reason}`, got {shown}"))
    for name, value in (expect.capture or {}).items():
        got_capture = outcome.captures.get(name)
        if got_capture != value:
            shown = "nothing" if got_capture is None else f"`{got_capture}`"
            found.append((("capture", name), f"expected capture {name} `{value}`, got {shown}"))
    return found
