"""HTML parsers for `format: html`: which reads broken pages as a browser does, and how fast.

    .venv/bin/python benchmarks/bench_html.py
    .venv/bin/python benchmarks/bench_html.py --number 2000

The two candidates are lexbor (through selectolax; an HTML5 parser) and libxml2's
HTML parser (through lxml, with cssselect for CSS). First, broken markup where
the HTML5 tree-building rules matter: each parser's tree is asked the question
a selector copied from a browser's inspector would ask. Then time: parsing a
buyer-sized page and a 1 MB page and reading one selector from it, best of
`--repeat` rounds, as ratios against lexbor measured in the same run. Last,
the XPath tree pingpost builds from lexbor's tree, and a whole `interpret`.
"""

from __future__ import annotations

import argparse
import json
import timeit
from collections.abc import Callable

import lxml.html
import yaml
from cssselect import HTMLTranslator
from lxml import etree
from selectolax.lexbor import LexborHTMLParser

from pingpost.config.models import Response
from pingpost.exchange import RawResponse
from pingpost.responses import interpret
from pingpost.responses.html import serialized

# (what a browser shows, the page, a CSS selector, what the browser's tree gives)
BROWSER_CASES = [
    (
        "implied tbody",
        "<table><tr><td id=r>R-9</td></tr></table>",
        "table > tbody > tr > td",
        "R-9",
    ),
    ("foster parenting", "<table><tr><td>1</td></tr><b class=s>x</b></table>", "body > b.s", "x"),
    ("adoption agency", "<p><b>bold <i>both</b> italic</i></p>", "p > i", "italic"),
    ("unclosed p before div", "<p>para<div class=r>block</div>", "body > div.r", "block"),
    ("stray end tags", "<div class=a>ok</foo></div></span><i>y</i>", "div.a", "ok"),
    ("unclosed list items", "<ul><li>one<li>two</ul>", "li:nth-child(2)", "two"),
]

SMALL = """<!DOCTYPE html><html><head><title>Result</title></head><body><div id="main">
<div class="result accepted"><h1>Accepted</h1><p>Price: <span class="price">12.50</span>
<input type="hidden" name="lead_token" value="tk-829"><a class="next" href="/post?t=1">go</a>
</div></span><p>Thank you.</div></body></html>"""
ROW = '<tr class="row"><td class="c">{0}</td><td><a href="/x/{0}">link {0}</a></td></tr>\n'
BIG = (
    "<html><body><table>"
    + "".join(ROW.format(i) for i in range(13_000))
    + '</table><div class="result"><span class="price">9.99</span></div></body></html>'
)
SELECTOR = "div.result span.price"
HTML_RULES = """
format: html
accept: {selector: "div.result.accepted"}
bid: {selector: "div.result span.price"}
capture: {lead_token: {selector: "input[name=lead_token]@value"}}
"""
JSON_RULES = """
accept: {path: status, equals: success}
bid: price
capture: {ping_token: pingToken}
"""
JSON_BODY = b'{"status": "success", "pingToken": "tk-829", "price": "12.50"}'


def lexbor_text(page: str, selector: str) -> str | None:
    node = LexborHTMLParser(page).css_first(selector)
    return node.text().strip() if node is not None else None


_XPATHS: dict[str, etree.XPath] = {}


def lxml_text(page: str, selector: str) -> str | None:
    if selector not in _XPATHS:
        _XPATHS[selector] = etree.XPath(HTMLTranslator().css_to_xpath(selector))
    found = _XPATHS[selector](lxml.html.document_fromstring(page))
    return found[0].text_content().strip() if found else None


def xpath_tree(page: str) -> object:
    return lxml.html.document_fromstring(serialized(LexborHTMLParser(page)))


def best(call: Callable[[], object], number: int, repeat: int) -> float:
    """Microseconds per call, the best of `repeat` rounds."""
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number * 1e6


def browser_agreement() -> None:
    print("broken markup, read as a browser does?")
    score = {"lexbor": 0, "lxml": 0}
    for name, page, selector, expected in BROWSER_CASES:
        lexbor, lxml_ = lexbor_text(page, selector), lxml_text(page, selector)
        score["lexbor"] += lexbor == expected
        score["lxml"] += lxml_ == expected
        print(f"  {name:24} lexbor {_mark(lexbor, expected):5} lxml {_mark(lxml_, expected)}")
    total = len(BROWSER_CASES)
    print(f"  {'as a browser':24} lexbor {score['lexbor']}/{total}  lxml {score['lxml']}/{total}")


def _mark(got: str | None, expected: str) -> str:
    return "yes" if got == expected else "no"


def timings(number: int, repeat: int) -> None:
    print(f"\nparse + one selector (µs, best of {repeat}; ratio to lexbor in this run)")
    for label, page, n in (("buyer page, 0.4 KB", SMALL, number), ("1 MB page", BIG, 3)):
        lexbor = best(lambda p=page: lexbor_text(p, SELECTOR), n, repeat)  # type: ignore[misc]
        lxml_ = best(lambda p=page: lxml_text(p, SELECTOR), n, repeat)  # type: ignore[misc]
        tree = best(lambda p=page: xpath_tree(p), n, repeat)  # type: ignore[misc]
        print(f"  {label:20} lexbor {lexbor:10.1f}   lxml+cssselect {lxml_:10.1f} "
              f"({lxml_ / lexbor:.2f}x)   xpath tree from lexbor {tree:10.1f} "
              f"({tree / lexbor:.2f}x)")  # fmt: skip


def interpreting(number: int, repeat: int) -> None:
    html_rules = Response.model_validate(yaml.safe_load(HTML_RULES))
    json_rules = Response.model_validate(yaml.safe_load(JSON_RULES))
    page = RawResponse(200, (("Content-Type", "text/html"),), SMALL.encode())
    answer = RawResponse(200, (("Content-Type", "application/json"),), JSON_BODY)
    assert interpret(html_rules, page).status == interpret(json_rules, answer).status == "accepted"
    json_us = best(lambda: interpret(json_rules, answer), number, repeat)
    html_us = best(lambda: interpret(html_rules, page), number, repeat)
    print(f"\ninterpret (µs): json ping {json_us:.1f}; the same answer as an html page "
          f"{html_us:.1f} ({html_us / json_us:.1f}x)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    browser_agreement()
    timings(args.number, args.repeat)
    interpreting(args.number, args.repeat)
    print("\n" + json.dumps({"lexbor": "selectolax", "lxml": etree.LXML_VERSION}, default=str))


if __name__ == "__main__":
    main()
