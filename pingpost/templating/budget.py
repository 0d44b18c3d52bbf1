"""The work and size budget of template rendering (P11).

A config template runs inside the renderer of every lead, so it must not be
able to spend seconds or gigabytes: every loop iteration and `range()` item is
charged to a per-request budget (`MAX_WORK`), and every operation that can
build a large string from a small expression (`center`, `'{:>N}'.format`,
`'x' * N`, `replace`, `join`, `indent`, ...) has its output size estimated and
charged to a size budget (`MAX_CHARS`) *before* it runs.

The budget is opened per request by the renderer (`open_budget`), or per
template by `render_template` when none is open. What a template made of
lead fields is recorded apart, in `pingpost.templating.origins`.
"""

from __future__ import annotations

import contextlib
import re
import string
from collections.abc import Iterator, Sized
from contextvars import ContextVar, Token
from typing import Any

from jinja2.exceptions import SecurityError

MAX_WORK = 100_000  # loop iterations + range() items per request
MAX_CHARS = 10_000_000  # characters built by padding/joining/concatenating/output per request
MAX_WIDTH = 100_000  # one width, padding, precision or indent
MAX_REPEAT = 1_000_000  # characters or items from `*`
MAX_POWER = 1_000  # largest exponent of `**`
MAX_INT_BITS = 1 << 16  # one integer, about 19,700 digits: arithmetic on it stays microseconds

_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


class Budget:
    """What one request's templates may still spend."""

    __slots__ = ("chars", "work")

    def __init__(self) -> None:
        self.work = MAX_WORK
        self.chars = MAX_CHARS


_BUDGET: ContextVar[Budget | None] = ContextVar("pingpost_template_budget", default=None)


def open_budget() -> Token[Budget | None]:
    """A fresh budget for the templates of one request, until `close_budget`."""
    return _BUDGET.set(Budget())


def close_budget(token: Token[Budget | None]) -> None:
    _BUDGET.reset(token)


@contextlib.contextmanager
def request_budget() -> Iterator[Budget]:
    """`open_budget` as a context manager."""
    token = open_budget()
    try:
        current = _BUDGET.get()
        assert current is not None
        yield current
    finally:
        close_budget(token)


def current_budget() -> Budget | None:
    return _BUDGET.get()


def charge_work(units: int) -> None:
    left = _BUDGET.get()
    if left is None:
        return
    left.work -= units
    if left.work < 0:
        raise SecurityError(
            f"template exceeds its work budget ({MAX_WORK} loop iterations and range() items "
            "per request); simplify the loop"
        )


def charge_chars(count: int, what: str) -> None:
    left = _BUDGET.get()
    if left is None:
        return
    left.chars -= count
    if left.chars < 0:
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


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple) else None


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse (or charge) a `*`, `**` or `%` whose result could be huge, before it runs: a
    repeated string or list, or an integer past MAX_INT_BITS (`(10**1000)**1000` would
    take hours; each exponent alone is small)."""
    if operator == "*":
        if _integer(left) and _integer(right):
            _check_bits(left.bit_length() + right.bit_length(), "`*`")
        for seq, times in ((left, right), (right, left)):
            size = _size(seq)
            if size is not None and isinstance(times, int):
                if size * times > MAX_REPEAT:
                    raise SecurityError(f"`*` may build at most {MAX_REPEAT} items in templates")
                charge_chars(size * times, "`*`")
    elif operator == "**":
        if isinstance(right, int | float) and abs(right) > MAX_POWER:
            raise SecurityError(f"`**` exponents are limited to {MAX_POWER} in templates")
        if _integer(left) and _integer(right) and right > 0 and abs(left) > 1:
            _check_bits(left.bit_length() * right, "`**`")
    elif operator == "%":
        check_printf(left)


def sized_number(value: Any) -> Any:
    """An arithmetic result, refused when it is an integer past MAX_INT_BITS (a `+` or `-`
    in a loop grows a bit a step; the operators that grow faster are checked before)."""
    if _integer(value):
        _check_bits(value.bit_length(), "arithmetic")
    return value


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_bits(bits: int, what: str) -> None:
    if bits > MAX_INT_BITS:
        digits = int(bits * 0.30103)
        raise SecurityError(
            f"template exceeds its work budget: {what} would make a number of about "
            f"{digits:,} digits (at most {int(MAX_INT_BITS * 0.30103):,})"
        )


def check_call(target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse (or charge) a str method call (`format`, `center`, ...) that could build a
    huge string. `target` is the callable, unwrapped from the sandbox's wrapper."""
    owner = getattr(target, "__self__", None)
    if isinstance(owner, str):
        name = getattr(target, "__name__", "")
        if name in ("format", "format_map"):
            check_format_string(owner)
        else:
            check_str_method(name, owner, args, kwargs)


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
