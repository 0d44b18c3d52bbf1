"""How many connections each account's pool may hold (P3), sized from the run's work.

An auction holds at most one exchange per account at a time (a ping, then perhaps a
post), so a run of N auctions at once never needs more than N connections to one
account: that is the default. A smaller fixed default (the old 10) capped a batch
at concurrency 50 near 250 leads/s with 20 ms buyers, pingpost idle, waiting for
slots. `settings.http.max_connections_per_account` and an account's
`max_connections`, when written, are caps for buyers that limit connections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pingpost.config.bundle import Config

# the least a pool gets when the run's concurrency is unknown or small: a cut-off
# auction's post may finish beside the next auction's exchanges (auction/engine.py)
MIN_DEFAULT = 10


@dataclass(frozen=True)
class PoolLimits:
    default: int  # every pool without a limit of its own
    limits: dict[str, int] = field(default_factory=dict)  # account name -> its cap


def pool_limits(config: Config, concurrency: int | None) -> PoolLimits:
    """The pools' limits for a run of `concurrency` auctions at once (None: unknown,
    `MIN_DEFAULT`), the settings' and accounts' explicit limits winning."""
    explicit = config.settings.http.max_connections_per_account
    default = explicit if explicit is not None else max(concurrency or 0, MIN_DEFAULT)
    limits = {n: a.max_connections for n, a in config.accounts.items() if a.max_connections}
    return PoolLimits(default, limits)
