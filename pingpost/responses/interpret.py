"""`interpret`: one response and the method's rules -> an Outcome that explains itself.

The order (spec/config.md "Deciding the outcome"):

1. transport failure -> `error` (on a post: `in_doubt` when it may have arrived);
2. a status listed in `status` -> its verdict (`error` on a post is `in_doubt`);
3. HTTP 5xx -> `error` (post: `in_doubt`);
4. HTTP 3xx -> `error` (post: `rejected`: the redirect is not followed, P13);
5. `reject` matches -> `rejected`;
6. `accept` matches -> `accepted`; no `accept` rule: a 2xx is accepted;
7. otherwise `rejected`.

A reject rule that could not run (a `path` on a body that did not decode, or on
plain text under `format: auto`) does not match. An accept rule that could not
run makes a ping an `error` (P9) and a post `in_doubt` (a 4xx post stays a
definitive `rejected`).
An accepted ping's bid must parse (P7), else `error`; an accepted post keeps
its sale whatever its price says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus
from typing import Literal

from pingpost.config.models import Condition, Extractor, Response
from pingpost.exchange import RawResponse
from pingpost.responses.conditions import Check, check, describe
from pingpost.responses.decode import DecodedBody, decode_body
from pingpost.responses.extract import (
    Extracted,
    as_capture,
    as_reason,
    describe_extractor,
    extract,
)
from pingpost.responses.money import InvalidBid, parse_bid
from pingpost.responses.outcome import Outcome, OutcomeStatus, RuleVerdict

Phase = Literal["ping", "post"]
# How an outcome's reason is made from the decision's cause and the `reason` extractor.
ReasonMode = Literal["extracted", "cause_first", "cause_only"]
_MAX_LOCATION = 200  # characters of a redirect's Location kept in the reason
_PHRASES = {int(s): s.phrase for s in HTTPStatus}
_STATUS_LABEL = re.compile(r"^HTTP \d{3}(?: [A-Za-z'\- ]+?)?: ")


@dataclass(frozen=True, slots=True)
class _Decision:
    status: OutcomeStatus
    decided_by: str
    cause: str | None = None  # the reason when the body gives none
    reason_mode: ReasonMode = "extracted"


def interpret(rules: Response, response: RawResponse, *, phase: Phase = "ping") -> Outcome:
    """What `response` means under `rules`. Pure: no I/O, no clock, never raises for
    anything a buyer sends."""
    if response.failure is not None or response.status is None:
        return _transport_failure(response, phase)
    body = decode_body(response.body, response.header("content-type"), rules.format)
    verdicts: list[RuleVerdict] = []
    decision = _decide(rules, response, body, phase, verdicts)
    return _finish(rules, response, body, phase, decision, verdicts)


def _transport_failure(response: RawResponse, phase: Phase) -> Outcome:
    failure = response.failure
    kind = failure.kind if failure else "protocol"
    detail = failure.detail if failure else "no HTTP response"
    may_have_arrived = failure.may_have_arrived if failure else True
    if phase == "post" and may_have_arrived:
        return Outcome(
            status="in_doubt",
            reason=detail,
            decided_by=f"transport: {kind} (the post may have reached the buyer)",
        )
    return Outcome(status="error", reason=detail, decided_by=f"transport: {kind}")


def _decide(
    rules: Response,
    response: RawResponse,
    body: DecodedBody,
    phase: Phase,
    verdicts: list[RuleVerdict],
) -> _Decision:
    status = response.status or 0
    mapped = rules.status.get(status)
    if mapped is not None or status >= 500:
        return _by_status(status, mapped, phase, verdicts)
    if 300 <= status < 400:
        return _redirect(status, response, phase, verdicts)
    # A reject rule that could not run simply did not match (its verdict says why).
    if rules.reject is not None and _run("reject", rules.reject, response, body, verdicts).matched:
        rule = f"reject: {describe(rules.reject)}"
        return _Decision("rejected", rule, rule)
    if rules.accept is None:
        success = 200 <= status < 300
        verdicts.append(RuleVerdict("accept", "any 2xx (no accept rule)", success, f"got {status}"))
        if success:
            return _Decision("accepted", f"no accept rule: HTTP {status} is 2xx")
        return _Decision("rejected", f"no accept rule: HTTP {status} is not 2xx", f"HTTP {status}")
    result = _run("accept", rules.accept, response, body, verdicts)
    if result.matched:
        return _Decision("accepted", f"accept: {describe(rules.accept)}")
    if result.problem is not None:
        return _accept_could_not_run(result.problem, status, phase)
    return _Decision("rejected", "no accept rule matched", "no accept rule matched")


def _by_status(
    status: int, mapped: str | None, phase: Phase, verdicts: list[RuleVerdict]
) -> _Decision:
    if mapped == "reject":
        rule = f"status {status} → reject"
        verdicts.append(RuleVerdict("status", rule, True, f"got {status}"))
        return _Decision("rejected", rule, f"HTTP {status}")
    # The buyer answered, so a post it calls an error may still have been taken (P6).
    verdict: OutcomeStatus = "in_doubt" if phase == "post" else "error"
    rule = f"status {status} → error" if mapped else "HTTP 5xx → error"
    verdicts.append(RuleVerdict("status", rule, True, f"got {status}"))
    decided_by = rule if verdict == "error" else f"{rule} (the post may have been taken)"
    return _Decision(verdict, decided_by, f"HTTP {status}", "cause_first")


def _redirect(
    status: int, response: RawResponse, phase: Phase, verdicts: list[RuleVerdict]
) -> _Decision:
    """A 3xx the `status` map does not name. Redirects are never followed (P13): the
    endpoint moved or the URL is wrong, which is the buyer's `error` on a ping. On a
    post it is `in_doubt` (P6): a 303 See Other is a normal "created" answer, so the
    buyer may have taken the lead; only a `status` map entry makes it definitive."""
    location = (response.header("location") or "").strip()
    if len(location) > _MAX_LOCATION:
        location = location[:_MAX_LOCATION] + "…"
    target = f" to {location}" if location else ""
    cause = f"HTTP {status} redirect{target} not followed"
    verdict: OutcomeStatus = "error" if phase == "ping" else "in_doubt"
    rule = f"HTTP 3xx → {verdict}"
    verdicts.append(RuleVerdict("status", rule, True, f"got {status}"))
    return _Decision(verdict, f"{rule} (redirects are not followed)", cause, "cause_only")


def _accept_could_not_run(problem: str, status: int, phase: Phase) -> _Decision:
    """The accept rule could not run (e.g. a `path` on a body that is not json).

    On a ping that is the buyer's `error` (P9: undecodable bodies and wrong content
    types), whatever the status. On a post the buyer may have taken the lead while
    answering garbage, so only a 4xx is a definitive `rejected`; anything else is
    `in_doubt` (P6), never a reason to offer the lead to the next bidder.
    """
    decided_by = f"accept could not run: {problem}"
    if phase == "ping":
        return _Decision("error", decided_by, problem, "cause_only")
    if 400 <= status < 500:
        return _Decision("rejected", f"no accept rule matched ({decided_by})", f"HTTP {status}")
    return _Decision("in_doubt", decided_by, problem, "cause_only")


def _run(
    rule: str,
    condition: Condition,
    response: RawResponse,
    body: DecodedBody,
    verdicts: list[RuleVerdict],
) -> Check:
    result = check(condition, response, body)
    verdicts.append(RuleVerdict(rule, describe(condition), result.matched, result.detail))
    return result


def _finish(
    rules: Response,
    response: RawResponse,
    body: DecodedBody,
    phase: Phase,
    decision: _Decision,
    verdicts: list[RuleVerdict],
) -> Outcome:
    reason = _reason(rules, response, body, decision, verdicts)
    captures = _captures(rules, response, body, verdicts)
    bid = price = None
    if decision.status == "accepted":
        if phase == "ping":
            bid, failed = _bid(rules, response, body, verdicts)
            if failed is not None:
                decision, reason = failed, failed.cause
        else:
            price = _price(rules, response, body, verdicts)
    return Outcome(
        status=decision.status,
        bid=bid,
        price=price,
        reason=reason,
        captures=captures if decision.status == "accepted" else {},
        decided_by=decision.decided_by,
        verdicts=tuple(verdicts),
        decoded_as=body.format,
        decoded=body.data,
        decode_error=body.error,
    )


def _reason(
    rules: Response,
    response: RawResponse,
    body: DecodedBody,
    decision: _Decision,
    verdicts: list[RuleVerdict],
) -> str | None:
    found = None
    if rules.reason is not None:
        result = _extract("reason", rules.reason, response, body, verdicts)
        found = (as_reason(result.value) or None) if result.value is not None else None
    if decision.status == "accepted":
        return found
    if decision.reason_mode == "cause_only" or found is None:
        reason = decision.cause
    elif decision.reason_mode == "cause_first" and decision.cause:
        reason = f"{decision.cause}: {found}"
    else:
        reason = found
    status = response.status or 0
    return reason if 200 <= status < 300 else with_status(status, reason)


def with_status(status: int, reason: str | None) -> str:
    """A reason for an answer that is not 2xx, led by its status: `HTTP 401 Unauthorized:
    bad key` (a body that only repeats the status phrase adds nothing)."""
    code = f"HTTP {status}"
    label = f"{code} {_PHRASES[status]}" if status in _PHRASES else code
    if reason is None or reason.strip().lower() in (code.lower(), label[len(code) + 1 :].lower()):
        return label
    if reason.startswith(code):  # "HTTP 500: x" gains its phrase; a redirect's cause is kept
        rest = reason[len(code) :]
        return label + rest if rest.startswith(":") else reason
    return f"{label}: {reason}"


def reason_matches(expected: str, reason: str | None) -> bool:
    """An example's expected reason: the whole reason, or the part after the status
    (`no buyer` matches `HTTP 404 Not Found: no buyer`)."""
    got = (reason or "").strip()
    return expected.strip() in (got, _STATUS_LABEL.sub("", got, count=1).strip())


def _captures(
    rules: Response, response: RawResponse, body: DecodedBody, verdicts: list[RuleVerdict]
) -> dict[str, str]:
    """Always extracted (the trace shows them); the outcome keeps them only when accepted."""
    captures: dict[str, str] = {}
    for name, extractor in rules.capture.items():
        result = _extract(f"capture.{name}", extractor, response, body, verdicts)
        if result.value is not None:
            captures[name] = as_capture(result.value)
    return captures


def _bid(
    rules: Response, response: RawResponse, body: DecodedBody, verdicts: list[RuleVerdict]
) -> tuple[Decimal | None, _Decision | None]:
    """An accepted ping's bid, or the `error` decision when it has none or a bad one (P7).
    No `bid` rule: no bid (the account's fixed_price applies)."""
    _note_unused("price", rules.price, "ping", verdicts)
    if rules.bid is None:
        return None, None
    result = _extract("bid", rules.bid, response, body, verdicts)
    if result.value is None:
        cause = "no bid in response"
        return None, _Decision("error", f"bid: {cause} ({result.detail})", cause, "cause_only")
    try:
        return parse_bid(result.value), None
    except InvalidBid as exc:
        cause = f"invalid bid: {exc}"
        return None, _Decision("error", f"bid: {cause}", cause, "cause_only")


def _price(
    rules: Response, response: RawResponse, body: DecodedBody, verdicts: list[RuleVerdict]
) -> Decimal | None:
    """An accepted post's confirmed price. The buyer took the lead, so a missing or bad
    price keeps the sale (at the bid) and only adds a verdict saying so."""
    _note_unused("bid", rules.bid, "post", verdicts)
    if rules.price is None:
        return None
    result = extract(rules.price, response, body)
    price, detail = None, result.detail
    if result.value is not None:
        try:
            price = parse_bid(result.value)
        except InvalidBid as exc:
            detail = f"{detail}: invalid price: {exc}; the sale stands at the bid"
    described = describe_extractor(rules.price)
    verdicts.append(RuleVerdict("price", described, price is not None, detail))
    return price


def _note_unused(
    rule: str, extractor: Extractor | None, phase: Phase, verdicts: list[RuleVerdict]
) -> None:
    if extractor is not None:
        detail = f"not read on a {phase}: `bid` is for pings, `price` for posts"
        verdicts.append(RuleVerdict(rule, describe_extractor(extractor), False, detail))


def _extract(
    rule: str,
    extractor: Extractor,
    response: RawResponse,
    body: DecodedBody,
    verdicts: list[RuleVerdict],
) -> Extracted:
    result = extract(extractor, response, body)
    verdicts.append(
        RuleVerdict(rule, describe_extractor(extractor), result.value is not None, result.detail)
    )
    return result
