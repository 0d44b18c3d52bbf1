"""Request bodies per content type, and the parse-back check (P10).

Every body is parsed as its content type before it is returned: a body that
does not parse is never sent. Bodies built from mappings parse by
construction; the check is what catches a `body` template gone wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

from pingpost.values import json_literal, text_value, xml_document

CONTENT_TYPES = {
    "json": "application/json",
    "xml": "application/xml; charset=utf-8",
    "form": "application/x-www-form-urlencoded",
}
_QUOTED_EXPRESSION = re.compile(r"[\"']\s*\{\{")
_FORM_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")
# The form grammar: name=value pairs, `&`-joined, every other byte %-escaped.
_FORM_TOKEN = rb"(?:[A-Za-z0-9_.~+-]|%[0-9A-Fa-f]{2})*"
_FORM_BODY = re.compile(rb"(?:%s=%s(?:&%s=%s)*)?" % ((_FORM_TOKEN,) * 4))


class BodyError(ValueError):
    """A body that does not parse as its content type."""


def build_body(content_type: str, fields: Mapping[str, Any], *, xml_root: str) -> bytes:
    """The body from mapped fields (`fields` is nested for json/xml, flat for form)."""
    if content_type == "json":
        return json_literal(fields).encode("utf-8")
    if content_type == "xml":
        return xml_document(xml_root, fields).encode("utf-8")
    if content_type == "form":
        return encode_pairs(fields).encode("ascii")
    return b""  # query: the fields go into the URL


def encode_pairs(fields: Mapping[str, Any]) -> str:
    """`application/x-www-form-urlencoded`: names stay literal (`Source.Key`).

    The same bytes as `urlencode`; tokens that need no quoting skip `quote_plus`.
    """
    return "&".join(
        [f"{_form_quote(name)}={_form_quote(text_value(value))}" for name, value in fields.items()]
    )


def _form_quote(text: str) -> str:
    return text if _FORM_SAFE.fullmatch(text) else quote_plus(text, safe="")


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN/Infinity; JSON (RFC 8259) has no such literals.
    raise ValueError(f"`{name}` is not valid JSON")


# built once: `json.loads` with a keyword argument builds a new decoder on every call,
# and each lead parses back every rendered body
_JSON = json.JSONDecoder(parse_constant=_refuse_constant)


def _loads(body: bytes) -> Any:
    """`json.loads(body, parse_constant=_refuse_constant)`, on the prebuilt decoder."""
    return _JSON.decode(body.decode(json.detect_encoding(body), "surrogatepass"))


def parse_back(content_type: str, body: bytes, *, template: str | None = None) -> None:
    """Raise BodyError unless `body` parses as `content_type`."""
    try:
        if content_type == "json":
            _loads(body)
        elif content_type == "xml":
            from xml.etree import ElementTree  # only for xml bodies (start-up)

            ElementTree.fromstring(body)
        elif content_type == "form" and not _FORM_BODY.fullmatch(body):
            raise ValueError("not name=value pairs joined by `&` with %-escapes")
    except (ValueError, SyntaxError) as exc:  # ElementTree.ParseError is a SyntaxError
        hint = ""
        if content_type == "json" and template and _QUOTED_EXPRESSION.search(template):
            hint = (
                " (in a json body every {{ expr }} is already a JSON literal: "
                'write {{ lead.X }}, not "{{ lead.X }}")'
            )
        raise BodyError(
            f"the rendered {content_type} body does not parse: {exc}{hint}; nothing was sent"
        ) from None
