"""Where a document's strings to mask are, found once: masked in place, many times.

`Masker.document` copies a document as it masks it. A batch masks each lead's result
document twice (the store's record, the `--json` line), and the copies cost more than
the masking: `Sites` walks the document once, and `Masker.masked_in_place` swaps the
masked strings in, for as long as the caller writes the document out, then puts the
plain ones back. The strings chosen are exactly those `Masker.document` masks (its
tests hold the two together): every string but a `Name`, a plain string under a
credential header's name masked by name, keys, numbers and the shape kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

# scalar types a document keeps as they are (as `Masker.document` does)
_KEPT = frozenset({int, float, bool, Decimal, type(None)})


class Name(str):
    """A name or status in a document that its readers match on (an account, `sold`):
    `Masker.document` keeps it as it is, where it masks every other string."""

    __slots__ = ()


Site = tuple[Any, Any, str]  # (container, key, value)


class Split(NamedTuple):
    texts: list[Site]  # masked as text
    values: list[str]  # their values
    by_name: list[Site]  # under a credential header's name: masked by name


class Sites:
    """The strings of one document to mask, each as (container, key, value), with its
    key lower-cased where a credential header's name could mask it (a plain string
    under a string key; else None). Tuples and mappings that are not dicts are
    replaced, in the document, by lists and dicts (the same JSON), so that every site
    can be written in place."""

    __slots__ = ("_split", "document", "keys", "sites")

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.sites: list[Site] = []
        self.keys: list[str | None] = []
        self._split: tuple[frozenset[str], Split] | None = None
        self._walk_dict(document)

    def split(self, headers: frozenset[str]) -> Split:
        """The sites masked as text (and their values), those masked by name, for the
        credential `headers` (lower-cased names); the last answer is kept: the maskers
        of one run share their headers."""
        if self._split is not None and self._split[0] == headers:
            return self._split[1]
        texts: list[Site] = []
        by_name: list[Site] = []
        for site, key in zip(self.sites, self.keys, strict=True):
            (by_name if key is not None and key in headers else texts).append(site)
        split = Split(texts, [value for _, _, value in texts], by_name)
        self._split = (headers, split)
        return split

    def _walk_dict(self, obj: dict[Any, Any]) -> None:
        sites, keys = self.sites, self.keys
        for key, value in obj.items():
            kind = type(value)
            if kind is str:
                sites.append((obj, key, value))
                keys.append(key.lower() if type(key) is str else None)
            elif kind in _KEPT or kind is Name:
                continue
            elif isinstance(value, str):  # a str subclass: masked as text, not by name
                if not isinstance(value, Name):
                    sites.append((obj, key, value))
                    keys.append(None)
            else:
                obj[key] = self._walk(value)

    def _walk_list(self, obj: list[Any]) -> None:
        sites, keys = self.sites, self.keys
        for i, value in enumerate(obj):
            kind = type(value)
            if kind is str or (isinstance(value, str) and not isinstance(value, Name)):
                sites.append((obj, i, value))
                keys.append(None)
            elif kind in _KEPT or kind is Name:
                continue
            else:
                obj[i] = self._walk(value)

    def _walk(self, value: Any) -> Any:
        """`value` (neither a string nor a kept scalar) walked; what replaces it."""
        kind = type(value)
        if kind is dict:
            self._walk_dict(value)
            return value
        if isinstance(value, Mapping):
            copy = dict(value)
            self._walk_dict(copy)
            return copy
        if kind is list:
            self._walk_list(value)
            return value
        if kind is tuple:
            items = list(value)
            self._walk_list(items)
            return items
        return value  # another object (a date, a list subclass): kept as it is
