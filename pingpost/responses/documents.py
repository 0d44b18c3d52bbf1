"""What rules read besides the decoded data: the HTML page, its visible text, the XPath tree.

Each is built on first use and kept for the body being interpreted, so ten
selector rules parse a page once, and a JSON answer with `path` rules builds
none (and pays nothing: the cache is not a field of `DecodedBody`).
The parsers themselves (selectolax, lxml) are imported on first use too:
together they cost some 40 ms of start-up that a config without `format:
html` or `xpath` never needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, TypeVar

from pingpost.responses.compiled import RuleProblem
from pingpost.responses.decode import DecodedBody

T = TypeVar("T")


def searchable_text(body: DecodedBody) -> str:
    """The text `regex` and `contains` search: an HTML page's visible text, else the body."""
    if body.format != "html":
        return body.text
    text: str = _kept(body, "text", lambda: _html().page_text(_page(body)))
    return text


def selector_value(body: DecodedBody, selector: str) -> Any:
    """The selector's value on this body; RuleProblem when it cannot run here."""
    if body.format != "html":
        raise RuleProblem(
            f"`selector` reads HTML answers (`format: html`); this body is {_what(body)}"
        )
    return _html().select(_page(body), selector)


def xpath_value(body: DecodedBody, expression: str, namespaces: Mapping[str, str]) -> Any:
    """The XPath's value on this body; RuleProblem when it cannot run here."""
    tree, declared = _kept(body, "xpath", lambda: _xpath_tree(body))
    bound = {**declared, **namespaces} if namespaces else declared
    return _xpath().evaluate(expression, tree, bound)


def selector_problem(selector: str) -> str | None:
    """Why `selector` cannot run (for `validate`), or None."""
    problem: str | None = _html().check_selector(selector)
    return problem


def xpath_problem(expression: str) -> str | None:
    """Why `expression` is not XPath 1.0 (for `validate`), or None."""
    problem: str | None = _xpath().check_xpath(expression)
    return problem


def _xpath_tree(body: DecodedBody) -> tuple[Any, dict[str, str]]:
    xpath = _xpath()
    if body.format == "html" or _a_page(body):
        return xpath.html_tree(_html().serialized(_page(body))), {}
    if body.format == "xml" and body.error is None:
        tree = xpath.xml_tree(body.text)
        return tree, xpath.document_namespaces(tree)
    raise RuleProblem(f"`xpath` reads xml or html answers; this body is {_what(body)}")


def _a_page(body: DecodedBody) -> bool:
    """Under `format: auto`, markup that was not read as XML (a `text/html` page)."""
    return (
        body.requested == "auto"
        and body.format == "text"
        and body.error is None
        and body.text.lstrip().startswith("<")
    )


def _page(body: DecodedBody) -> Any:
    return _kept(body, "page", lambda: _html().parse_html(body.text))


def _what(body: DecodedBody) -> str:
    if body.error is not None:
        return body.error
    return "empty" if not body.text.strip() else body.format


# The trees of the body interpreted last. `interpret` reads one body at a time and
# never awaits, so one entry is enough; it is read once, as a whole, so a thread
# replacing it meanwhile costs a rebuild, never another body's tree.
_last: tuple[DecodedBody, dict[str, Any]] | None = None


def _kept(body: DecodedBody, key: str, make: Callable[[], T]) -> T:
    """`make()`, built once per body. A failure is kept too, so it is not re-tried per rule."""
    global _last
    last = _last
    if last is not None and last[0] is body:
        kept = last[1]
    else:
        kept = {}
        _last = (body, kept)
    if key not in kept:
        try:
            kept[key] = make()
        except RuleProblem as exc:
            kept[key] = exc
    found = kept[key]
    if isinstance(found, RuleProblem):
        raise found
    result: T = found
    return result


def _html() -> ModuleType:
    import pingpost.responses.html as html  # on first use: see the module docstring

    return html


def _xpath() -> ModuleType:
    import pingpost.responses.xpath as xpath  # on first use: see the module docstring

    return xpath
