"""The work and size budget of template rendering (P11), and what a render records.

A config template runs inside the renderer of every lead, so it must not be
able to spend seconds or gigabytes: every loop iteration and `range()` item is
charged to a per-request budget (`MAX_WORK`), and every operation that can
build a large string from a small expression (`center`, `'{:>N}'.format`,
`'x' * N`, `replace`, `join`, `indent`, ...) has its output size estimated and
charged to a size budget (`MAX_CHARS`) *before* it runs.

The same per-request `Scope` records the values rendered from lead fields (see
`pingpost.template_origins`), so that masking can hide what a template made of
a pii value (an upper-cased name, a reformatted birth date).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import re
import string
from collections.abc import Callable, Iterable, Iterator, Sized
from contextvars import ContextVar, Token
from typing import Any

from jinja2 import Undefined
from jinja2.exceptions import SecurityError
from markupsafe import Markup

from pingpost.render.values import UnwritableValue, text_value

MAX_WORK = 100_000  # loop iterations + range() items per request
MAX_CHARS = 10_000_000  # characters built by padding/joining/concatenating/output per request
MAX_WIDTH = 100_000  # one width, padding, precision or indent

_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


class Scope:
    """One request's render: the budget left, and the lead-derived values seen."""

    __slots__ = ("chars", "recorded", "work")

    def __init__(self) -> None:
        self.work = MAX_WORK
        self.chars = MAX_CHARS
        self.recorded: list[tuple[str, str]] = []  # (lead field or "*", rendered text)

    def record(self, origin: Iterable[str], value: Any) -> None:
        text = recordable_text(value)
        if text:
            self.recorded.extend((name, text) for name in origin)


_SCOPE: ContextVar[Scope | None] = ContextVar("pingpost_template_scope", default=None)


@contextlib.contextmanager
def render_scope() -> Iterator[Scope]:
    """A fresh budget (and record) for the templates of one request."""
    scope = Scope()
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)


def open_scope() -> tuple[Scope, Token[Scope | None]]:
    """`render_scope` without the context manager (the renderer's hot path)."""
    scope = Scope()
    return scope, _SCOPE.set(scope)


def close_scope(token: Token[Scope | None]) -> None:
    _SCOPE.reset(token)


def current_scope() -> Scope | None:
    return _SCOPE.get()


def recordable_text(value: Any) -> str:
    """The text of a scalar a template produced ('' for containers, booleans, nothing)."""
    if type(value) is str:
        return value
    if isinstance(value, Undefined) or value is None or isinstance(value, bool):
        return ""
    if isinstance(value, Markup):  # `| tojson`: record the JSON string's content
        try:
            value = json.loads(str(value))
        except ValueError:
            return str(value)
        if not isinstance(value, str | int | float):
            return ""
    if isinstance(value, dict | list | tuple | set):
        return ""
    try:
        return text_value(value)
    except UnwritableValue:
        return ""


def charge_work(units: int) -> None:
    scope = _SCOPE.get()
    if scope is None:
        return
    scope.work -= units
    if scope.work < 0:
        raise SecurityError(
            f"template exceeds its work budget ({MAX_WORK} loop iterations and range() items "
            "per request); simplify the loop"
        )


def charge_chars(count: int, what: str) -> None:
    scope = _SCOPE.get()
    if scope is None:
        return
    scope.chars -= count
    if scope.chars < 0:
        raise SecurityError(
            f"template exceeds its work budget ({MAX_CHARS} characters built by {what} and the "
            "like per request)"
        )


def check_width(width: Any, what: str) -> None:
    if isinstance(width, int) and not isinstance(width, bool) and width > MAX_WIDTH:
        _too_big(what)


def _too_big(what: str) -> None:
    raise SecurityError(
        f"template exceeds its work budget: {what} is limited to {MAX_WIDTH} characters"
    )


