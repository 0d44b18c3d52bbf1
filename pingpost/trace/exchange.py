"""One request and its response, for people: the view `test-ping`, `test-post` and
`deliver --verbose` print.

Request (masked), response status, headers and raw body (long bodies
shortened, length stated), how the body decoded, each rule's verdict, then
the outcome. Buyer and lead text is plain `Text`, never markup, and goes
through `shown` (masked, then terminal control characters escaped): a buyer
cannot drive the terminal with ESC, BEL or CR. Bodies are decoded with their
charset, as the rules read them.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from http import HTTPStatus
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from pingpost.commands.check import diagnose
from pingpost.exchange import DigestCredentials, Headers, RawResponse, RenderedRequest
from pingpost.masking import Masker
from pingpost.render.views import displayable
from pingpost.responses.decode import text_of
from pingpost.trace.console import section

if TYPE_CHECKING:
    from pingpost.commands.check import Check, CheckResult
    from pingpost.responses.outcome import Outcome

BODY_LIMIT = 2000  # characters of a body shown before it is shortened

STATUS_STYLES = {
    "accepted": "bold green",
    "rejected": "yellow",
    "error": "bold red",
    "in_doubt": "bold magenta",
}


def dollars(value: Decimal | None) -> str:
    """Money for people: `$1,234.50`; never fewer than two decimals, never a digit lost
    (`$0.125`). JSON keeps the exact decimal string instead."""
    if value is None:
        return ""
    exponent = value.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"${value:,.{places}f}"


def shown(masker: Masker, text: str) -> str:
    """Buyer or lead text as it may be printed: masked, then terminal-safe."""
    return displayable(masker.text(text))


def shorten(text: str, limit: int = BODY_LIMIT, *, size: int | None = None) -> Text:
    """The first `limit` characters, and a note with the full length when cut."""
    if len(text) <= limit:
        return Text(text)
    total = f"{size:,} bytes" if size is not None else f"{len(text):,} characters"
    return Text.assemble(
        text[:limit], ("\n… ", "dim"), (f"({total}, first {limit:,} shown)", "dim")
    )


def ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def raw(text: Text) -> Text:
    """Wire text (URLs, headers, bodies) is never wrapped by us: copied from the terminal,
    it must be what was sent. Print with `crop=False` to keep long lines whole."""
    text.no_wrap = True
    text.overflow = "ignore"
    return text


def _headers(headers: Headers) -> Iterator[Text]:
    for name, value in headers:
        yield raw(Text.assemble("  ", (displayable(name), "bold"), ": ", displayable(value)))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def request_view(request: RenderedRequest, masker: Masker) -> Group:
    masked = masker.request(request)
    url = displayable(masked.url)
    lines: list[RenderableType] = [
        raw(Text.assemble(("→ ", "cyan"), (displayable(masked.method), "bold"), " ", url))
    ]
    lines.extend(_headers(masked.headers))
    if request.auth is not None:  # added by the transport as it sends: never shown itself
        digest = isinstance(request.auth, DigestCredentials)
        scheme, note = ("Digest", "answers the buyer's challenge") if digest else ("Bearer", "")
        note = note or "OAuth2 token, fetched and cached per account"
        lines.append(
            Text.assemble(
                "  ", ("Authorization", "bold"), f": {scheme} ****", (f"  ({note})", "dim")
            )
        )
    if masked.body:
        text = displayable(text_of(masked.body, masked.header("content-type")))
        lines.append(raw(Text.assemble("  ", shorten(text, size=len(masked.body)))))
    return Group(*lines)


def response_view(response: RawResponse, masker: Masker) -> Group:
    masked = masker.response(response)
    timing = f"{ms(masked.elapsed_ms)}, {masked.attempts} attempt{'s' * (masked.attempts != 1)}"
    if masked.failure is not None:
        head = Text.assemble(
            ("← ", "cyan"),
            ("no response", "bold red"),
            f" ({timing}): ",
            shown(masker, masked.failure.detail),
        )
        return Group(head)
    status = masked.status or 0
    phrase = _phrase(status)
    style = "bold green" if 200 <= status < 300 else "bold yellow" if status < 500 else "bold red"
    lines: list[RenderableType] = [
        Text.assemble(("← ", "cyan"), (f"{status} {phrase}".strip(), style), f" ({timing})")
    ]
    lines.extend(_headers(masked.headers))
    # Decoded before masking: pii in a UTF-16 body is only found in the decoded text.
    body = shown(masker, text_of(response.body, response.header("content-type")))
    view = shorten(body, size=response.size) if body else Text("(empty body)", "dim")
    lines.append(raw(Text.assemble("  ", view)))
    return Group(*lines)


def verdicts_view(outcome: Outcome, masker: Masker) -> RenderableType:
    decoded = Text.assemble(("decoded as ", "dim"), (outcome.decoded_as, "bold"))
    if outcome.decode_error:
        decoded.append_text(
            Text.assemble(
                ("; did not decode as expected: ", "dim"),
                shown(masker, outcome.decode_error),
                (" (regex and contains rules still apply)", "dim"),
            )
        )
    if not outcome.verdicts:
        return decoded
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1, 0, 2))
    for verdict in outcome.verdicts:
        mark = Text("match", "green") if verdict.matched else Text("no", "yellow")
        table.add_row(
            Text(displayable(verdict.rule), "bold"),
            Text(shown(masker, verdict.description)),
            mark,
            Text(shown(masker, verdict.detail), "dim"),
        )
    return Group(decoded, Text("rules", "dim"), table)


def outcome_view(outcome: Outcome, masker: Masker, *, latency_ms: float | None = None) -> Text:
    """`accepted  bid $8.50  captures transaction_id=…  (decided by …)`."""
    text = Text.assemble(("outcome ", "dim"), (outcome.status, STATUS_STYLES[outcome.status]))
    if outcome.bid is not None:
        text.append_text(Text.assemble(("  bid ", "dim"), (dollars(outcome.bid), "bold")))
    if outcome.price is not None:
        text.append_text(Text.assemble(("  price ", "dim"), (dollars(outcome.price), "bold")))
    if outcome.reason:
        text.append_text(Text.assemble(("  reason ", "dim"), shown(masker, outcome.reason)))
    if latency_ms is not None:
        text.append_text(Text.assemble(("  latency ", "dim"), ms(latency_ms)))
    if outcome.captures:
        pairs = ", ".join(f"{k}={masker.value(v)}" for k, v in outcome.captures.items())
        text.append_text(Text.assemble(("\ncaptures ", "dim"), displayable(pairs)))
    if outcome.decided_by:
        text.append_text(Text.assemble(("\ndecided by ", "dim"), shown(masker, outcome.decided_by)))
    return text


def exchange_view(
    request: RenderedRequest | None,
    response: RawResponse | None,
    outcome: Outcome | None,
    masker: Masker,
    *,
    latency_ms: float | None = None,
) -> Group:
    """The whole exchange; parts that do not exist (dry run, render failure) are skipped."""
    parts: list[RenderableType] = []
    if request is not None:
        parts.append(request_view(request, masker))
    if response is not None:
        parts.append(response_view(response, masker))
    elif request is not None:
        parts.append(Text("← not sent", "dim"))
    if outcome is not None and response is not None:
        if response.failure is None:  # with no answer, there is nothing to decode or match
            parts.append(verdicts_view(outcome, masker))
        parts.append(outcome_view(outcome, masker, latency_ms=latency_ms))
    return Group(*parts)


def check_line(check: Check, masker: Masker) -> Text:
    """`PING ACCEPTED: bid $8.50 in 38 ms` / `POST ERROR: no response: ...`."""
    status = check.outcome.status
    text = Text.assemble(
        (f"{check.phase.upper()} {status.upper().replace('_', ' ')}", STATUS_STYLES[status])
    )
    details = []
    if check.outcome.bid is not None:
        details.append(f"bid {dollars(check.outcome.bid)}")
    if check.outcome.price is not None:
        details.append(f"price {dollars(check.outcome.price)}")
    problem = diagnose(check) or (check.outcome.reason if status != "accepted" else None)
    if problem:
        details.append(shown(masker, problem))
    text.append(": " + ", ".join(details) if details else "")
    text.append(f" in {ms(check.latency_ms)}")
    return text


def check_view(result: CheckResult, masker: Masker) -> Group:
    """The `test-ping`/`test-post` trace: each exchange in full, then one line each."""
    parts: list[RenderableType] = []
    for check in result.checks:
        title = f"{check.phase} · {result.method}"
        if result.account:
            title += f" · account {result.account}"
        parts.append(section(title))
        parts.append(
            exchange_view(
                check.request, check.response, check.outcome, masker, latency_ms=check.latency_ms
            )
        )
    parts.append(Text(""))
    parts.extend(check_line(check, masker) for check in result.checks)
    if result.post_skipped:
        parts.append(Text(displayable(result.post_skipped), "dim"))
    return Group(*parts)
