"""Secrets learned while running: OAuth2 access tokens (P12).

A token is not in the config, so the Masker cannot know it from there; the
transport remembers every token it is given, and the Masker hides these like
any secret, in every output (even with `--show-secrets`, which shows the
config's own secrets: a token is never the user's to read). The newest
`KEEP` are kept: a long run refreshes tokens, and old ones no longer matter.
"""

from __future__ import annotations

import threading

KEEP = 64
_seen: dict[str, None] = {}  # insertion-ordered: the oldest is dropped first
_frozen: frozenset[str] = frozenset()
_lock = threading.Lock()  # the sandbox and tests run event loops in other threads


def remember(value: str) -> None:
    global _frozen
    if not value or value in _frozen:
        return
    with _lock:
        _seen[value] = None
        while len(_seen) > KEEP:
            del _seen[next(iter(_seen))]
        _frozen = frozenset(_seen)


def known() -> frozenset[str]:
    """Every remembered secret (the same object until one is added: cheap to cache on)."""
    return _frozen