def sized(value: Any) -> Any:
    """A built string or list, its size charged (after the fact: it is at most twice the
    size of what was already charged)."""
    if isinstance(value, str | list | tuple):
        charge_chars(len(value), "`~`, `+` and output")
    return value


def counted(iterable: Any) -> Iterator[Any]:
    """A loop's items, each charged to the work budget."""
    for item in iterable:
        charge_work(1)
        yield item


def bounded_range(*args: int) -> range:
    rng = range(*args)
    charge_work(len(rng))
    return rng


# --------------------------------------------------------------------------- size estimates


def check_str_method(method: str, s: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse (or charge) a str method call whose result could be huge."""
    if method in ("center", "ljust", "rjust", "zfill") and args:
        check_width(args[0], f"str.{method}()")
        if isinstance(args[0], int):
            charge_chars(max(args[0] - len(s), 0), f"str.{method}()")
    elif method == "expandtabs":
        tab = args[0] if args else kwargs.get("tabsize", 8)
        check_width(tab, "str.expandtabs()")
        if isinstance(tab, int):
            charge_chars(s.count("\t") * tab, "str.expandtabs()")
    elif method == "replace" and len(args) >= 2:
        charge_chars(replace_growth(s, args[0], args[1], args[2] if len(args) > 2 else -1), method)
    elif method == "join" and args:
        items = args[0]
        if isinstance(items, Sized):
            charge_chars(len(s) * len(items), "str.join()")


def replace_growth(s: str, old: Any, new: Any, count: Any = -1) -> int:
    if not (isinstance(old, str) and isinstance(new, str)):
        return 0
    hits = len(s) + 1 if old == "" else s.count(old)
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return max(hits * (len(new) - len(old)), 0)


def check_format_string(fmt: str) -> None:
    """`'{:>N}'.format(...)`: widths and precisions are capped; nested specs refused."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format will raise the same error itself
    for _, _, spec, _ in fields:
        if not spec:
            continue
        if "{" in spec:
            raise SecurityError(
                "template exceeds its work budget: a nested format spec (`{:{w}}`) has an "
                "unchecked width; write the width as a number"
            )
        for number in re.findall(r"\d+", spec):
            check_width(int(number), "a format width or precision")


def check_printf(fmt: Any) -> None:
    """`'%10s' % x` and `| format`: widths and precisions are capped; `*` refused."""
    if not isinstance(fmt, str):
        return
    for match in _PRINTF_SPEC.finditer(fmt):
        for number in match.groups():
            if number == "*":
                raise SecurityError(
                    "template exceeds its work budget: a `*` width is unchecked; "
                    "write the width as a number"
                )
            if number:
                check_width(int(number), "a format width or precision")


# --------------------------------------------------------------------------- filters


def _check_filter(name: str, bound: inspect.BoundArguments) -> None:
    args = bound.arguments
    if name == "center":
        check_width(args.get("width"), "center")
    elif name in ("wordwrap", "truncate"):
        check_width(args.get("width", args.get("length")), name)
    elif name == "indent":
        width = args.get("width", 4)
        size = len(width) if isinstance(width, str) else width
        check_width(size, "indent")
        lines = str(args.get("s", "")).count("\n") + 1
        if isinstance(size, int):
            charge_chars(lines * size, "indent")
    elif name == "format":
        check_printf(args.get("value"))
    elif name == "replace":
        s = str(args.get("s", ""))
        charge_chars(replace_growth(s, args.get("old"), args.get("new"), args.get("count")), name)
    elif name == "join":
        items = args.get("value")
        if isinstance(items, Sized):
            charge_chars(len(str(args.get("d", ""))) * len(items), "join")


GUARDED_FILTERS = ("center", "wordwrap", "truncate", "indent", "format", "replace", "join")


def guard_filter(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """`original` with its size arguments checked first (Jinja's pass-arg marker kept)."""
    signature = inspect.signature(original)

    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return original(*args, **kwargs)  # let the filter report its own usage error
        _check_filter(name, bound)
        return original(*args, **kwargs)

    return guarded
