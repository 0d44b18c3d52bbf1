"""HTML answers (`format: html`): a browser's reading of the page, CSS selectors, visible text.

The page is parsed by lexbor (through selectolax), an HTML5 parser: broken
markup (unclosed tags, stray `</foo>`, misnested tags, rows outside a
`<tbody>`) becomes the same tree a browser builds, so a selector copied from
the browser's inspector matches here too. Nothing about a page is an error.

`contains` and `regex` read the page's *visible text*: the text a reader sees,
without markup, scripts, styles or templates, block elements on lines of
their own and runs of whitespace collapsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from pingpost.responses.compiled import RuleProblem

# Their content is not shown: scripts, styles, templates, the head (title included).
_HIDDEN = frozenset({"script", "style", "template", "noscript", "head", "-comment", "!doctype"})
# Elements a browser lays out on lines of their own (innerText's "required line breaks").
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "nav",
        "ol",
        "option",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    ]
)
_CELLS = frozenset({"td", "th"})  # cells of a row are apart, on one line
_ATTRIBUTE = re.compile(r"@([A-Za-z_:][-A-Za-z0-9_:.]*)\s*$")


@dataclass(frozen=True, slots=True)
class Selector:
    """`div.result span` or `a.next@href`: the CSS part and the attribute to read, if any."""

    css: str
    attribute: str | None


@lru_cache(maxsize=4096)
def parse_selector(text: str) -> Selector:
    """Split `a.next@href` into CSS and attribute; RuleProblem for an empty selector.

    `@` ends the selector only when what follows is an attribute name and what
    precedes it is a whole selector: `a[href*="@"]` keeps its `@`.
    """
    match = _ATTRIBUTE.search(text)
    css, attribute = text, None
    if match is not None and _balanced(text[: match.start()]):
        css, attribute = text[: match.start()].strip(), match.group(1)
    if not css.strip():
        raise RuleProblem(f"selector {text!r} selects nothing: give a CSS selector")
    return Selector(css.strip(), attribute)


def _balanced(css: str) -> bool:
    return css.count("[") == css.count("]") and css.count('"') % 2 == 0 and css.count("'") % 2 == 0


@lru_cache(maxsize=4096)
def check_selector(text: str) -> str | None:
    """Why `text` is not a selector lexbor can run, or None when it is (validate uses it)."""
    try:
        selector = parse_selector(text)
        LexborHTMLParser("").css(selector.css)
    except RuleProblem as exc:
        return str(exc)
    except SelectolaxError:
        return f"invalid CSS selector {text!r}"
    return None


def parse_html(text: str) -> LexborHTMLParser:
    """The page as a browser reads it. Never fails: any text is some HTML document."""
    return LexborHTMLParser(text)


def select(page: LexborHTMLParser, text: str) -> Any:
    """The first match's visible text (or its attribute); None when nothing matches."""
    selector = parse_selector(text)
    try:
        node = page.css_first(selector.css)
    except SelectolaxError as exc:
        raise RuleProblem(f"invalid CSS selector {text!r}") from exc
    if node is None:
        return None
    if selector.attribute is not None:
        value = node.attributes.get(selector.attribute)
        # a bare attribute (`<input disabled>`) is present with the empty value
        return None if selector.attribute not in node.attributes else (value or "")
    return visible_text(node)


def page_text(page: LexborHTMLParser) -> str:
    """The whole page's visible text (what `contains` and `regex` search)."""
    body = page.body
    return visible_text(body) if body is not None else ""


def visible_text(node: LexborNode) -> str:
    """`node`'s text as a reader sees it: one line per block, whitespace collapsed."""
    pieces: list[str] = []
    # (node, entering): walked with a stack, since pages can nest deeper than recursion allows
    stack: list[tuple[LexborNode, bool]] = [(node, True)]
    while stack:
        current, entering = stack.pop()
        tag = current.tag or ""
        if not entering:
            pieces.append("\n" if tag in _BLOCKS else " ")
            continue
        if tag == "-text":
            pieces.append(current.text_content or "")
            continue
        if tag in _HIDDEN or "hidden" in current.attributes:
            continue
        if tag == "br":
            pieces.append("\n")
            continue
        if tag in _BLOCKS:
            pieces.append("\n")
        if tag in _BLOCKS or tag in _CELLS:
            stack.append((current, False))
        children = []
        child = current.child
        while child is not None:
            children.append((child, True))
            child = child.next
        stack.extend(reversed(children))
    lines = (" ".join(line.split()) for line in "".join(pieces).split("\n"))
    return "\n".join(line for line in lines if line)


def serialized(page: LexborHTMLParser) -> str:
    """The page's tree as HTML5 markup (every implied tag written out), for the XPath tree."""
    return page.html or ""
