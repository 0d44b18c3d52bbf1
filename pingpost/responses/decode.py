"""Response bodies: bytes -> text -> json | xml | form | text.

`auto` trusts the Content-Type first and sniffs the body when the header
names no format (or names one the body is not). Decoding never raises: a body
that does not decode keeps its text, for `regex`/`contains` rules, and says
why in `error` ("not json: Expecting ',' delimiter (line 2, column 60)").
"""

from __future__ import annotations

import codecs
import functools
import json
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import parse_qsl

from pingpost.responses.xmlbody import MAX_DEPTH, XmlRefused, parse_xml

BodyFormat = Literal["auto", "json", "xml", "form", "text", "html"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_STRICT_TEXT = ("json", "xml")  # formats that must be valid text; form and text stay lenient
_CODEC_NAMES = {"utf-8": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE
)
_PRESCAN_BYTES = 1024  # as the HTML spec's prescan: a page declares its charset early
_MAX_FORM_FIELDS = 1000
_MAX_EXPONENT = 308  # beyond a double's range a JSON number reads as infinity, as before


@dataclass(frozen=True, slots=True)
class DecodedBody:
    """A body as the rules see it."""

    text: str  # the body as text, always (regex and contains search this)
    data: Any  # the decoded value; None when it did not decode
    format: str  # json | xml | form | text | html: what it decoded as ("text" when it did not)
    error: str | None = None  # "not json: <why>" when it did not decode as expected
    requested: str = "auto"  # the rules' `format`

    def unreadable(self) -> str | None:
        """Why `path` rules cannot read this body, or None when they can.

        With `format: auto` a body that is plain text (or empty) has no structure for a
        path to walk; only `format: text` makes `path: "@"` mean the text itself.
        """
        if self.error is not None:
            return f"body is {self.error}"
        if self.format == "html":
            return "body is html: `path` reads json, xml or form; use `selector` or `xpath`"
        if self.format == "text" and self.requested != "text":
            return (
                "body is empty" if not self.text.strip() else "body is text, not json, xml or form"
            )
        return None


class _NotDecoded(ValueError):
    """Why a text is not the format it was read as."""


def decode_body(
    body: bytes, content_type: str | None = None, fmt: BodyFormat = "auto"
) -> DecodedBody:
    """Decode `body` as `fmt`; `content_type` is the full header value (charset included).

    JSON and XML must be valid text in their encoding: bytes that do not decode make the
    body undecodable (P9), with the byte offset in `error`. Text, for `regex` and
    `contains` rules, is always there, undecodable bytes shown as U+FFFD.
    """
    mime, charset = _parse_content_type(content_type)
    if fmt == "html" and charset is None:
        charset = declared_charset(body)  # `<meta charset=...>`, as a browser reads it
    text = body_text(body, charset)
    decoded = _decode_auto(text, mime) if fmt == "auto" else _decode_as(fmt, text)
    if decoded.format in _STRICT_TEXT and "\ufffd" in text:
        invalid = _invalid_byte(body, charset)
        if invalid is not None:
            decoded = DecodedBody(text, None, "text", f"not {decoded.format}: {invalid}")
    return decoded if fmt == "auto" else replace(decoded, requested=fmt)


def text_of(body: bytes, content_type: str | None = None) -> str:
    """A body as text, as the rules read it: the Content-Type's charset (a BOM or an XML
    declaration first), else UTF-8. For showing a body, not only for deciding on it."""
    return body_text(body, _parse_content_type(content_type)[1])


def text_bytes(text: str, content_type: str | None = None) -> bytes:
    """`text` back to bytes that `text_of` reads as `text`, in the charset it would use
    (a body kept as text in the delivery log, shown again). What that charset cannot
    encode becomes `?`."""
    charset = _parse_content_type(content_type)[1]
    if charset is None and text.startswith("<?xml"):
        declared = _XML_ENCODING.match(text[:300].encode("ascii", "replace"))
        charset = declared.group(1).decode("ascii") if declared else None
    try:
        return text.encode(charset or "utf-8", "replace")
    except LookupError:  # an unknown charset name: text_of read it as UTF-8
        return text.encode("utf-8", "surrogateescape")


def body_text(body: bytes, charset: str | None = None) -> str:
    """Bytes as text: a BOM wins, then the header's charset, then an XML declaration, then
    UTF-8. Undecodable bytes become U+FFFD rather than an error."""
    start, encoding = _encoding_of(body, charset)
    return body[start:].decode(encoding, "replace")


def _encoding_of(body: bytes, charset: str | None) -> tuple[int, str]:
    """Where the text starts (after a BOM) and the codec that reads it."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return len(bom), encoding
    if charset is None and body.startswith(b"<?xml"):
        declared = _XML_ENCODING.match(body)
        charset = declared.group(1).decode("ascii") if declared else None
    return 0, _codec(charset) if charset is not None else "utf-8"


@functools.lru_cache(maxsize=64)
def _codec(charset: str) -> str:
    """The codec that reads `charset`; UTF-8 for an unknown name (the best guess)."""
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return "utf-8"


def _invalid_byte(body: bytes, charset: str | None) -> str | None:
    """`invalid UTF-8 at byte 17` when `body` does not decode strictly, else None."""
    start, encoding = _encoding_of(body, charset)
    try:
        body[start:].decode(encoding)
    except UnicodeDecodeError as exc:
        return f"invalid {_CODEC_NAMES.get(encoding, encoding)} at byte {start + exc.start}"
    return None


def declared_charset(body: bytes) -> str | None:
    """The charset a page declares in a `<meta>` near its top, where browsers look for it."""
    match = _META_CHARSET.search(body[:_PRESCAN_BYTES])
    return match.group(1).decode("ascii") if match else None


def sniff(text: str, *, allow_xml: bool = True) -> str:
    """The format a body looks like: `{`/`[` json, `<` xml, `a=b&c=d` form, else text."""
    stripped = text.strip()
    head = stripped[:1]
    if head in ("{", "["):
        return "json"
    if head == "<":
        return "xml" if allow_xml else "text"
    if stripped and _looks_like_form(stripped):
        return "form"
    return "text"


def _looks_like_form(text: str) -> bool:
    if "=" not in text or any(c.isspace() for c in text):
        return False
    return all(key and sep for key, sep, _ in (p.partition("=") for p in text.split("&")))


@functools.lru_cache(maxsize=256)  # a run meets a few Content-Types, three times an exchange
def _parse_content_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    mime, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime.strip().lower(), charset


def _declared_format(mime: str) -> str | None:
    subtype = mime.rpartition("/")[2]
    if "json" in subtype:
        return "json"
    if "xml" in subtype:
        return "xml"
    if mime == "application/x-www-form-urlencoded":
        return "form"
    return None


def _decode_auto(text: str, mime: str) -> DecodedBody:
    declared = _declared_format(mime)
    first = _decode_as(declared, text) if declared else None
    if first is not None and first.error is None:
        return first
    # An HTML page (a proxy's error page, say) is not XML, but servers label everything
    # text/html: JSON then, or XML that opens with its declaration, is still read.
    html = "html" in mime and not text.lstrip().startswith("<?xml")
    sniffed = sniff(text, allow_xml=not html)
    if first is None:
        return _decode_as(sniffed, text)
    if sniffed in (declared, "text"):
        return first
    second = _decode_as(sniffed, text)  # a misleading Content-Type: the body's own shape wins
    return second if second.error is None else first


def _decode_as(fmt: str, text: str) -> DecodedBody:
    if fmt == "text":
        return DecodedBody(text, text, "text")
    if fmt == "html":  # any text is a page; parsed on first use by a rule (documents.py)
        return DecodedBody(text, None, "html")
    try:
        data = _DECODERS[fmt](text)
    except _NotDecoded as exc:
        return DecodedBody(text, None, "text", f"not {fmt}: {exc}")
    return DecodedBody(text, data, fmt)


def _json(text: str) -> Any:
    if not text.strip():
        raise _NotDecoded("empty body")
    try:
        data = _JSON.decode(text)
    except json.JSONDecodeError as exc:
        raise _NotDecoded(f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    except (ValueError, RecursionError) as exc:  # huge integers, absurd nesting
        raise _NotDecoded(str(exc) or type(exc).__name__) from exc
    # Depth cannot exceed the number of brackets: only count levels when it could be deep.
    if text.count("{") + text.count("[") > MAX_DEPTH and _deeper_than(data, MAX_DEPTH):
        raise _NotDecoded(f"nested deeper than {MAX_DEPTH} levels")
    return data


def _json_decimal(text: str) -> Decimal:
    """A JSON fraction or exponent as the exact Decimal the buyer wrote (P7: `12.50`
    stays 12.50, with no float noise); `1e309` is infinity, refused later as a bid."""
    value = Decimal(text)
    if value.adjusted() > _MAX_EXPONENT:
        return Decimal("-Infinity") if value < 0 else Decimal("Infinity")
    return value


# One decoder: json.loads with keyword arguments builds a new one per call.
_JSON = json.JSONDecoder(parse_float=_json_decimal, parse_constant=Decimal)


def _deeper_than(data: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _xml(text: str) -> Any:
    if not text.strip():
        raise _NotDecoded("empty body")
    try:
        return parse_xml(text)
    except XmlRefused as exc:
        raise _NotDecoded(str(exc)) from exc


def _form(text: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(
            text.strip(),
            keep_blank_values=True,
            strict_parsing=True,
            max_num_fields=_MAX_FORM_FIELDS,
        )
    except ValueError as exc:
        raise _NotDecoded(str(exc)) from exc
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:  # a repeated name becomes a list, in order
            earlier = data[key]
            data[key] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
        else:
            data[key] = value
    return data


_DECODERS = {"json": _json, "xml": _xml, "form": _form}


def parse_as(fmt: str, text: str) -> Any:
    """`text` parsed as json, xml or form, as a body would be; ValueError saying why not."""
    return _DECODERS[fmt](text)
