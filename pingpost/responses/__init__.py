"""Responses: decode a buyer's answer and interpret it under the method's rules.

`interpret(rules, response, phase=...)` is the one entry point the auction and
`test-ping`/`test-post` use; `decode_body` and `parse_bid` are its parts, public
for the trace and for `validate` (which compiles rules with `responses.compiled`).
"""

from __future__ import annotations

from pingpost.responses.conditions import describe
from pingpost.responses.decode import DecodedBody, decode_body
from pingpost.responses.extract import describe_extractor
from pingpost.responses.interpret import interpret
from pingpost.responses.money import InvalidBid, parse_bid
from pingpost.responses.outcome import Outcome, RuleVerdict

__all__ = [
    "DecodedBody",
    "InvalidBid",
    "Outcome",
    "RuleVerdict",
    "decode_body",
    "describe",
    "describe_extractor",
    "interpret",
    "parse_bid",
]
