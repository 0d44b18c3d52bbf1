"""Keep URLs out of logs (P13): a URL's path and query can carry a buyer's secrets.

aiohttp's own loggers (and asyncio's, which reports aiohttp's unclosed-resource
warnings with the response's URL in them) get a filter that cuts every URL in a
record down to its scheme and host, at every level, whatever handler is attached.
"""

from __future__ import annotations

import logging
import re
import traceback

# scheme://[userinfo@]host[:port] then the rest (path, query, fragment) up to a delimiter
_URL = re.compile(
    r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)"
    r"(?P<userinfo>[^\s/?#@'\"<>]*@)?"
    r"(?P<host>[^\s/?#'\"<>]*)"
    r"(?P<rest>[^\s'\"<>]*)"
)

LOGGERS = (
    "aiohttp.access",
    "aiohttp.client",
    "aiohttp.internal",
    "aiohttp.server",
    "aiohttp.web",
    "aiohttp.websocket",
    "asyncio",
)


def scrub_urls(text: str) -> str:
    """`text` with every URL cut to `scheme://host/…` and its credentials masked."""
    if "://" not in text:
        return text
    return _URL.sub(_scrub_one, text)


def _scrub_one(match: re.Match[str]) -> str:
    userinfo = "***@" if match["userinfo"] else ""
    rest = match["rest"]
    # a `)` that closes a wrapper (`Response(http://...)`) is not part of the URL
    closing = ")" if rest.endswith(")") and "(" not in rest else ""
    rest = rest[: len(rest) - len(closing)]
    return f"{match['scheme']}{userinfo}{match['host']}{'/…' if rest else ''}{closing}"


class RedactUrls(logging.Filter):
    """Rewrites a record's message, traceback and stack so that no URL is left whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep only what is safe to show
            message = str(record.msg)
        record.msg, record.args = scrub_urls(message), None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text, record.exc_info = scrub_urls(text), None
        elif record.exc_text:
            record.exc_text = scrub_urls(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_urls(record.stack_info)
        return True


_FILTER = RedactUrls()


def install_log_redaction() -> None:
    """Attach the URL filter to aiohttp's and asyncio's loggers (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactUrls) for f in logger.filters):
            logger.addFilter(_FILTER)
