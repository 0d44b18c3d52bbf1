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

import itertools
import operator
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple


class Name(str):
    """A name or status in a document that its readers match on (an account, `sold`):
    `Masker.document` keeps it as it is, where it masks every other string."""

    __slots__ = ()


# what a document keeps as it is (as `Masker.document` does): numbers, None, names
_KEPT = frozenset({int, float, bool, Decimal, type(None), Name})

Site = tuple[Any, Any, str]  # (container, key, value)
_KEY = operator.itemgetter(1)
_VALUE = operator.itemgetter(2)


class Split(NamedTuple):
    texts: list[Site]  # masked as text
    values: list[str]  # their values
    by_name: list[Site]  # under a credential header's name: masked by name


class Sites:
    """The strings of one document to mask, each as (container, key, value): `keyed`, a
    plain string under a string key (masked by name when the key names a credential
    header), and `loose`, the others (list items, str subclasses, other keys). Tuples
    and mappings that are not dicts are replaced, in the document, by lists and dicts
    (the same JSON), so that every site can be written in place. The walk is the one
    pass over a whole result document per lead: it is kept to one branch per value."""

    __slots__ = ("_split", "document", "keyed", "loose")

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.keyed: list[Site] = []
        self.loose: list[Site] = []
        self._split: tuple[frozenset[str], Split] | None = None
        self._walk_dict(document)

    def split(self, headers: frozenset[str]) -> Split:
        """The sites masked as text (and their values), those masked by name, for the
        credential `headers` (lower-cased names); the last answer is kept: the maskers
        of one run share their headers."""
        if self._split is not None and self._split[0] == headers:
            return self._split[1]
        named = {key for key in set(map(_KEY, self.keyed)) if key.lower() in headers}
        if named:
            hits = list(map(named.__contains__, map(_KEY, self.keyed)))
            by_name = list(itertools.compress(self.keyed, hits))
            texts = list(itertools.compress(self.keyed, map(operator.not_, hits)))
        else:
            by_name, texts = [], list(self.keyed)
        texts += self.loose
        split = Split(texts, list(map(_VALUE, texts)), by_name)
        self._split = (headers, split)
        return split

    def _walk_dict(self, obj: dict[Any, Any]) -> None:
        keyed = self.keyed
        for key, value in obj.items():
            kind = type(value)
            if kind is str:
                if type(key) is str:
                    keyed.append((obj, key, value))
                else:
                    self.loose.append((obj, key, value))
            elif kind in _KEPT:
                continue
            elif kind is dict:
                self._walk_dict(value)
            elif kind is list:
                self._walk_list(value)
            elif isinstance(value, str):  # a str subclass: masked as text, not by name
                if not isinstance(value, Name):
                    self.loose.append((obj, key, value))
            else:
                obj[key] = self._other(value)

    def _walk_list(self, obj: list[Any]) -> None:
        loose = self.loose
        for i, value in enumerate(obj):
            kind = type(value)
            if kind is str:
                loose.append((obj, i, value))
            elif kind in _KEPT:
                continue
            elif kind is dict:
                self._walk_dict(value)
            elif kind is list:
                self._walk_list(value)
            elif isinstance(value, str):
                if not isinstance(value, Name):
                    loose.append((obj, i, value))
            else:
                obj[i] = self._other(value)

    def _other(self, value: Any) -> Any:
        """A value that is neither a string, a kept scalar, a dict nor a list: walked,
        and what replaces it in the document."""
        if isinstance(value, Mapping):
            copy = dict(value)
            self._walk_dict(copy)
            return copy
        if type(value) is tuple:
            items = list(value)
            self._walk_list(items)
            return items
        return value  # another object (a date, a list subclass): kept as it is
