"""The service log: JSON lines by default, a human line on a terminal, library records tamed."""

from __future__ import annotations

import io
import json
import logging

from pingpost.serve.accesslog import ServiceLog, route_library_logs


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_lines_leave_out_empty_fields() -> None:
    stream = io.StringIO()
    log = ServiceLog(stream)
    log.event("request", method="POST", path="/v1/leads", status=201, source=None, result="sold")
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert list(record) == ["time", "event", "method", "path", "status", "result"]
    assert record["time"].endswith("Z") and record["event"] == "request"


def test_a_terminal_gets_human_lines() -> None:
    stream = Terminal()
    log = ServiceLog(stream)
    assert log.human
    log.event("request", method="POST", path="/v1/leads", status=201, result="sold",
              source="web-form", auction_id="a-1", duration_ms=41.6, lead_type="auto")  # fmt: skip
    log.event("listening", url="http://127.0.0.1:8080", sources=1)
    first, second = stream.getvalue().splitlines()
    assert first.split(" ", 1)[1] == "POST /v1/leads 201 sold web-form a-1 42ms lead_type=auto"
    assert second.split(" ", 1)[1] == "listening url=http://127.0.0.1:8080 sources=1"


def test_the_format_can_be_forced() -> None:
    stream = Terminal()
    ServiceLog(stream, human=False).event("stopped")
    assert json.loads(stream.getvalue())["event"] == "stopped"


def test_a_closed_stream_does_not_stop_the_service() -> None:
    stream = io.StringIO()
    stream.close()
    ServiceLog(stream, human=False).event("request", status=200)  # no exception


def test_library_warnings_become_one_line_events_without_urls() -> None:
    stream = io.StringIO()
    loggers = [logging.getLogger(name) for name in ("aiohttp", "asyncio")]
    saved = [(lg.handlers[:], lg.propagate) for lg in loggers]
    route_library_logs(ServiceLog(stream, human=False))
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("aiohttp.server").exception(
                "Error handling request to http://h.example/v1/leads?key=secret"
            )
    finally:  # the loggers are the process's: give them back as they were
        for lg, (handlers, propagate) in zip(loggers, saved, strict=True):
            lg.handlers, lg.propagate = handlers, propagate
    record = json.loads(stream.getvalue())
    assert record["event"] == "library" and record["logger"] == "aiohttp.server"
    assert record["level"] == "error"
    assert "secret" not in stream.getvalue() and "Traceback" not in stream.getvalue()
    assert record["message"].startswith("Error handling request to http://h.example/")
