"""`accept` / `reject` conditions: evaluate one against a response, and describe it in words.

A check has three results, not two: matched, not matched, or could not run
(`problem`: the body did not decode for a `path`, or an expression is broken).
`all`/`any`/`not` combine them the way "unknown" should combine: `any` with one
match matches whatever else could not run; `not` of "could not run" is still
"could not run", never a match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from pingpost.config.models import (
    AllCondition,
    AnyCondition,
    Compared,
    Condition,
    ContainsCondition,
    HeaderCondition,
    NotCondition,
    PathCondition,
    RegexCondition,
    SelectorCondition,
    StatusCondition,
    XPathCondition,
)
from pingpost.exchange import RawResponse
from pingpost.responses.compiled import (
    IdentityMemo,
    RuleProblem,
    compile_regex,
    search,
)
from pingpost.responses.decode import DecodedBody
from pingpost.responses.documents import searchable_text, selector_value, xpath_value
from pingpost.responses.values import as_number, as_text, same, show, truthy

_Ns = Mapping[str, str]  # the response's XPath prefixes
_NO_NAMESPACES: _Ns = {}


class Check(NamedTuple):  # a tuple: the cheapest value to build, a few per interpret
    matched: bool
    detail: str  # what was found: `got "rejected"`, `no match`, `got 404`
    problem: str | None = None  # why the rule could not run; then `matched` is False


def check(
    condition: Condition,
    response: RawResponse,
    body: DecodedBody,
    namespaces: _Ns = _NO_NAMESPACES,
) -> Check:
    """Evaluate `condition`. Never raises for anything a buyer sends. `namespaces`: the
    response's XPath prefixes."""
    return _CHECKS[type(condition)](condition, response, body, namespaces)


# --------------------------------------------------------------------------- leaves


def _path(cond: PathCondition, response: RawResponse, body: DecodedBody, ns: _Ns) -> Check:
    problem = body.unreadable()
    if problem is not None:
        return Check(False, problem, problem)
    try:
        found = search(cond.path, body.data)
    except RuleProblem as exc:
        return Check(False, str(exc), str(exc))
    return _compared(cond, found)


def _selector(cond: SelectorCondition, response: RawResponse, body: DecodedBody, ns: _Ns) -> Check:
    try:
        found = selector_value(body, cond.selector)
    except RuleProblem as exc:
        return Check(False, str(exc), str(exc))
    return _compared(cond, found)


def _xpath(cond: XPathCondition, response: RawResponse, body: DecodedBody, ns: _Ns) -> Check:
    try:
        found = xpath_value(body, cond.xpath, ns)
    except RuleProblem as exc:
        return Check(False, str(exc), str(exc))
    return _compared(cond, found)


def _compared(cond: Compared, found: Any) -> Check:
    """A value found by `path`, `selector` or `xpath`, under the condition's operator."""
    op, expected = _operator(cond)
    if op == "truthy":
        return Check(truthy(found), _got(found))
    if op == "exists":
        return Check((found is not None) == expected, _got(found))
    if op in ("equals", "not_equals"):
        return Check(same(found, expected) == (op == "equals"), _got(found))
    if op == "in":
        return Check(any(same(found, option) for option in expected), _got(found))
    if op == "matches":
        return _matches(expected, found)
    return _compare(op, expected, found)


def _plan(cond: Compared) -> tuple[str, Any]:
    ops = cond.operators()
    if not ops:
        return "truthy", None
    op = ops[0]
    return op, getattr(cond, "in_" if op == "in" else op)


_operator: IdentityMemo[Compared, tuple[str, Any]] = IdentityMemo(_plan)


def _matches(pattern: str, found: Any) -> Check:
    try:
        regex = compile_regex(pattern)
    except RuleProblem as exc:
        return Check(False, str(exc), str(exc))
    if found is None:
        return Check(False, "not found")
    return Check(regex.search(as_text(found)) is not None, _got(found))


_ORDER: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _compare(op: str, limit: float, found: Any) -> Check:
    number = as_number(found)
    if number is None:
        return Check(False, "not found" if found is None else f"got {show(found)} (not a number)")
    return Check(_ORDER[op](number, Decimal(repr(limit))), _got(found))


def _got(found: Any) -> str:
    return "not found" if found is None else f"got {show(found)}"


def _regex(cond: RegexCondition, response: RawResponse, body: DecodedBody, ns: _Ns) -> Check:
    try:
        match = compile_regex(cond.regex).search(searchable_text(body))
    except RuleProblem as exc:
        return Check(False, str(exc), str(exc))
    return Check(True, f"found {show(match.group(0))}") if match else Check(False, "no match")


