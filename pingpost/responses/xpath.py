"""XPath 1.0 over a body as received: the XML document, or the HTML page as a browser reads it.

Unlike `path` (which walks the namespace-stripped dict), XPath sees the
original document, namespaces included. Every prefix the document declares
can be used as written (`//soap:Body`), the response's `namespaces` add or
override prefixes (for a default namespace: `t: http://tempuri.org/` and then
`//t:SubmitResult`), and `local-name()` works on anything.

XML is parsed by lxml with entities unresolved, no DTD and no network; a body
with a DOCTYPE or an entity never gets here (it did not decode, P9). HTML is
the lexbor tree (see html.py) re-read by lxml, so XPath and selectors agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

import lxml.html
from lxml import etree

from pingpost.responses.compiled import RuleProblem

_XML_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    encoding="utf-8",  # the text was decoded already; its declaration must not re-decode it
)
_CACHE_SIZE = 1024


@lru_cache(maxsize=_CACHE_SIZE)
def check_xpath(expression: str) -> str | None:
    """Why `expression` is not XPath 1.0, or None when it is (validate uses it)."""
    try:
        etree.XPath(expression)
    except etree.XPathSyntaxError as exc:
        return f"invalid XPath {expression!r}: {exc}"
    return None


def xml_tree(text: str) -> Any:
    """The XML document of `text` (already checked safe by decoding); RuleProblem if not XML."""
    try:
        return etree.fromstring(text.encode("utf-8"), _XML_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise RuleProblem(f"body is not xml: {exc}") from exc


def html_tree(markup: str) -> Any:
    """The browser's tree of a page (its HTML5 serialization) as an lxml document."""
    if not markup.strip():
        markup = "<html></html>"
    return lxml.html.document_fromstring(markup)


def document_namespaces(tree: Any) -> dict[str, str]:
    """Every prefix the document declares (the first binding of a prefix wins)."""
    found: dict[str, str] = {}
    for prefix, uri in tree.xpath("//namespace::*"):
        if prefix and prefix != "xml":
            found.setdefault(prefix, uri)
    return found


def evaluate(expression: str, tree: Any, namespaces: Mapping[str, str]) -> Any:
    """The value of `expression`: the first node's text (an element's text with its
    whitespace normalized; a text node or an attribute as it is), or the string,
    number or boolean an XPath function gives. None when no node matches."""
    compiled = _compiled(expression, tuple(sorted(namespaces.items())))
    try:
        result = compiled(tree)
    except etree.XPathError as exc:
        raise RuleProblem(f"XPath {expression!r} failed: {exc}") from exc
    if isinstance(result, list):
        return _node_value(result[0]) if result else None
    if isinstance(result, bool | str):
        return result
    if isinstance(result, float):
        return int(result) if result.is_integer() else Decimal(repr(result))
    return result


@lru_cache(maxsize=_CACHE_SIZE)
def _compiled(expression: str, namespaces: tuple[tuple[str, str], ...]) -> Any:
    try:
        return etree.XPath(expression, namespaces=dict(namespaces), smart_strings=False)
    except etree.XPathSyntaxError as exc:
        raise RuleProblem(f"invalid XPath {expression!r}: {exc}") from exc


def _node_value(node: Any) -> Any:
    if isinstance(node, str):  # a text node or an attribute value
        return node
    if isinstance(node, tuple):  # a namespace node: (prefix, uri)
        return node[1]
    if isinstance(node, etree._Element):
        return " ".join("".join(node.itertext()).split())
    return str(node)
