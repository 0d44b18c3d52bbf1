"""`Config`: every document of a config directory, loaded, checked and typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType, Settings, Source
from pingpost.errors import LeadTypeNeeded, Problem, UnknownName


@dataclass(frozen=True)
class SourceRef:
    """Where a document (or a node in it) came from."""

    file: str
    line: int = 0  # 1-based, 0 when unknown
    column: int = 0


@dataclass(frozen=True)
class Config:
    lead_types: Mapping[str, LeadType]
    methods: Mapping[str, DeliveryMethod]
    accounts: Mapping[str, DeliveryAccount]
    settings: Settings
    # every value that came from `${ENV}`, plus every literal auth secret: masked in all output
    secrets: frozenset[str] = frozenset()
    # warnings found while loading (pii in a ping, unused method, ...); errors raise instead
    warnings: tuple[Problem, ...] = ()
    # (kind, name) -> where the document starts
    sources: Mapping[tuple[str, str], SourceRef] = field(default_factory=dict)
    # the lead sources of `pingpost serve` (`kind: source`), by name
    lead_sources: Mapping[str, Source] = field(default_factory=dict)

    def method(self, name: str) -> DeliveryMethod:
        try:
            return self.methods[name]
        except KeyError:
            raise UnknownName("delivery method", name, self.methods) from None

    def account(self, name: str) -> DeliveryAccount:
        try:
            return self.accounts[name]
        except KeyError:
            raise UnknownName("delivery account", name, self.accounts) from None

    def lead_type(self, name: str | None = None) -> LeadType:
        """The named lead type, or the only one configured."""
        if name is None:
            if len(self.lead_types) == 1:
                return next(iter(self.lead_types.values()))
            raise LeadTypeNeeded(self.lead_types)
        try:
            return self.lead_types[name]
        except KeyError:
            raise UnknownName("lead type", name, self.lead_types) from None