def _contains(cond: ContainsCondition, response: RawResponse, body: DecodedBody, ns: _Ns) -> Check:
    found = cond.contains in searchable_text(body)
    return Check(found, "found" if found else "not found")


def _status(cond: StatusCondition, response: RawResponse, body: DecodedBody, ns: _Ns) -> Check:
    return Check(response.status in cond.codes(), f"got {response.status}")


def _header(cond: HeaderCondition, response: RawResponse, body: DecodedBody, ns: _Ns) -> Check:
    values = response.header_values(cond.header)
    if not values:
        return Check(False, "no such header")
    if cond.matches is not None:
        try:
            regex = compile_regex(cond.matches)
        except RuleProblem as exc:
            return Check(False, str(exc), str(exc))
        hit = next((v for v in values if regex.search(v)), None)
        return Check(hit is not None, f"got {show(hit if hit is not None else values[0])}")
    if cond.equals is None:
        return Check(True, f"got {show(values[0])}")
    hit = next((v for v in values if same(v, cond.equals)), None)
    return Check(hit is not None, f"got {show(hit if hit is not None else values[0])}")


# --------------------------------------------------------------------------- combinations


def _all(cond: AllCondition, response: RawResponse, body: DecodedBody, ns: _Ns) -> Check:
    unknown: tuple[Condition, Check] | None = None
    for part in cond.all:
        result = check(part, response, body, ns)
        if result.problem is not None:
            unknown = unknown or (part, result)
        elif not result.matched:  # one definite "no" decides, whatever could not run
            return Check(False, f"{describe(part)}: {result.detail}")
    if unknown is not None:
        part, result = unknown
        return Check(False, f"{describe(part)}: {result.detail}", result.problem)
    return Check(True, "all matched")


def _any(cond: AnyCondition, response: RawResponse, body: DecodedBody, ns: _Ns) -> Check:
    unknown: Check | None = None
    for part in cond.any:
        result = check(part, response, body, ns)
        if result.matched:
            return Check(True, f"{describe(part)}: {result.detail}")
        if result.problem is not None:
            unknown = unknown or result
    if unknown is not None:
        return Check(False, unknown.detail, unknown.problem)
    return Check(False, "none matched")


def _not(cond: NotCondition, response: RawResponse, body: DecodedBody, ns: _Ns) -> Check:
    inner = check(cond.not_, response, body, ns)
    if inner.problem is not None:
        return inner
    return Check(not inner.matched, inner.detail)


_CHECKS: dict[type, Callable[[Any, RawResponse, DecodedBody, _Ns], Check]] = {
    PathCondition: _path,
    SelectorCondition: _selector,
    XPathCondition: _xpath,
    RegexCondition: _regex,
    ContainsCondition: _contains,
    StatusCondition: _status,
    HeaderCondition: _header,
    AllCondition: _all,
    AnyCondition: _any,
    NotCondition: _not,
}

# --------------------------------------------------------------------------- words


def describe(condition: Condition) -> str:
    """The condition in words, as the user wrote it: `path Success equals true`."""
    return _DESCRIPTIONS(condition)


def _describe(cond: Condition) -> str:
    if isinstance(cond, PathCondition):
        return _described(f"path {cond.path}", cond)
    if isinstance(cond, SelectorCondition):
        return _described(f"selector {show(cond.selector)}", cond)
    if isinstance(cond, XPathCondition):
        return _described(f"xpath {show(cond.xpath)}", cond)
    if isinstance(cond, RegexCondition):
        return f"regex {show(cond.regex)}"
    if isinstance(cond, ContainsCondition):
        return f"contains {show(cond.contains)}"
    if isinstance(cond, StatusCondition):
        codes = cond.codes()
        return f"status {codes[0]}" if len(codes) == 1 else f"status in {list(codes)}"
    if isinstance(cond, HeaderCondition):
        if cond.matches is not None:
            return f"header {cond.header} matches {show(cond.matches)}"
        equals = "" if cond.equals is None else f" equals {show(cond.equals)}"
        return f"header {cond.header}{equals}"
    if isinstance(cond, AllCondition):
        return "all(" + ", ".join(describe(c) for c in cond.all) + ")"
    if isinstance(cond, AnyCondition):
        return "any(" + ", ".join(describe(c) for c in cond.any) + ")"
    return f"not({describe(cond.not_)})"


def _described(source: str, cond: Compared) -> str:
    ops = cond.operators()
    if not ops:
        return source
    op = ops[0]
    value = getattr(cond, "in_" if op == "in" else op)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # `gte: 5` reads back as 5, not 5.0
    shown = "[" + ", ".join(show(v) for v in value) + "]" if op == "in" else show(value)
    return f"{source} {op} {shown}"


_DESCRIPTIONS: IdentityMemo[Condition, str] = IdentityMemo(_describe)
