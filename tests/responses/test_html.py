"""`format: html`: a browser's reading of broken pages, CSS selectors, attributes, visible text."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from pingpost.responses import interpret
from pingpost.responses.html import parse_html, parse_selector, select, visible_text

from .helpers import answer, rules, verdict

HTML = "text/html; charset=utf-8"


def value(page: str, selector: str) -> object:
    return select(parse_html(page), selector)


# --------------------------------------------------------------------------- broken markup


@pytest.mark.parametrize(
    ("page", "selector", "expected"),
    [
        # unclosed tags: the span and the div end where a browser ends them
        ('<div class="result"><span class="price">12.50</div><p>after', "div.result", "12.50"),
        ('<div class="result"><span class="price">12.50</div><p>after', "p", "after"),
        ("<ul><li>one<li>two<li>three</ul>", "li:nth-child(2)", "two"),
        ("<p>first<p>second", "p + p", "second"),
        # stray end tags are ignored
        ('<div class="result">ok</foo></div><span id="x">1</span></bar>', "div.result", "ok"),
        ('</div></span><b class="ok">yes</b>', "b.ok", "yes"),
        # misnested tags: the adoption agency reopens the italic after the bold closes
        ("<p><b>bold <i>both</b> italic</i></p>", "p > i", "italic"),
        # rows outside a tbody get one, as in the browser's inspector
        (
            "<table><tr><td>Ref</td><td id=ref>R-99</td></tr></table>",
            "table > tbody > tr > #ref",
            "R-99",
        ),
        # content a table cannot hold is moved before it (foster parenting)
        (
            "<table><tr><td>1</td></tr><span class=s>foster</span></table>",
            "body > span.s",
            "foster",
        ),
        # upper-case tags, unquoted attributes, entities
        ("<DIV CLASS=Result><SPAN>yes</SPAN></DIV>", "div.Result span", "yes"),
        ("<p class=m>a &amp; b &copy; &#x41;</p>", "p.m", "a & b © A"),
        # no html, head or body at all
        ("Price: <b>12</b>", "b", "12"),
    ],
)
def test_broken_markup_is_read_the_way_a_browser_reads_it(
    page: str, selector: str, expected: str
) -> None:
    assert value(page, selector) == expected


@pytest.mark.parametrize(
    "page",
    ["", "   ", "<", "</", "<<<>>>", "<div", "<!-- never closed", "\x00\x01<p>\ufffd", "<" * 5000],
)
def test_no_page_is_an_error(page: str) -> None:
    outcome = interpret(rules("{format: html, accept: {selector: p}}"), answer(page, 200, HTML))
    assert outcome.status in ("accepted", "rejected")
    assert (outcome.decoded_as, outcome.decode_error) == ("html", None)


def test_a_broken_page_accepted_end_to_end() -> None:
    page = """<html><body><div class=result><h1>Accepted</h1>
    <p>Price: <span class=price>12.50</span><p>Ref <b id=ref>A-1</b></foo>"""
    r = rules(
        """
        format: html
        reject: {selector: "div.result h1", equals: Rejected}
        accept: {selector: "div.result h1", equals: Accepted}
        bid: {selector: "div.result span.price"}
        capture: {ref: {selector: "#ref"}}
        """
    )
    outcome = interpret(r, answer(page, 200, HTML))
    assert (outcome.status, outcome.bid, dict(outcome.captures)) == (
        "accepted",
        Decimal("12.50"),
        {"ref": "A-1"},
    )
    assert outcome.decided_by == 'accept: selector "div.result h1" equals "Accepted"'


# --------------------------------------------------------------------------- selectors


PAGE = """<!DOCTYPE html><html><head><title>Result page</title></head><body>
<div id="main"><div class="result accepted">
  <h1 class="title">Accepted</h1>
  <div class="offer"><span class="price">12.50</span><span class="currency">USD</span></div>
  <ul class="notes"><li>first note</li><li class="last">second  note</li></ul>
  <a class="next" href="/post/abc123" data-token="T-9">continue</a>
  <input type="hidden" name="lead_token" value="tk-829"><input disabled name="flag">
