"""One run's store and controls, set up once for a lead or a whole batch.

a store ──► Delivery(store, controls over it): write-ahead, W3, the controls' state
no store ──► schedules and health only; caps, dedupe, round_robin refuse (StoreNeeded)
looking only (dry run, test mode) ──► the store is read for the controls' verdicts,
              never written (none: every cap and list starts empty)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pingpost.auction.batch import Delivery
from pingpost.auction.controlling import controls_for, has_controls
from pingpost.controls import Controls
from pingpost.store.memory import MemoryStore

if TYPE_CHECKING:
    from pingpost.config.bundle import Config
    from pingpost.store.api import Store


def delivery_for(
    config: Config,
    store: Store | None,
    *,
    writes: bool = True,
    again: bool = False,
    clock: Callable[[], float] = time.time,
) -> Delivery:
    """The store (an open one, or None) and the config's controls over it, for one run.
    `writes=False` (dry runs, test mode): the store is only read, nothing is written or
    consumed. Raises StoreNeeded when the controls need a store and there is none."""
    return Delivery(
        store=store if writes else None,
        controls=_controls(config, store, writes=writes, clock=clock),
        again=again,
        clock=clock,
    )


def _controls(
    config: Config, store: Store | None, *, writes: bool, clock: Callable[[], float]
) -> Controls | None:
    if not has_controls(config):
        return None
    if store is None and not writes:  # looking only: every cap and list starts empty
        return Controls(config, MemoryStore(), clock=clock)
    return controls_for(config, store, clock)
