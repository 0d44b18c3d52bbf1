"""Errors of the store. Each carries data; the CLI and `serve` turn them into words
of their own (an exit code, an HTTP status)."""

from __future__ import annotations

from pingpost.errors import PingpostError


class StoreError(PingpostError):
    """Base of the store's errors."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or written: nothing that needed it happened (W1)."""

    def __init__(self, url: str, cause: str) -> None:
        self.url = url
        self.cause = cause
        super().__init__(f"store unavailable: {url}: {cause}")


class StoreMissing(StoreUnavailable):
    """Asked not to create a store (`open(migrate=False)`), and there is none at the URL."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "no store there yet (it is created when first used)")


class StoreTooNew(StoreError):
    """The store's schema was written by a newer pingpost."""

    def __init__(self, url: str, found: int, supported: int) -> None:
        self.url = url
        self.found = found
        self.supported = supported
        super().__init__(
            f"the store {url} has schema version {found}, newer than this pingpost "
            f"understands ({supported}): upgrade pingpost to use it"
        )


class StoreTooOld(StoreError):
    """The store's schema needs a migration that was not allowed to run."""

    def __init__(self, url: str, found: int, supported: int) -> None:
        self.url = url
        self.found = found
        self.supported = supported
        super().__init__(
            f"the store {url} has schema version {found}; this pingpost needs {supported}: "
            "migrate it first"
        )


class BadStoreUrl(StoreError):
    """A store URL pingpost cannot use."""

    def __init__(self, url: str, why: str) -> None:
        self.url = url
        self.why = why
        super().__init__(f"cannot use the store URL `{url}`: {why}")


class UnknownAuction(StoreError):
    """No auction with that id in the store."""

    def __init__(self, auction_id: str, why: str = "not in the store") -> None:
        self.auction_id = auction_id
        self.why = why
        super().__init__(f"auction {auction_id}: {why}")


class OtherAuction(StoreError):
    """A post intent or result refused because another run owns the lead or the auction
    id: `other` is that run's auction (maybe `auction_id` itself). `same_lead`: it
    delivers this very lead (the same batch run twice at once); else only the id is
    shared (two leads with one source id), and the lead can run under another id.
    Nothing was written."""

    def __init__(self, auction_id: str, other: str, *, same_lead: bool) -> None:
        self.auction_id = auction_id
        self.other = other
        self.same_lead = same_lead
        whose = "this lead" if same_lead else "this auction id, for another lead"
        super().__init__(f"auction {auction_id}: another run delivers {whose} (auction {other})")
