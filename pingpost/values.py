"""How one value is written in each content type: text, JSON literal, XML.

Bodies built from mappings and `{{ expr }}` results in templates share these
functions, so a value reads the same whichever way the request was built.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

# Characters XML 1.0 cannot carry at all, escaped or not.
XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A simplified XML Name (prefix:local allowed; xmlns declarations are attributes).
XML_NAME = re.compile(r"[^\W\d.\-][\w.\-:]*")

# Escapes safe in text and in attribute values alike: a CR, LF or tab survives
# a parser's end-of-line and attribute-value normalisation only as a reference.
_XML_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&apos;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


class XmlIllegalCharacter(ValueError):
    """A value holds a character XML 1.0 cannot represent (NUL, most C0 controls, ...)."""

    def __init__(self, value: str, position: int) -> None:
        self.value = value
        self.position = position
        super().__init__(
            f"U+{ord(value[position]):04X} at position {position} cannot be carried in XML 1.0"
        )


class UnwritableValue(TypeError):
    """A value that has no representation in the target content type."""


def text_value(value: Any) -> str:
    """The text form: `true`/`false`, decimals as written, ISO dates, JSON for containers."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        return _number(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    if isinstance(value, Mapping | list | tuple):
        return json_literal(value)
    raise UnwritableValue(f"a {type(value).__name__} cannot be written as text")


def _json_bool(value: bool) -> str:
    return "true" if value else "false"


_JSON_FAST: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    int: int.__repr__,
    bool: _json_bool,
    type(None): lambda _: "null",
}


def json_literal(value: Any) -> str:
    """One JSON literal; Decimal is written as the exact number it holds."""
    fast = _JSON_FAST.get(type(value))
    if fast is not None:
        return fast(value)
    if isinstance(value, dict):
        return (
            "{"
            + ",".join([f"{encode_basestring(str(k))}:{json_literal(v)}" for k, v in value.items()])
            + "}"
        )
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        return _number(value)
    if isinstance(value, date):
        return '"' + value.isoformat() + '"'
    if isinstance(value, Mapping):
        items = (f"{encode_basestring(str(k))}:{json_literal(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_literal(v) for v in value) + "]"
    raise UnwritableValue(f"a {type(value).__name__} cannot be written as JSON")


def _number(value: Decimal | float) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnwritableValue(f"{value} is not a finite number")
        return repr(value)
    if not value.is_finite():
        raise UnwritableValue(f"{value} is not a finite number")
    return format(value, "f")


def xml_escape(text: str) -> str:
    """Escape text for an XML element or attribute; refuse what XML 1.0 cannot carry."""
    bad = XML_ILLEGAL.search(text)
    if bad is not None:
        raise XmlIllegalCharacter(text, bad.start())
    return text.translate(_XML_ESCAPES)


def xml_literal(value: Any) -> str:
    """A `{{ expr }}` result in an xml body: escaped text, or elements for a mapping."""
    if isinstance(value, dict):
        return xml_children(value)
    return xml_escape(text_value(value))


def xml_element(name: str, value: Any) -> str:
    """`<name attr="...">text or children</name>`; `@key` is an attribute, `#text` the text."""
    if not isinstance(value, dict):
        text = value if type(value) is str else text_value(value)
        return f"<{name}>{xml_escape(text)}</{name}>"
    attrs = "".join(
        [f' {k[1:]}="{xml_escape(text_value(v))}"' for k, v in value.items() if k[:1] == "@"]
    )
    return f"<{name}{attrs}>{xml_children(value)}</{name}>"


def xml_children(value: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for key, child in value.items():
        if key[:1] == "@" or child is None:
            continue
        if key == "#text":
            parts.append(xml_escape(text_value(child)))
        else:
            parts.append(xml_element(key, child))
    return "".join(parts)


def xml_document(root: str, fields: Mapping[str, Any]) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml_element(root, fields)
