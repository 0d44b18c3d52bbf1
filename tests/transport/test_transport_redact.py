"""URLs never reach a log whole (P13): the scrubber and the logger filter."""

from __future__ import annotations

import io
import logging

import pytest

from pingpost.transport.redact import LOGGERS, RedactUrls, install_log_redaction, scrub_urls


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET https://api.example/v2/ping?key=s3cret done", "GET https://api.example/… done"),
        ("http://user:pw@host:8080/x", "http://***@host:8080/…"),
        ("<ClientResponse(http://h/p?t=s3cret) [200 OK]>", "<ClientResponse(http://h/…) [200 OK]>"),
        ("URL('https://h/a/s3cret')", "URL('https://h/…')"),
        ("http://h", "http://h"),
        ("no url here", "no url here"),
        ("two: http://a/x?k=1 and https://b/y", "two: http://a/… and https://b/…"),
    ],
)
def test_scrub_urls(text: str, expected: str) -> None:
    assert scrub_urls(text) == expected


def test_filter_scrubs_message_args_and_traceback() -> None:
    logger = logging.getLogger("pingpost.test.redact")
    logger.propagate = False
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.addFilter(RedactUrls())
    try:
        logger.warning("request to %s failed", "http://h/p?token=s3cret")
        try:
            raise ValueError("while fetching https://h/p?token=s3cret")
        except ValueError:
            logger.exception("boom http://u:s3cret@h/")
        logger.error("stack", stack_info=True, extra={"x": 1})
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "s3cret" not in output
    assert "request to http://h/… failed" in output
    assert "ValueError: while fetching https://h/…" in output


def test_install_is_idempotent_and_covers_aiohttp_and_asyncio() -> None:
    install_log_redaction()
    install_log_redaction()
    for name in LOGGERS:
        filters = [f for f in logging.getLogger(name).filters if isinstance(f, RedactUrls)]
        assert len(filters) == 1, name
    assert "aiohttp.client" in LOGGERS and "asyncio" in LOGGERS
