"""What one config load gives the service: swapped whole on a reload, never in part.

A request reads `Service.current` once and uses that snapshot to the end, so a
reload in the middle of an auction changes nothing for it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pingpost.auction.batch import Delivery
from pingpost.commands.offline import run_offline_checks
from pingpost.config import load_config
from pingpost.config.bundle import Config
from pingpost.config.models import LeadType, Source
from pingpost.errors import PingpostError
from pingpost.serve.errors import NoSources
from pingpost.serve.sources import Keyring

ADMIN_KEY_VARIABLE = "PINGPOST_ADMIN_KEY"


@dataclass(frozen=True)
class ServiceConfig:
    """The config and everything derived from it that requests need."""

    config: Config
    keyring: Keyring
    auth: bool  # False: --insecure-no-auth, anonymous posts are taken
    admin_key: str | None = None
    loaded_at: float = field(default_factory=time.time)
    # the store and this config's controls over it (Service.attach): caps, dedupe,
    # schedules, round robin and health, as `deliver` has them
    delivery: Delivery | None = None

    @property
    def sources(self) -> Mapping[str, Source]:
        return self.config.lead_sources


def load_service_config(
    path: Path, *, auth: bool = True, env: Mapping[str, str] | None = None
) -> ServiceConfig:
    """Load and check the config as `pingpost validate` does (its located errors in
    `ConfigError`); without any source, refuse unless `auth` is off."""
    config = load_config(path, behaviour=run_offline_checks)
    if auth and not config.lead_sources:
        raise NoSources(str(path))
    env = os.environ if env is None else env
    admin_key = config.settings.serve.admin_key or env.get(ADMIN_KEY_VARIABLE) or None
    return ServiceConfig(config, Keyring(config.lead_sources), auth, admin_key)


class LeadTypeRefused(PingpostError):
    """The lead type of a request cannot be used: (status, code) say how to answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


def pick_lead_type(current: ServiceConfig, source: Source | None, name: str | None) -> LeadType:
    """`?lead_type=NAME`; without it, the source's only lead type, else the config's only one."""
    lead_types = current.config.lead_types
    allowed = source.lead_types if source is not None and source.lead_types else None
    if name is None:
        choices = allowed or tuple(sorted(lead_types))
        if len(choices) == 1 and choices[0] in lead_types:
            return lead_types[choices[0]]
        raise LeadTypeRefused(
            400, "lead_type_required",
            f"several lead types may be posted here ({', '.join(choices)}): "
            "name one with ?lead_type=NAME",
        )  # fmt: skip
    if allowed is not None and name not in allowed:
        raise LeadTypeRefused(
            403, "lead_type_not_allowed",
            f"this source may not post lead type `{name}` (it may post: {', '.join(allowed)})",
        )  # fmt: skip
    found = lead_types.get(name)
    if found is None:
        known = ", ".join(allowed or sorted(lead_types)) or "none"
        raise LeadTypeRefused(
            400, "unknown_lead_type", f"no lead type named `{name}` (known: {known})"
        )
    return found
