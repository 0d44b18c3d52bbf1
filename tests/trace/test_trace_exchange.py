"""The view of one exchange: request, response, decoding, verdicts, outcome."""

from __future__ import annotations

from decimal import Decimal

from pingpost.exchange import Failure, RawResponse, RenderedRequest
from pingpost.responses.outcome import Outcome, RuleVerdict
from pingpost.trace.exchange import exchange_view, response_view, shorten

REQUEST = RenderedRequest(
    "POST",
    "http://127.0.0.1:9/ping?api_key=tok-SECRET",
    (("Content-Type", "application/json"), ("Authorization", "Bearer tok-SECRET")),
    b'{"first_name": "Zelda"}',
)


def test_long_bodies_are_shortened_with_the_length_stated():
    assert shorten("abc", 10).plain == "abc"
    cut = shorten("x" * 5000, 2000, size=5000).plain
    assert cut.startswith("x" * 2000) and "x" * 2001 not in cut
    assert "(5,000 bytes, first 2,000 shown)" in cut


def test_response_shows_status_headers_and_raw_body(masker, render):
    response = RawResponse(
        404,
        (("Content-Type", "application/json"),),
        b'{"error": "[red]no buyer[/red]"}',
        elapsed_ms=12.0,
        attempts=2,
    )
    text = render(response_view(response, masker))
    assert "← 404 Not Found (12 ms, 2 attempts)" in text
    assert "Content-Type: application/json" in text
    assert '{"error": "[red]no buyer[/red]"}' in text  # literal, not markup


def test_no_response_is_one_clear_line(masker, render):
    failure = Failure("connect", "cannot connect to 127.0.0.1:9: connection refused", False)
    outcome = Outcome("error", reason="cannot connect to 127.0.0.1:9: connection refused")
    text = render(exchange_view(REQUEST, RawResponse(None, failure=failure), outcome, masker))
    assert (
        "← no response (0.0 ms, 1 attempt): cannot connect to 127.0.0.1:9: connection refused"
        in text
    )
    assert "rules" not in text


def test_exchange_view_masks_and_explains(masker, render):
    outcome = Outcome(
        "accepted",
        bid=Decimal("8.50"),
        captures={"token": "t-1"},
        decided_by="accept: path Success equals true",
        verdicts=(
            RuleVerdict("reject", 'contains "No Matches"', False, "not found"),
            RuleVerdict("accept", "path Success equals true", True, "got true"),
        ),
        decoded_as="json",
    )
    response = RawResponse(200, (), b'{"Success": true}', elapsed_ms=38.0)
    text = render(exchange_view(REQUEST, response, outcome, masker, latency_ms=38.0))
    assert "tok-SECRET" not in text and "Zelda" not in text
    assert "Authorization: Bearer ****" in text and "api_key=****" in text
    assert "decoded as json" in text
    assert "reject" in text and "not found" in text
    assert "outcome accepted  bid $8.50" in text and "captures token=t-1" in text


def test_undecodable_body_says_why_and_that_regex_still_applies(masker, render):
    outcome = Outcome("rejected", decoded_as="text", decode_error="json: Expecting ',' delimiter")
    response = RawResponse(200, (), b"{ broken", elapsed_ms=1.0)
    text = render(exchange_view(REQUEST, response, outcome, masker))
    assert "did not decode as expected: json: Expecting ',' delimiter" in text
    assert "regex and contains rules still apply" in text


def test_dry_run_exchange_says_not_sent(masker, render):
    text = render(exchange_view(REQUEST, None, None, masker))
    assert "→ POST" in text and "← not sent" in text


# --------------------------------------------------------------------------- terminal safety

HOSTILE = "\x1b[31mRED\x1b]0;pwned\x07 nul\x00 cr\rend"
RAW_CONTROLS = ("\x1b", "\x07", "\x00", "\r")


def _assert_terminal_safe(text: str) -> None:
    for char in RAW_CONTROLS:
        assert char not in text, f"raw {char!r} reached the terminal"
    assert "\\x1b[31mRED\\x1b]0;pwned\\x07" in text  # shown, escaped


def test_buyer_bytes_never_reach_the_terminal_raw(masker, render):
    body = ('{"Message": "' + HOSTILE + '"}').encode()
    response = RawResponse(200, (("X-Evil", HOSTILE),), body, elapsed_ms=3.0)
    request = RenderedRequest(
        "POST", "http://127.0.0.1:9/p?x=%1b", (("X-Lead", HOSTILE),), HOSTILE.encode()
    )
    outcome = Outcome(
        "rejected",
        reason=HOSTILE,
        captures={"id": HOSTILE},
        decided_by=f"reject: {HOSTILE}",
        verdicts=(RuleVerdict("reject", f"regex {HOSTILE}", True, f"got {HOSTILE}"),),
        decode_error=f"not json: {HOSTILE}",
    )
    text = render(exchange_view(request, response, outcome, masker))
    _assert_terminal_safe(text)
    failed = RawResponse(None, failure=Failure("protocol", HOSTILE, True))
    _assert_terminal_safe(render(response_view(failed, masker)))


def test_bodies_are_shown_in_their_charset(masker, render):
    text = '{"Message": "Zoë says no"}'
    for content_type, body in (
        ("application/json; charset=utf-16", text.encode("utf-16")),
        ("application/json; charset=utf-16-le", text.encode("utf-16-le")),
        ("text/plain; charset=iso-8859-1", text.encode("latin-1")),
    ):
        response = RawResponse(200, (("Content-Type", content_type),), body)
        shown = render(response_view(response, masker))
        assert text in shown, content_type
        assert "\x00" not in shown and "\\x00" not in shown


def test_pii_in_a_utf16_body_is_masked(masker, render):
    body = '{"name": "Zelda"}'.encode("utf-16")
    response = RawResponse(200, (("Content-Type", "application/json; charset=utf-16"),), body)
    shown = render(response_view(response, masker))
    assert '{"name": "****"}' in shown and "Zelda" not in shown


def test_check_line_is_terminal_safe(masker, render):
    from pingpost.commands.check import Check

    outcome = Outcome("rejected", reason=HOSTILE)
    check = Check("ping", REQUEST, RawResponse(200, (), b"x"), outcome, 1.0)
    from pingpost.trace.exchange import check_line

    _assert_terminal_safe(render(check_line(check, masker)))
