"""Interpreter cost: microseconds per `interpret` for typical answers.

    .venv/bin/python benchmarks/bench_interpret.py            # all cases
    .venv/bin/python benchmarks/bench_interpret.py --number 20000
    .venv/bin/python benchmarks/bench_interpret.py --timer cpu   # on a busy machine
    PYTHONPATH=/path/to/other/checkout .venv/bin/python benchmarks/bench_interpret.py
                                            # the same cases on another version

An auction interprets about ten responses per lead (pings and a post); at 600
leads/s that is 6000 interprets a second, so each one should stay in the tens of
microseconds. For each case, the best of `--repeat` rounds of `--number` calls
is reported (the best round is the least disturbed by other processes), next to
`json.loads` of the same body as a yardstick. `--timer cpu` counts this process's
CPU time instead of the wall clock: on a machine other processes keep busy, the
wall clock mostly measures waiting. Cases the running version cannot read (an
older checkout, through PYTHONPATH) are skipped, so two versions compare on
the cases they share.
"""

from __future__ import annotations

import argparse
import json
import time
import timeit

import yaml
from pydantic import ValidationError

from pingpost.config.models import Response
from pingpost.exchange import RawResponse
from pingpost.responses import interpret

JSON_RULES = """
accept: {path: status, equals: success}
reject: {path: status, equals: rejected}
bid: price
reason: message
capture: {ping_token: pingToken}
"""
JSON_BODY = (
    b'{"status": "success", "pingToken": "wPDqmX209V3BEliVAZ0oO2rkJdv6EjAY", "price": "17.33"}'
)

XML_RULES = """
accept: {path: Result.Success, equals: true}
bid: Result.Payout
capture: {transaction_id: Result.TransactionId}
"""
XML_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?><Result xmlns:xsi="http://www.w3.org/2001/'
    b'XMLSchema-instance"><TransactionId>ce34e151-6d00-488d-a465-3fa3cebe7ff9</TransactionId>'
    b'<Success>true</Success><Payout>8.50</Payout><Sold xsi:nil="true" /></Result>'
)

REGEX_RULES = r"""
format: text
accept: {contains: '"Success":true'}
bid: {regex: '"Price":"([0-9.]+)"'}
capture: {ping_reference: {regex: '"PingReference":"([a-zA-Z0-9!&\.$%@#_-]+)"'}}
"""
REGEX_BODY = b'{"Success":true,"Price":"12.40","PingReference":"a1b2c3"}'

HTML_RULES = """
format: html
reject: {selector: "div.result h1", equals: Rejected}
accept: {selector: "div.result.accepted"}
bid: {selector: "div.result span.price"}
capture: {lead_token: {selector: "input[name=lead_token]@value"}}
"""
HTML_BODY = (
    b'<!DOCTYPE html><html><head><title>Accepted</title></head><body><div id="main">'
    b'<div class="result accepted"><h1>Accepted</h1><p>Price: <span class="price">12.50</span>'
    b'<input type="hidden" name="lead_token" value="tk-829"></div></span><p>Thanks.</body></html>'
)
SOAP_RULES = """
format: xml
decode: [{path: Envelope.Body.PingResponse.PingResult, as: xml}]
error: {xpath: "//soap:Fault"}
accept: {path: Envelope.Body.PingResponse.PingResult.Result.Status, equals: Accepted}
bid: Envelope.Body.PingResponse.PingResult.Result.Price
"""
SOAP_BODY = (
    b'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap'
    b'.org/soap/envelope/"><soap:Body><PingResponse xmlns="http://tempuri.org/"><PingResult>'
    b"&lt;Result&gt;&lt;Status&gt;Accepted&lt;/Status&gt;&lt;Price&gt;7.25&lt;/Price&gt;"
    b"&lt;/Result&gt;</PingResult></PingResponse></soap:Body></soap:Envelope>"
)

CASES = {
    "json ping (accepted, bid, capture)": (JSON_RULES, JSON_BODY, "application/json"),
    "json ping (rejected)": (
        JSON_RULES,
        b'{"status": "rejected", "message": "No Matches"}',
        "application/json",
    ),
    "xml ping (namespaced, accepted)": (XML_RULES, XML_BODY, "text/xml; charset=utf-8"),
    "text ping (regex rules)": (REGEX_RULES, REGEX_BODY, "text/plain"),
    "html ping (selectors)": (HTML_RULES, HTML_BODY, "text/html"),
    "soap ping (decode, xpath error rule)": (SOAP_RULES, SOAP_BODY, "text/xml"),
}


TIMERS = {"wall": time.perf_counter, "cpu": time.process_time}


def measure(
    rules_text: str, body: bytes, content_type: str, number: int, repeat: int, timer: str
) -> float | None:
    """Microseconds per interpret, best of `repeat`; None when this version cannot read
    the rules (a case newer than the checkout being measured)."""
    try:
        rules = Response.model_validate(yaml.safe_load(rules_text))
    except ValidationError:
        return None
    response = RawResponse(200, (("Content-Type", content_type),), body)
    interpret(rules, response)  # warm the caches, as a running auction has
    rounds = timeit.repeat(
        lambda: interpret(rules, response), number=number, repeat=repeat, timer=TIMERS[timer]
    )
    return min(rounds) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--timer", choices=sorted(TIMERS), default="wall")
    args = parser.parse_args()
    timer = TIMERS[args.timer]
    rounds = timeit.repeat(
        lambda: json.loads(JSON_BODY), number=args.number, repeat=args.repeat, timer=timer
    )
    yardstick = min(rounds) / args.number * 1e6
    print(f"{'json.loads of the json ping body (yardstick)':45} {yardstick:7.1f} µs")
    for name, (rules_text, body, content_type) in CASES.items():
        micros = measure(rules_text, body, content_type, args.number, args.repeat, args.timer)
        if micros is None:
            print(f"{name:45}       - (this version cannot read the rules)")
        else:
            print(f"{name:45} {micros:7.1f} µs  ({micros / yardstick:.1f}x the yardstick)")


if __name__ == "__main__":
    main()
