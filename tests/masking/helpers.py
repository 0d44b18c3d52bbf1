"""What the masking tests share: a config with one method of the given auth."""

from __future__ import annotations

from pingpost.config.bundle import Config
from pingpost.config.models import Settings
from tests.render.helpers import LEAD_TYPE, make_method


def make_config(**auth: str) -> Config:
    """A config whose one method (`acme`) has `auth`, and one env secret, `env-secret`."""
    method = make_method({"auth": auth or {"type": "none"}})
    return Config(
        lead_types={"auto": LEAD_TYPE},
        methods={"acme": method},
        accounts={},
        settings=Settings(),
        secrets=frozenset({"env-secret"}),
    )
