"""Errors of the log's repairs: each carries its facts; the CLI adds the option that helps."""

from __future__ import annotations

from collections.abc import Iterable

from pingpost.errors import UsageError


class NoOpenPost(UsageError):
    """The auction has no post left to settle (or none to that account)."""

    def __init__(self, auction_id: str, why: str) -> None:
        self.auction_id = auction_id
        self.why = why
        super().__init__(f"auction {auction_id}: {why}")


class PostAccountNeeded(UsageError):
    """The auction has open posts to several accounts, and none was named."""

    def __init__(self, auction_id: str, accounts: Iterable[str]) -> None:
        self.auction_id = auction_id
        self.accounts = tuple(accounts)
        super().__init__(
            f"auction {auction_id} has open posts to {', '.join(self.accounts)}: "
            "name the account whose answer you have"
        )


class CannotRepost(UsageError):
    """A post that must not be sent again: no idempotency key, or not enough to rebuild it."""

    def __init__(self, auction_id: str, account: str, why: str) -> None:
        self.auction_id = auction_id
        self.account = account
        self.why = why
        super().__init__(f"cannot re-post auction {auction_id} to {account}: {why}")


class EmptyLog(UsageError):
    """The newest auction was asked for, and the log has none."""

    def __init__(self) -> None:
        super().__init__("the delivery log has no auction yet: nothing to show")


class AnswerNeeded(UsageError):
    """A post of the auction waits for its buyer's answer, and none was given."""

    def __init__(self, auction_id: str) -> None:
        self.auction_id = auction_id
        super().__init__(
            f"auction {auction_id} has a post waiting for its buyer's answer: say what the "
            "buyer confirmed"
        )


class AnswersLogged(UsageError):
    """An auction whose posts were all answered, given an answer the log contradicts (or a
    price: the buyer's answer set it)."""

    def __init__(self, auction_id: str, logged: str, why: str) -> None:
        self.auction_id = auction_id
        self.logged = logged
        super().__init__(
            f"auction {auction_id}: every post was answered ({logged}), so {why}; "
            "close it as the answers say"
        )
