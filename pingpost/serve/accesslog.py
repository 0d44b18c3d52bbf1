"""The service's log on stderr: one JSON object a line, or a human line on a terminal.

    {"time": "2026-12-03T10:01:02.345Z", "event": "lead", "method": "POST",
     "path": "/v1/leads", "status": 201, "source": "web-form", "lead_type": "auto",
     "auction_id": "6f1c...", "result": "sold", "duration_ms": 41.2}

Only these fields are ever written: names from the config, ids pingpost made,
status codes and timings. Never a header, a key, a query string or a lead value
(P12); an error's detail is logged only for lifecycle events, whose messages
come from pingpost and have been masked.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from typing import IO, Any

from pingpost.transport.redact import scrub_urls

# the order of the human line; anything else follows as key=value
_HUMAN = ("method", "path", "status", "result", "source", "auction_id", "duration_ms")


def _now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


class ServiceLog:
    """Writes events to `stream` (stderr), as JSON lines unless `human`."""

    def __init__(self, stream: IO[str] | None = None, *, human: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.human = _isatty(self.stream) if human is None else human

    def event(self, name: str, **fields: Any) -> None:
        line = self._human(name, fields) if self.human else self._json(name, fields)
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # stderr closed or full: the service goes on
            pass

    def _json(self, name: str, fields: Mapping[str, Any]) -> str:
        record = {"time": _now(), "event": name}
        record.update((k, v) for k, v in fields.items() if v is not None)
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)

    def _human(self, name: str, fields: Mapping[str, Any]) -> str:
        clock = time.strftime("%H:%M:%S")
        if name != "request":
            rest = " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
            return f"{clock} {name} {rest}".rstrip()
        parts = [clock]
        for key in _HUMAN:
            value = fields.get(key)
            if value is None:
                continue
            parts.append(f"{value:.0f}ms" if key == "duration_ms" else str(value))
        parts += [f"{k}={v}" for k, v in fields.items() if k not in _HUMAN and v is not None]
        return " ".join(parts)


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _ToServiceLog(logging.Handler):
    """aiohttp's and asyncio's own records (a malformed request, a lost connection) as
    events of the service log: their first line, URLs cut, no traceback."""

    def __init__(self, log: ServiceLog) -> None:
        super().__init__(logging.WARNING)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = scrub_urls(record.getMessage()).splitlines()[0][:300]
        except Exception:  # a broken format string must not break the service
            message = str(record.msg)[:300]
        level = record.levelname.lower()
        self.log.event("library", logger=record.name, level=level, message=message)


def route_library_logs(log: ServiceLog) -> None:
    """Send aiohttp's and asyncio's warnings to the service log instead of raw stderr."""
    handler = _ToServiceLog(log)
    for name in ("aiohttp", "asyncio"):
        logger = logging.getLogger(name)
        logger.handlers = [h for h in logger.handlers if not isinstance(h, _ToServiceLog)]
        logger.addHandler(handler)
        logger.propagate = False
