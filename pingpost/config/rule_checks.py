"""Response rules: every JMESPath expression and regex compiles, status codes are HTTP codes.

Compiled with the interpreter's own functions (`pingpost.responses.compiled`), so
what passes here is exactly what runs, and the compiled forms are cached for it.
"""

from __future__ import annotations

from pingpost.config.documents import Loaded, Reporter
from pingpost.config.marks import NodePath
from pingpost.config.models import (
    AllCondition,
    AnyCondition,
    Condition,
    Extractor,
    NotCondition,
    PathCondition,
    RegexCondition,
    Response,
)
from pingpost.responses.compiled import RuleProblem, compile_path, compile_regex


def check_response(r: Reporter, doc: Loaded, path: NodePath, response: Response) -> None:
    for code in response.status:
        if not 100 <= code <= 599:
            r.error(doc, (*path, "status", code), f"`{code}` is not an HTTP status code", on="key")
    for name in ("accept", "reject"):
        condition = getattr(response, name)
        if condition is not None:
            _condition(r, doc, (*path, name), condition)
    for name in ("bid", "price", "reason"):
        extractor = getattr(response, name)
        if extractor is not None:
            _extractor(r, doc, (*path, name), extractor)
    for name, extractor in response.capture.items():
        _extractor(r, doc, (*path, "capture", name), extractor)


def _condition(r: Reporter, doc: Loaded, path: NodePath, condition: Condition) -> None:
    if isinstance(condition, PathCondition):
        _compile(r, doc, (*path, "path"), condition.path, regex=False)
        if condition.matches is not None:
            _compile(r, doc, (*path, "matches"), condition.matches, regex=True)
    elif isinstance(condition, RegexCondition):
        _compile(r, doc, (*path, "regex"), condition.regex, regex=True)
    elif isinstance(condition, AllCondition):
        for i, part in enumerate(condition.all):
            _condition(r, doc, (*path, "all", i), part)
    elif isinstance(condition, AnyCondition):
        for i, part in enumerate(condition.any):
            _condition(r, doc, (*path, "any", i), part)
    elif isinstance(condition, NotCondition):
        _condition(r, doc, (*path, "not"), condition.not_)


def _extractor(r: Reporter, doc: Loaded, path: NodePath, extractor: Extractor) -> None:
    if extractor.path is not None:
        _compile(r, doc, (*path, "path"), extractor.path, regex=False)
    elif extractor.regex is not None:
        _compile(r, doc, (*path, "regex"), extractor.regex, regex=True)


def _compile(r: Reporter, doc: Loaded, path: NodePath, text: str, *, regex: bool) -> None:
    try:
        if regex:
            compile_regex(text)
        else:
            compile_path(text)
    except RuleProblem as exc:
        r.error(doc, path, str(exc))