</div></div>
<div class="result rejected" hidden><h1>Rejected</h1></div>
<script>var status = "Rejected";</script>
</body></html>"""


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("h1.title", "Accepted"),  # a class
        ("#main", "Accepted\n12.50USD\nfirst note\nsecond note\ncontinue"),  # an id
        ("div.result.accepted", "Accepted\n12.50USD\nfirst note\nsecond note\ncontinue"),
        ("div.result span.price", "12.50"),  # nesting
        ("#main > div > div.offer > span:last-child", "USD"),  # children
        ("ul.notes li.last", "second note"),  # whitespace collapsed
        ("ul.notes li", "first note"),  # the first match
        ("div.rejected h1", "Rejected"),  # hidden: still selectable
        ("span.missing", None),
    ],
)
def test_selectors_with_classes_ids_and_nesting(selector: str, expected: str | None) -> None:
    assert value(PAGE, selector) == expected


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("a.next@href", "/post/abc123"),
        ("a.next @data-token", "T-9"),
        ("input[name=lead_token]@value", "tk-829"),
        ("input[name=flag]@disabled", ""),  # a bare attribute is present and empty
        ("a.next@title", None),  # no such attribute
        ("a.missing@href", None),  # no such element
        ('a[href*="@"]', None),  # an `@` inside the selector is not an attribute read
        ('a[href$="abc123"]@href', "/post/abc123"),
    ],
)
def test_attribute_reads(selector: str, expected: str | None) -> None:
    assert value(PAGE, selector) == expected


def test_parse_selector_splits_only_a_trailing_attribute() -> None:
    assert parse_selector("a.next@href").attribute == "href"
    assert parse_selector('a[title="x@y"]').attribute is None
    assert parse_selector('a[title="x@y"]@data-id').css == 'a[title="x@y"]'


def test_a_selector_that_matches_nothing_with_exists_false() -> None:
    r = rules(
        """
        format: html
        reject: {selector: "div.error", exists: true}
        accept: {selector: "div.captcha", exists: false}
        """
    )
    outcome = interpret(r, answer(PAGE, 200, HTML))
    assert outcome.status == "accepted"
    assert verdict(outcome, "accept").detail == "not found"
    assert verdict(outcome, "reject").matched is False
    with_captcha = PAGE.replace('<div id="main">', '<div id="main"><div class="captcha">?</div>')
    assert interpret(r, answer(with_captcha, 200, HTML)).status == "rejected"


def test_operators_on_selector_values() -> None:
    def status(rule: str) -> str:
        return interpret(rules(f"{{format: html, accept: {rule}}}"), answer(PAGE, 200, HTML)).status

    assert status('{selector: "span.price", gte: 12}') == "accepted"
    assert status('{selector: "span.price", lt: 12}') == "rejected"
    assert status('{selector: "h1.title", in: [accepted, sold]}') == "accepted"
    assert status('{selector: "h1.title", matches: "^Acc"}') == "accepted"
    assert status('{selector: "h1.title", not_equals: Accepted}') == "rejected"
    assert status('{selector: "span.missing"}') == "rejected"


# --------------------------------------------------------------------------- visible text


def test_contains_and_regex_read_the_visible_text() -> None:
    r = rules(
        r"""
        format: html
        reject: {contains: Rejected}
        accept: {regex: 'Accepted\s+12\.50USD'}
        reason: {regex: 'second note'}
        """
    )
    outcome = interpret(r, answer(PAGE, 200, HTML))
    # "Rejected" is only in a script and a hidden element: not visible
    assert outcome.status == "accepted"
    assert verdict(outcome, "reject").detail == "not found"


def test_visible_text_lays_blocks_on_lines_and_skips_what_is_not_shown() -> None:
    page = parse_html(
        "<head><title>T</title><style>p{}</style></head><body><h1>Head</h1>"
        "<p>one <b>bold</b>   two<br>three</p><script>x()</script><template>t</template>"
        "<table><tr><td>a</td><td>b</td></tr></table><!-- c --><div hidden>h</div>tail"
    )
    assert page.body is not None
    assert visible_text(page.body) == "Head\none bold two\nthree\na b\ntail"


def test_markup_in_text_rules_does_not_match_under_html() -> None:
    """Under `format: html`, `<span class="price">` is markup, not text."""
    r = rules("""{format: html, accept: {contains: '<span class="price">'}}""")
    assert interpret(r, answer(PAGE, 200, HTML)).status == "rejected"
    raw = rules("""{format: text, accept: {contains: '<span class="price">'}}""")
    assert interpret(raw, answer(PAGE, 200, HTML)).status == "accepted"


# --------------------------------------------------------------------------- rules that cannot run


def test_path_rules_cannot_run_on_html_and_selectors_only_on_html() -> None:
    outcome = interpret(rules("{format: html, accept: {path: status}}"), answer(PAGE, 200, HTML))
    assert outcome.status == "error"
    assert (
        outcome.reason == "body is html: `path` reads json, xml or form; use `selector` or `xpath`"
    )
    json_body = answer('{"a": 1}', 200, "application/json")
    outcome = interpret(rules("{accept: {selector: p}}"), json_body)
    assert outcome.status == "error"
    assert outcome.reason == "`selector` reads HTML answers (`format: html`); this body is json"


def test_the_charset_a_page_declares_is_read() -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p>Caf\xe9</p>'.encode("cp1252")
    r = rules("{format: html, accept: {selector: p, equals: Café}}")
    assert interpret(r, answer(page, 200, "text/html")).status == "accepted"
    # the header's charset wins over the page's
    assert interpret(r, answer(page, 200, "text/html; charset=utf-8")).status == "rejected"


# --------------------------------------------------------------------------- size


def one_megabyte_page() -> str:
    row = '<tr class="row"><td class="c">{0}</td><td><a href="/x/{0}">link {0}</a></td></tr>\n'
    rows = "".join(row.format(i) for i in range(13_000))
    page = f"<html><body><table>{rows}</table><div class=result><span class=price>9.99</span>"
    assert len(page) > 1_000_000
    return page


def test_a_1_mb_page_is_read_whole() -> None:
    page = one_megabyte_page()
    r = rules(
        r"""
        format: html
        accept: {selector: "div.result span.price", exists: true}
        bid: {selector: "div.result span.price"}
        reason: {regex: 'link (12999)'}
        capture: {last: {selector: "tr.row:last-child a@href"}}
        """
    )
    start = time.perf_counter()
    outcome = interpret(r, answer(page, 200, HTML))
    elapsed = time.perf_counter() - start
    assert (outcome.status, outcome.bid, outcome.reason) == ("accepted", Decimal("9.99"), "12999")
    assert outcome.captures == {"last": "/x/12999"}
    assert elapsed < 5  # a loose bound for a loaded machine: about 0.1 s when idle
