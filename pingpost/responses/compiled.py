"""JMESPath expressions and regexes from the config, compiled once.

interpret runs about ten times per lead at hundreds of leads a second, so
nothing is compiled twice. A broken expression (one `validate` would have
reported) is a RuleProblem: the rule cannot run, and the outcome says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Generic, TypeVar

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.functions import Functions
from jmespath.visitor import Options, TreeInterpreter

from pingpost.responses.values import as_number, format_number

T = TypeVar("T")
K = TypeVar("K")

_CACHE_SIZE = 4096


class RuleProblem(ValueError):
    """A rule that cannot run: a bad expression, or a runtime JMESPath type error."""


_BASE: Any = Functions  # jmespath's stubs do not declare its `_func_*` methods


class _DecimalFunctions(Functions):
    """JMESPath's functions, with `Decimal` as a number: JSON bodies decode their
    numbers to Decimal (bids stay exact, P7), and `abs()`, `max()`, `sum()`,
    `sort_by()`, `type()`... must take them as jmespath takes floats."""

    def _get_allowed_pytypes(self, types: Any) -> tuple[list[str], list[Any]]:
        allowed, subtypes = _BASE._get_allowed_pytypes(self, types)
        if "float" in allowed:
            allowed = [*allowed, "Decimal"]
        subtypes = [(*sub, "Decimal") if "float" in sub else sub for sub in subtypes]
        return allowed, subtypes

    def _convert_to_jmespath_type(self, pyobject: str) -> str:
        return (
            "number"
            if pyobject == "Decimal"
            else str(_BASE._convert_to_jmespath_type(self, pyobject))
        )

    def _func_type(self, arg: Any) -> Any:
        return "number" if isinstance(arg, Decimal) else _BASE._func_type(self, arg)

    def _func_to_number(self, arg: Any) -> Any:
        if isinstance(arg, Decimal):
            return arg
        if isinstance(arg, str) and (number := as_number(arg)) is not None:
            return number  # "8.50" stays 8.50, with no float noise
        return _BASE._func_to_number(self, arg)

    def _func_to_string(self, arg: Any) -> Any:
        if isinstance(arg, Decimal):
            return format_number(arg)
        return _BASE._func_to_string(self, arg)

    # jmespath registers a function by its `signature` attribute, read at class creation
    for _name in ("_func_type", "_func_to_number", "_func_to_string"):
        locals()[_name].signature = getattr(Functions, _name).signature
    del _name


# jmespath's own `search` builds a new interpreter per call; one shared interpreter
# (it keeps no state between calls) is several times cheaper.
_INTERPRETER = TreeInterpreter(Options(custom_functions=_DecimalFunctions()))


@dataclass(frozen=True, slots=True)
class CompiledPath:
    """A parsed JMESPath expression. Plain key chains (`Result.Success`, the usual
    case) are walked directly, with JMESPath's semantics: a key of a non-object is null."""

    ast: Any  # the parsed tree (jmespath types it as a private TypedDict)
    keys: tuple[str, ...] | None  # set when the expression is only fields joined by dots

    def search(self, data: Any) -> Any:
        if self.keys is None:
            return _INTERPRETER.visit(self.ast, data)
        for key in self.keys:
            if not isinstance(data, dict):
                return None
            data = data.get(key)
        return data


def _key_chain(ast: Any) -> tuple[str, ...] | None:
    if ast["type"] == "field":
        return (ast["value"],)
    if ast["type"] == "subexpression":
        keys: list[str] = []
        for child in ast["children"]:
            chain = _key_chain(child)
            if chain is None:
                return None
            keys.extend(chain)
        return tuple(keys)
    return None


@lru_cache(maxsize=_CACHE_SIZE)
def _jmespath(expression: str) -> CompiledPath | str:
    try:
        ast = _decimal_literals(jmespath.compile(expression).parsed)
    except JMESPathError as exc:  # remembered, so a bad expression is not re-parsed per lead
        return f"invalid JMESPath {expression!r}: {_one_line(exc)}"
    return CompiledPath(ast, _key_chain(ast))


def _decimal_literals(node: Any) -> Any:
    """A copy of a parsed expression whose number literals are Decimals, as the body's
    numbers are: `Payout == 0.1` (a literal) must hold for a JSON 0.1 (a float 0.1 does not
    equal Decimal("0.1")). A copy, because jmespath caches and shares its trees."""
    if isinstance(node, dict):
        if node.get("type") == "literal":
            return {**node, "value": _as_decimals(node.get("value"))}
        return {k: _decimal_literals(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_decimal_literals(child) for child in node]
    return node


def _as_decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _as_decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_decimals(v) for v in value]
    return value


@lru_cache(maxsize=_CACHE_SIZE)
def _regex(pattern: str) -> re.Pattern[str] | str:
    try:
        return re.compile(pattern)
    except re.error as exc:
        return f"invalid regex {pattern!r}: {exc}"


def compile_path(expression: str) -> CompiledPath:
    compiled = _jmespath(expression)
    if isinstance(compiled, str):
        raise RuleProblem(compiled)
    return compiled


def compile_regex(pattern: str) -> re.Pattern[str]:
    compiled = _regex(pattern)
    if isinstance(compiled, str):
        raise RuleProblem(compiled)
    return compiled


def search(expression: str, data: Any) -> Any:
    """JMESPath `expression` over `data`; RuleProblem for a bad expression or a type error."""
    compiled = compile_path(expression)
    try:
        return compiled.search(data)
    # A function given the wrong type; or arithmetic on what JSON allows but numbers
    # refuse (ordering NaN, summing Infinity with -Infinity).
    except (JMESPathError, ArithmeticError, TypeError) as exc:
        raise RuleProblem(f"JMESPath {expression!r} failed: {_one_line(exc)}") from exc


def regex_value(pattern: re.Pattern[str], match: re.Match[str]) -> str | None:
    """What a regex extracts: the group named `value`, else group 1 (or, with alternatives
    like `A(x)|B(y)`, the first group that took part), else the whole match."""
    if "value" in pattern.groupindex:
        return match.group("value")
    if pattern.groups:
        return next((group for group in match.groups() if group is not None), None)
    return match.group(0)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


class IdentityMemo(Generic[K, T]):
    """`make(obj)`, memoised by the identity of `obj` (a config model).

    Config models live as long as their config, and hashing a pydantic model costs
    as much as the work saved, so entries are keyed by `id()`; each entry keeps its
    object alive, so an id cannot be reused while it is cached.
    """

    def __init__(self, make: Callable[[K], T], size: int = _CACHE_SIZE) -> None:
        self._make = make
        self._entries: dict[int, tuple[K, T]] = {}
        self._size = size

    def __call__(self, obj: K) -> T:
        entry = self._entries.get(id(obj))
        if entry is not None and entry[0] is obj:
            return entry[1]
        value = self._make(obj)
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[id(obj)] = (obj, value)
        return value
