"""Response rules: every expression, selector and regex compiles, and each reads a body
the response's `format` can give it; status codes are HTTP codes.

Compiled with the interpreter's own functions (`pingpost.responses`), so what
passes here is exactly what runs, and the compiled forms are cached for it.
"""

from __future__ import annotations

import re

from pingpost.config.documents import Loaded, Reporter
from pingpost.config.marks import NodePath
from pingpost.config.models import (
    AllCondition,
    AnyCondition,
    Condition,
    Extractor,
    HeaderCondition,
    NotCondition,
    PathCondition,
    RegexCondition,
    Response,
    SelectorCondition,
    XPathCondition,
)
from pingpost.responses.compiled import RuleProblem, compile_path, compile_regex
from pingpost.responses.documents import selector_problem, xpath_problem

_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")  # an XML namespace prefix (NCName)
_XPATH_FORMATS = ("auto", "xml", "html")
_DECODE_FORMATS = ("auto", "json", "xml", "form")


def check_response(r: Reporter, doc: Loaded, path: NodePath, response: Response) -> None:
    for code in response.status:
        if not 100 <= code <= 599:
            r.error(doc, (*path, "status", code), f"`{code}` is not an HTTP status code", on="key")
    _decode_steps(r, doc, path, response)
    for prefix, uri in response.namespaces.items():
        if not _PREFIX.fullmatch(prefix) or prefix.lower().startswith("xml"):
            r.error(doc, (*path, "namespaces", prefix), _bad_prefix(prefix), on="key")
        elif not uri.strip():
            r.error(doc, (*path, "namespaces", prefix), "a namespace URI cannot be empty")
    for name in ("error", "accept", "reject"):
        condition = getattr(response, name)
        if condition is not None:
            _condition(r, doc, (*path, name), condition, response.format)
    for name in ("bid", "price", "reason"):
        extractor = getattr(response, name)
        if extractor is not None:
            _extractor(r, doc, (*path, name), extractor, response.format)
    for name, extractor in response.capture.items():
        _extractor(r, doc, (*path, "capture", name), extractor, response.format)


def _decode_steps(r: Reporter, doc: Loaded, path: NodePath, response: Response) -> None:
    if response.decode and response.format not in _DECODE_FORMATS:
        r.error(
            doc,
            (*path, "decode"),
            f"`decode` reads strings inside a json, xml or form answer; this response has "
            f"`format: {response.format}`",
            on="key",
        )
    for i, step in enumerate(response.decode):
        where = (*path, "decode", i, "path")
        try:
            keys = compile_path(step.path).keys
        except RuleProblem as exc:
            r.error(doc, where, str(exc))
            continue
        if keys is None:
            r.error(
                doc,
                where,
                f"decode path `{step.path}` must be plain keys joined by dots "
                "(e.g. Envelope.Body.SubmitResult): it names the one string to replace",
            )


def _condition(r: Reporter, doc: Loaded, path: NodePath, condition: Condition, fmt: str) -> None:
    if isinstance(condition, PathCondition):
        _compile(r, doc, (*path, "path"), condition.path, regex=False)
    elif isinstance(condition, SelectorCondition):
        _selector(r, doc, (*path, "selector"), condition.selector, fmt)
    elif isinstance(condition, XPathCondition):
        _xpath(r, doc, (*path, "xpath"), condition.xpath, fmt)
    elif isinstance(condition, RegexCondition):
        _compile(r, doc, (*path, "regex"), condition.regex, regex=True)
    elif isinstance(condition, HeaderCondition) and condition.matches is not None:
        _compile(r, doc, (*path, "matches"), condition.matches, regex=True)
    elif isinstance(condition, AllCondition):
        for i, part in enumerate(condition.all):
            _condition(r, doc, (*path, "all", i), part, fmt)
    elif isinstance(condition, AnyCondition):
        for i, part in enumerate(condition.any):
            _condition(r, doc, (*path, "any", i), part, fmt)
    elif isinstance(condition, NotCondition):
        _condition(r, doc, (*path, "not"), condition.not_, fmt)
    matches = getattr(condition, "matches", None)
    if matches is not None and not isinstance(condition, HeaderCondition):
        _compile(r, doc, (*path, "matches"), matches, regex=True)


def _extractor(r: Reporter, doc: Loaded, path: NodePath, extractor: Extractor, fmt: str) -> None:
    if extractor.path is not None:
        _compile(r, doc, (*path, "path"), extractor.path, regex=False)
    elif extractor.regex is not None:
        _compile(r, doc, (*path, "regex"), extractor.regex, regex=True)
    elif extractor.selector is not None:
        _selector(r, doc, (*path, "selector"), extractor.selector, fmt)
    elif extractor.xpath is not None:
        _xpath(r, doc, (*path, "xpath"), extractor.xpath, fmt)
    elif extractor.cookie is not None and not extractor.cookie.strip():
        r.error(doc, (*path, "cookie"), "give the cookie's name")
    if extractor.matches is not None:
        _compile(r, doc, (*path, "matches"), extractor.matches, regex=True)


def _selector(r: Reporter, doc: Loaded, path: NodePath, selector: str, fmt: str) -> None:
    if fmt != "html":
        r.error(
            doc,
            path,
            f"`selector` reads HTML answers: set `format: html` in this response "
            f"(it has `format: {fmt}`)",
            on="key",
        )
        return
    problem = selector_problem(selector)
    if problem is not None:
        r.error(doc, path, problem)


def _xpath(r: Reporter, doc: Loaded, path: NodePath, expression: str, fmt: str) -> None:
    if fmt not in _XPATH_FORMATS:
        r.error(
            doc,
            path,
            f"`xpath` reads xml or html answers; this response has `format: {fmt}` "
            "(use `format: xml`, `html` or `auto`)",
            on="key",
        )
        return
    problem = xpath_problem(expression)
    if problem is not None:
        r.error(doc, path, problem)


def _compile(r: Reporter, doc: Loaded, path: NodePath, text: str, *, regex: bool) -> None:
    try:
        if regex:
            compile_regex(text)
        else:
            compile_path(text)
    except RuleProblem as exc:
        r.error(doc, path, str(exc))


def _bad_prefix(prefix: str) -> str:
    return (
        f"`{prefix}` is not a namespace prefix: a name like `t` or `soap`, not starting with `xml`"
    )
