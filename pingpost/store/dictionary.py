"""A store's compression dictionary, made once from the shape of a result document.

zlib compresses each ~13 KB document alone, so it pays again for the keys,
URLs, headers and rule descriptions that every document of a store repeats. A
preset dictionary holding them halves what is left (codec.py). The dictionary
must never hold a lead's data: a purge (a privacy request) deletes the lead's
auction, but the dictionary stays for the other documents. So it is made from
the document with:

- every post exchange dropped (posts carry the full lead);
- request bodies reduced to their keys, URLs to their paths (pings carry lead fields);
- lead ids, reasons, rule details and captures blanked;
- and then, to be sure, every value of the lead itself (and its digits-only,
  lower- and upper-case forms) cut out of what is left.

What remains is the config's shape and the buyers' answers to anonymous pings.
"""

from __future__ import annotations

import json
import re
from typing import Any

MIN_SIZE = 2048  # a smaller shape (an auction with no ping) would make a poor dictionary
_BLANKED = frozenset({"lead_id", "reason", "detail", "captures", "lead", "failure"})
_XML_TEXT = re.compile(r">[^<]+<")
_XML_ATTRIBUTE = re.compile(r'="[^"]*"')


def make_dictionary(document: bytes, lead_json: str) -> bytes | None:
    """The dictionary this document would give, or None if it is not a good source."""
    try:
        doc = json.loads(document)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("accounts"), list):
        return None
    text = json.dumps(_shape(doc), separators=(",", ":"))
    for value in lead_values(lead_json):
        text = text.replace(value, "")
    data = text.encode()
    return data if len(data) >= MIN_SIZE else None


def _shape(node: Any, key: str = "") -> Any:
    if key == "post":
        return None
    if key in _BLANKED:
        return _blank(node)
    if key == "body" and isinstance(node, str):
        return _body_keys(node)
    if key == "url" and isinstance(node, str):
        return node.split("?", 1)[0]
    if isinstance(node, dict):
        return {k: _shape(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_shape(v, key) for v in node]
    return node


def _blank(node: Any) -> Any:
    """The same shape with every value emptied."""
    if isinstance(node, dict):
        return {k: _blank(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_blank(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    return "" if isinstance(node, str) else 0


def _body_keys(body: str) -> str:
    """A request body with its keys and none of its values (JSON, XML, form)."""
    text = body.strip()
    if text[:1] in "{[":
        try:
            return json.dumps(_blank(json.loads(text)))
        except ValueError:
            return ""
    if text.startswith("<"):
        return _XML_ATTRIBUTE.sub('=""', _XML_TEXT.sub("><", text))
    if "=" in text:
        return "&".join(part.split("=", 1)[0] + "=" for part in text.split("&"))
    return ""


def lead_values(lead_json: str) -> list[str]:
    """Every value of the lead as text, in the forms a request may carry it, longest first."""
    try:
        lead = json.loads(lead_json)
    except ValueError:
        return []
    found: set[str] = set()
    for value in _leaves(lead):
        text = str(value).strip()
        digits = re.sub(r"\D", "", text)
        for form in (text, text.lower(), text.upper(), digits):
            if len(form) >= 3:
                found.add(form)
    return sorted(found, key=len, reverse=True)


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [leaf for v in node.values() for leaf in _leaves(v)]
    if isinstance(node, list):
        return [leaf for v in node for leaf in _leaves(v)]
    return [] if isinstance(node, bool) or node is None else [node]
