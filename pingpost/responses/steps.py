"""The steps of "Deciding the outcome" that need no rule: a transport failure, a status
the config maps, a 5xx, a redirect, an answer that cannot be read, and what an
`error` rule's match means on each phase (interpret.py runs them in order); and the
HTTP status that leads the reason of every answer that is not 2xx."""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Literal

from pingpost.exchange import RawResponse
from pingpost.responses.outcome import Outcome, OutcomeStatus, RuleVerdict

Phase = Literal["ping", "post"]
# How an outcome's reason is made from the decision's cause and the `reason` extractor.
ReasonMode = Literal["extracted", "cause_first", "cause_only"]
_MAX_LOCATION = 200  # characters of a redirect's Location kept in the reason
_PHRASES = {int(s): s.phrase for s in HTTPStatus}
_STATUS_LABEL = re.compile(r"^HTTP \d{3}(?: [A-Za-z'\- ]+?)?: ")


@dataclass(frozen=True, slots=True)
class Decision:
    status: OutcomeStatus
    decided_by: str
    cause: str | None = None  # the reason when the body gives none
    reason_mode: ReasonMode = "extracted"


def transport_failure(response: RawResponse, phase: Phase) -> Outcome:
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


def answered(rule: str, phase: Phase) -> str:
    """An error rule's words. On a post the buyer answered and called it an error (not a
    5xx, decided before), so the post is a definitive `post_error`, not `in_doubt`."""
    return rule if phase == "ping" else f"{rule} (the buyer answered: not in doubt)"


def by_status(
    status: int, mapped: str | None, phase: Phase, verdicts: list[RuleVerdict]
) -> Decision:
    if mapped == "reject":
        rule = f"status {status} → reject"
        verdicts.append(RuleVerdict("status", rule, True, f"got {status}"))
        return Decision("rejected", rule, f"HTTP {status}")
    # The buyer answered, so a post it calls an error may still have been taken (P6).
    verdict: OutcomeStatus = "in_doubt" if phase == "post" else "error"
    rule = f"status {status} → error" if mapped else "HTTP 5xx → error"
    verdicts.append(RuleVerdict("status", rule, True, f"got {status}"))
    decided_by = rule if verdict == "error" else f"{rule} (the post may have been taken)"
    return Decision(verdict, decided_by, f"HTTP {status}", "cause_first")


def redirect(
    status: int, response: RawResponse, phase: Phase, verdicts: list[RuleVerdict]
) -> Decision:
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
    return Decision(verdict, f"{rule} (redirects are not followed)", cause, "cause_only")


def could_not_read(problem: str, status: int, phase: Phase, what: str) -> Decision:
    """The accept rule could not run (e.g. a `path` on a body that is not json), or a
    `decode` string did not parse: the answer cannot be read.

    On a ping that is the buyer's `error` (P9: undecodable bodies and wrong content
    types), whatever the status. On a post the buyer may have taken the lead while
    answering garbage, so only a 4xx is a definitive `rejected`; anything else is
    `in_doubt` (P6), never a reason to offer the lead to the next bidder.
    """
    decided_by = f"{what}: {problem}"
    if phase == "ping":
        return Decision("error", decided_by, problem, "cause_only")
    if 400 <= status < 500:
        return Decision("rejected", f"no accept rule matched ({decided_by})", f"HTTP {status}")
    return Decision("in_doubt", decided_by, problem, "cause_only")


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
