"""The matcher: every needle in a text replaced by `****`, longest first.

Plain `str.replace` for exact needles; a whole-token regex for short secrets;
caseless pii found without a regex in ASCII text (where case folding is
exactly `str.lower`), with one otherwise. `texts` masks many values in one
pass over their NUL join when that is exact. These fast paths are private:
tests/masking/test_matcher.py checks them against masking value by value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from pingpost.masking.secrets import MASK, Needle

_SEP = "\x00"  # joins values masked in one call (`Matcher.texts`)

# (needle, pattern, form): a pattern is a short secret's whole-token search; a form is
# a caseless pii form (needle is its lower case); neither is an exact `replace`.
_Step = tuple[str, re.Pattern[str] | None, str | None]


class Matcher:
    """Masks the given needles, in the given order (`secrets.needles` sorts them)."""

    def __init__(self, needles: Sequence[Needle]) -> None:
        self.needles = tuple(needles)
        self._steps = tuple(_step(n) for n in self.needles)

    def __bool__(self) -> bool:
        return bool(self._steps)

    def text(self, s: str) -> str:
        # `lowered` is the lower case of `s` as it was when first needed, not renewed by an
        # exact or token replacement (the pre-check may be stale then, as it always was);
        # `known` keeps a lower case already made, to be reused when `s` is that string
        lowered: str | None = None
        known: tuple[str, str] | None = None  # (a string, its lower case)
        for needle, pattern, form in self._steps:
            if pattern is not None:  # a short secret, as a whole token
                if needle in s:
                    s = pattern.sub(MASK, s)
            elif form is None:
                if needle in s:
                    s = s.replace(needle, MASK)
            else:
                if lowered is None:
                    lowered = known[1] if known is not None and known[0] is s else s.lower()
                    known = (s, lowered)
                if needle in lowered:  # a cheap pre-check before the caseless search
                    fresh = known[1] if known is not None and known[0] is s else None
                    masked, masked_lower = _caseless_sub(form, needle, s, fresh)
                    if masked != s:
                        s, lowered = masked, None
                        known = None if masked_lower is None else (s, masked_lower)
        return s

    def texts(self, values: Sequence[str]) -> list[str]:
        """`[self.text(v) for v in values]`, the ASCII ones in one `text` call over their join
        (`values` itself, a list, when none of them holds anything to mask).

        Joining ASCII values with NUL is exact: when no value contains NUL, a needle
        could only match across two values by containing NUL itself, which would remove
        a separator; the split then comes out short and each value is masked on its own
        instead. A short secret's whole-token bounds see NUL as they see the ends of a
        value. Non-ASCII values are masked one by one: there, the caseless pre-check of
        one value could let the IGNORECASE search reach another (`ſ` for `s`).
        """
        if len(values) < 2 or not self._steps:
            return [self.text(v) for v in values]
        joined = _SEP.join(values)
        # the usual case, every value ASCII and none holding NUL: one join, one split
        if joined.isascii() and joined.count(_SEP) == len(values) - 1:
            masked_join = self.text(joined)
            if masked_join is joined and isinstance(values, list):
                return values  # nothing to mask (often so for secrets): no split, no copy
            masked = masked_join.split(_SEP)
            if len(masked) == len(values):
                return masked
            return [self.text(v) for v in values]
        plain = [i for i, v in enumerate(values) if v.isascii()]
        out = list(values)
        if len(plain) > 1:
            joined = _SEP.join([values[i] for i in plain])
            # no value holds NUL: the join has exactly its separators (one C-level count)
            if joined.count(_SEP) == len(plain) - 1:
                masked = self.text(joined).split(_SEP)
                if len(masked) == len(plain):
                    for i, value in zip(plain, masked, strict=True):
                        out[i] = value
                    plain_done = frozenset(plain)
                    return [v if i in plain_done else self.text(v) for i, v in enumerate(out)]
        return [self.text(v) for v in values]


def _step(needle: Needle) -> _Step:
    if needle.kind == "token":
        return needle.text, _token_pattern(needle.text), None
    if needle.kind == "caseless":
        return needle.text.lower(), None, needle.text
    return needle.text, None, None


def _caseless_sub(
    form: str, needle: str, s: str, lowered: str | None = None
) -> tuple[str, str | None]:
    """`form` masked in `s` in any case, as `re.sub` with IGNORECASE would, and the lower
    case of the result when it comes for free (`lowered`: `s.lower()`, if known). ASCII
    text and form (the usual case) need no regex: their case folding is exactly
    `str.lower`, which keeps every position, so the matches are the non-overlapping
    finds of `needle`."""
    if not (s.isascii() and form.isascii()):
        return _caseless_pattern(form).sub(MASK, s), None
    if lowered is None:
        lowered = s.lower()
    parts: list[str] = []
    lower_parts: list[str] = []
    start = 0
    at = lowered.find(needle)
    while at >= 0:
        parts += (s[start:at], MASK)
        lower_parts += (lowered[start:at], _MASK_LOWER)
        start = at + len(needle)
        at = lowered.find(needle, start)
    parts.append(s[start:])
    lower_parts.append(lowered[start:])
    return "".join(parts), "".join(lower_parts)


_MASK_LOWER = MASK.lower()


@functools.lru_cache(maxsize=1024)
def _caseless_pattern(form: str) -> re.Pattern[str]:
    return re.compile(re.escape(form), re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _token_pattern(form: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![^\W_]){re.escape(form)}(?![^\W_])")
