"""A batch line that is not a result: the auction raised, or the store stopped it."""

from __future__ import annotations

from pingpost.errors import PingpostError
from pingpost.store.errors import StoreUnavailable


class AuctionFailed(PingpostError):
    """An auction raised (a bug): reported for its line like a bad line; the batch goes on."""


class NotDelivered(PingpostError):
    """The store could not be written before the lead's post: that post was not sent
    (W1), and nothing was sold or is in doubt (an earlier post may have been rejected).
    The line's error; the batch goes on (a rerun delivers the lead)."""

    def __init__(self, line_no: int, cause: StoreUnavailable) -> None:
        self.line_no = line_no
        self.cause = cause
        super().__init__(
            f"line {line_no}: {cause}: the lead was not sold and no post is in doubt; "
            "run the batch again once the store is back"
        )
