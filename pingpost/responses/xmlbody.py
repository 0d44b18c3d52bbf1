"""XML bodies to dicts, safely (P9), with namespaces stripped.

A DOCTYPE or entity declaration is refused before the parser sees the text
(billion laughs, external entities); the parser itself also refuses them, as
a second line. Prefixes are dropped from tags and attributes and `xmlns*`
attributes removed, so `Result.Success` works on a namespaced answer.
"""

from __future__ import annotations

import re
from typing import Any
from xml.parsers import expat

# Scanned on the decoded text that the parser will get, so no encoding trick hides it.
_DECLARATION = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)

MAX_DEPTH = 64  # deeper answers are not buyer answers; keeps later walks off the recursion limit


class XmlRefused(ValueError):
    """The text is not XML we will read. `str()` says why, for the trace."""


def parse_xml(text: str) -> Any:
    """The XML text as xmltodict's dict, namespaces stripped; XmlRefused when it is not."""
    if _DECLARATION.search(text):
        raise XmlRefused("a DOCTYPE or entity declaration is refused (it could expand or fetch)")
    import xmltodict  # on the first XML answer: a run whose buyers answer JSON never loads it

    try:
        return xmltodict.parse(
            text, expat=_SafeExpat, disable_entities=True, postprocessor=_strip_namespace
        )
    except expat.ExpatError as exc:
        raise XmlRefused(str(exc)) from exc
    except XmlRefused:
        raise
    except ValueError as exc:  # xmltodict's own refusal of entities
        raise XmlRefused(str(exc)) from exc


def _strip_namespace(path: list[Any], key: str, value: Any) -> tuple[str, Any] | None:
    if len(path) > MAX_DEPTH:
        raise XmlRefused(f"nested deeper than {MAX_DEPTH} levels")
    if key.startswith("@"):
        name = key[1:]
        if name == "xmlns" or name.startswith("xmlns:"):
            return None
        return "@" + name.rpartition(":")[2], value
    return key.rpartition(":")[2], value


def _refuse(*_args: object) -> None:
    raise XmlRefused("a DOCTYPE or entity declaration is refused")


def _refuse_external(*_args: object) -> int:
    raise XmlRefused("an external entity is refused")


class _SafeExpat:
    """Stands in for the `expat` module xmltodict uses: every parser refuses DTDs."""

    @staticmethod
    def ParserCreate(encoding: str | None = None, namespace_separator: str | None = None) -> Any:
        parser = expat.ParserCreate(encoding, namespace_separator)
        parser.StartDoctypeDeclHandler = _refuse
        parser.EntityDeclHandler = _refuse
        parser.ExternalEntityRefHandler = _refuse_external
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        return parser
