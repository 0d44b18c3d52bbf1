"""`interpret`: one response and the method's rules -> an Outcome that explains itself.

The order (spec/config.md "Deciding the outcome"):

1. transport failure -> `error` (on a post: `in_doubt` when it may have arrived);
2. a status listed in `status` -> its verdict (`error` on a post is `in_doubt`);
3. HTTP 5xx -> `error` (post: `in_doubt`);
4. HTTP 3xx -> `error` (post: `in_doubt`: the redirect is not followed, P13);
5. a `decode` string that does not parse -> `error` (as an accept that cannot run);
6. `error` matches -> `error` (the buyer answered: on a post, a definitive `error`);
7. `reject` matches -> `rejected`;
8. `accept` matches -> `accepted`; no `accept` rule: a 2xx is accepted;
9. otherwise `rejected`.

An error or reject rule that could not run (a `path` on a body that did not
decode, or on plain text under `format: auto`) does not match. An accept rule that could not
run makes a ping an `error` (P9) and a post `in_doubt` (a 4xx post stays a
definitive `rejected`).
An accepted ping's bid must parse (P7), else `error`; an accepted post keeps
its sale whatever its price says. Captures are read whatever the outcome (the
trace shows a rejection's reference); only an accepted ping's go to the post.
"""

from __future__ import annotations

from decimal import Decimal

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
from pingpost.responses.inner import decode_inner
from pingpost.responses.money import InvalidBid, parse_bid
from pingpost.responses.outcome import Outcome, RuleVerdict
from pingpost.responses.steps import (
    Decision,
    Phase,
    answered,
    by_status,
    could_not_read,
    redirect,
    transport_failure,
    with_status,
)


def interpret(rules: Response, response: RawResponse, *, phase: Phase = "ping") -> Outcome:
    """What `response` means under `rules`. Pure: no I/O, no clock, never raises for
    anything a buyer sends."""
    if response.failure is not None or response.status is None:
        return transport_failure(response, phase)
    body = decode_body(response.body, response.header("content-type"), rules.format)
    unparsed = None
    if rules.decode and body.error is None:
        body, unparsed = decode_inner(body, rules.decode)
    verdicts: list[RuleVerdict] = []
    decision = _decide(rules, response, body, phase, verdicts, unparsed)
    return _finish(rules, response, body, phase, decision, verdicts)


def _decide(
    rules: Response,
    response: RawResponse,
    body: DecodedBody,
    phase: Phase,
    verdicts: list[RuleVerdict],
    unparsed: str | None = None,
) -> Decision:
    status = response.status or 0
    mapped = rules.status.get(status)
    if mapped is not None or status >= 500:
        return by_status(status, mapped, phase, verdicts)
    if 300 <= status < 400:
        return redirect(status, response, phase, verdicts)
    if unparsed is not None:  # a `decode` string that is not its document (P9)
        where, _, why = unparsed.partition(": ")
        verdicts.append(RuleVerdict("decode", where, False, why))
        return could_not_read(unparsed, status, phase, "decode failed")
    # An error or reject rule that could not run simply did not match (its verdict says why).
    if (
        rules.error is not None
        and _check("error", rules.error, response, body, verdicts, rules).matched
    ):
        rule = f"error: {describe(rules.error)}"
        return Decision("error", answered(rule, phase), rule)
    if (
        rules.reject is not None
        and _check("reject", rules.reject, response, body, verdicts, rules).matched
    ):
        rule = f"reject: {describe(rules.reject)}"
        return Decision("rejected", rule, rule)
    if rules.accept is None:
        success = 200 <= status < 300
        verdicts.append(RuleVerdict("accept", "any 2xx (no accept rule)", success, f"got {status}"))
        if success:
            return Decision("accepted", f"no accept rule: HTTP {status} is 2xx")
        return Decision("rejected", f"no accept rule: HTTP {status} is not 2xx", f"HTTP {status}")
    result = _check("accept", rules.accept, response, body, verdicts, rules)
    if result.matched:
        return Decision("accepted", f"accept: {describe(rules.accept)}")
    if result.problem is not None:
        return could_not_read(result.problem, status, phase, "accept could not run")
    return Decision("rejected", "no accept rule matched", "no accept rule matched")


def _check(
    rule: str,
    condition: Condition,
    response: RawResponse,
    body: DecodedBody,
    verdicts: list[RuleVerdict],
    rules: Response,
) -> Check:
    result = check(condition, response, body, rules.namespaces)
    verdicts.append(RuleVerdict(rule, describe(condition), result.matched, result.detail))
    return result


def _finish(
    rules: Response,
    response: RawResponse,
    body: DecodedBody,
    phase: Phase,
    decision: Decision,
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
        captures=captures,
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
    decision: Decision,
    verdicts: list[RuleVerdict],
) -> str | None:
    found = None
    if rules.reason is not None:
        result = _extract("reason", rules.reason, response, body, verdicts, rules)
        found = (as_reason(result.value) or None) if result.value is not None else None
        if decision.status == "accepted" and result.defaulted:
            return None  # a default says why a buyer declined; an acceptance needs none
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


def _captures(
    rules: Response, response: RawResponse, body: DecodedBody, verdicts: list[RuleVerdict]
) -> dict[str, str]:
    """Extracted whatever the outcome (a rejection's reference id is worth tracing);
    the auction posts with an accepted ping's captures only."""
    captures: dict[str, str] = {}
    for name, extractor in rules.capture.items():
        result = _extract(f"capture.{name}", extractor, response, body, verdicts, rules)
        if result.value is not None:
            captures[name] = as_capture(result.value)
    return captures


def _bid(
    rules: Response, response: RawResponse, body: DecodedBody, verdicts: list[RuleVerdict]
) -> tuple[Decimal | None, Decision | None]:
    """An accepted ping's bid, or the `error` decision when it has none or a bad one (P7).
    No `bid` rule: no bid (the account's fixed_price applies)."""
    _note_unused("price", rules.price, "ping", verdicts)
    if rules.bid is None:
        return None, None
    result = _extract("bid", rules.bid, response, body, verdicts, rules)
    if result.value is None:
        cause = "no bid in response"
        return None, Decision("error", f"bid: {cause} ({result.detail})", cause, "cause_only")
    try:
        return parse_bid(result.value), None
    except InvalidBid as exc:
        cause = f"invalid bid: {exc}"
        return None, Decision("error", f"bid: {cause}", cause, "cause_only")


def _price(
    rules: Response, response: RawResponse, body: DecodedBody, verdicts: list[RuleVerdict]
) -> Decimal | None:
    """An accepted post's confirmed price. The buyer took the lead, so a missing or bad
    price keeps the sale (at the bid) and only adds a verdict saying so."""
    _note_unused("bid", rules.bid, "post", verdicts)
    if rules.price is None:
        return None
    result = extract(rules.price, response, body, rules.namespaces)
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
    rules: Response,
) -> Extracted:
    result = extract(extractor, response, body, rules.namespaces)
    verdicts.append(
        RuleVerdict(rule, describe_extractor(extractor), result.value is not None, result.detail)
    )
    return result
