"""Fault modes: what a misbehaving buyer does instead of (or while) answering.

The buyer logic decides; it returns a `Plan` that the connection carries out
on the raw transport (see server.py): answer, hang, drip, reset, or stream an
oversized body.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from pingpost.sandbox.dice import Dice
from pingpost.sandbox.styles import JSON, Reply

Action = Literal["reply", "hang", "drip", "reset", "oversized"]

DRIP_INTERVAL = 0.2  # seconds between two body bytes of a dripped answer
OVERSIZED_BYTES = 10 * 1024 * 1024
_PAD = b"x" * 65536


@dataclass(frozen=True, slots=True)
class Plan:
    """What the connection does once `delay` seconds have passed."""

    action: Action
    reply: Reply | None = None
    delay: float = 0.0


def fault_plan(mode: str, dice: Dice, delay: float) -> Plan:
    """The plan for a transport fault mode (hang, drip needs the real reply: not here)."""
    if mode == "hang":
        return Plan("hang")
    if mode == "reset":
        return Plan("reset", delay=delay)
    if mode == "http_500":
        return Plan("reply", server_error(), delay)
    if mode == "garbage":
        return Plan("reply", garbage(dice), delay)
    if mode == "oversized":
        return Plan("oversized", Reply(200, JSON, b""), delay)
    raise ValueError(f"not a transport fault: {mode}")


def planned_status(plan: Plan) -> int | None:
    """The HTTP status the client will get (None: no answer at all)."""
    if plan.action in ("hang", "reset"):
        return None
    return plan.reply.status if plan.reply else None


def server_error() -> Reply:
    body = (
        b"<html><head><title>500 Internal Server Error</title></head>"
        b"<body><h1>Internal Server Error</h1></body></html>"
    )
    return Reply(500, "text/html; charset=utf-8", body)


_NOISE = bytes(b for b in range(0x21, 0x7F) if b not in b"{}[]<>\"'") + b" \t\x00\x07\xff\xfe"


def garbage(dice: Dice) -> Reply:
    """A 200 whose body is neither JSON nor XML (nor UTF-8), claimed to be JSON."""
    rng = dice.rng()
    size = rng.randint(40, 200)
    body = b"#" + bytes(rng.choice(_NOISE) for _ in range(size))
    return Reply(200, JSON, body)


_OVERSIZED_PREFIX = b'{"Success": true, "Payout": 1.00, "padding": "'
_OVERSIZED_SUFFIX = b'"}'


def oversized_body() -> Iterator[bytes]:
    """A 10 MiB JSON body in 64 KiB chunks from one shared buffer (nothing built per request)."""
    yield _OVERSIZED_PREFIX
    remaining = OVERSIZED_BYTES - len(_OVERSIZED_PREFIX) - len(_OVERSIZED_SUFFIX)
    view = memoryview(_PAD)
    while remaining > 0:
        step = min(remaining, len(_PAD))
        yield bytes(view[:step]) if step < len(_PAD) else _PAD
        remaining -= step
    yield _OVERSIZED_SUFFIX
