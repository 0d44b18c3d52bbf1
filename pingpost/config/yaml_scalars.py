"""Plain scalars under the YAML 1.2 core schema, and the tags we accept."""

from __future__ import annotations

import re
from typing import Any

STR_TAGS = {"!", "tag:yaml.org,2002:str"}
COLLECTION_TAGS = {"!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_SPECIAL_FLOATS = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
}
_MAY_RESOLVE = frozenset("0123456789+-.~nNtTfF")  # first characters of non-strings
KEY_TYPES = frozenset({str, int, float, bool, type(None)})


class YamlFloat(float):
    """A float that remembers how it was written: `12.345678901234567891`, `250.00`.

    Decimal fields (prices, bids) are built from `str()`, so money never passes
    through a binary float; messages show the number as the user wrote it.
    """

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> YamlFloat:
        number = super().__new__(cls, text)
        number.text = text if isinstance(text, str) else float.__repr__(number)  # unpickling
        return number

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


def resolve_plain(value: str) -> Any:
    """A plain (unquoted) scalar under the YAML 1.2 core schema."""
    if value and value[0] not in _MAY_RESOLVE:
        return value  # the common case: a word
    if value in _NULLS:
        return None
    if value in _BOOLS:
        return _BOOLS[value]
    if _INT.fullmatch(value):
        return int(value) if len(value) <= 40 else value  # absurd numbers stay text
    if value[:2] in ("0o", "0x") and len(value) > 2:
        try:
            return int(value[2:], 8 if value[1] == "o" else 16)
        except ValueError:
            return value
    if _FLOAT.fullmatch(value):
        return YamlFloat(value)
    return _SPECIAL_FLOATS.get(value, value)


def show_tag(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag
