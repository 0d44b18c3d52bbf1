"""Whether an open post may be sent again, and what it needs: the checks `recover` runs
before a re-post, and shows beside each open post (no network, no engine).

    the account still configured ──► its method declares an idempotency key ──► the first
    post carried one ──► the captures the post reads are in the stored document
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod
from pingpost.log.errors import CannotRepost
from pingpost.masking import MASK
from pingpost.render.placeholders import captures_used
from pingpost.store.records import PostRecord, StoredAuction


def repost_refusal(config: Config, stored: StoredAuction, post: PostRecord) -> str | None:
    """Why `post` cannot be re-posted (None: it can), without sending anything."""
    try:
        _, method = checked_buyer(config, stored.row.auction_id, post)
        stored_captures(stored.row.auction_id, stored_json(stored), post, method)
    except CannotRepost as refused:
        return refused.why
    return None


def checked_buyer(
    config: Config, auction_id: str, post: PostRecord
) -> tuple[DeliveryAccount, DeliveryMethod]:
    """The account and its method, if a second post under the first one's key is safe."""
    buyer = config.accounts.get(post.account)
    if buyer is None:
        raise CannotRepost(auction_id, post.account, "the account is no longer configured")
    method = config.methods[buyer.method]
    if method.post.idempotency_key is None:
        raise CannotRepost(
            auction_id,
            post.account,
            f"its delivery method `{method.name}` declares no idempotency key, so the buyer "
            "could take the lead a second time",
        )
    if post.idempotency_key is None:
        raise CannotRepost(
            auction_id,
            post.account,
            "the first post carried no idempotency key, so the buyer could not tell a "
            "second one from a new lead",
        )
    return buyer, method


def stored_json(stored: StoredAuction) -> dict[str, Any] | None:
    return None if stored.document is None else json.loads(stored.document)


def stored_captures(
    auction_id: str, document: Mapping[str, Any] | None, post: PostRecord, method: DeliveryMethod
) -> dict[str, str]:
    """The accepted ping's captures the post reads, from the stored document."""
    needed = post_reads(method)
    found = _pingstored_captures(document, post.account)
    missing = [n for n in needed if n not in found]
    masked = [n for n in needed if found.get(n) == MASK]
    if not missing and not masked:
        return {name: found[name] for name in needed}
    if document is None:
        why = "the auction was interrupted before its result (with the captures) was written"
    elif masked:
        why = "the log keeps them masked (they matched a secret)"
    else:
        why = "the log has no accepted ping from this account with them"
    names = ", ".join(missing or masked)
    raise CannotRepost(
        auction_id, post.account, f"its post reads the ping's captures ({names}): {why}"
    )


def post_reads(method: DeliveryMethod) -> list[str]:
    """The captures the post reads (not every one the ping captures)."""
    response = method.ping.response.model_copy(update={"capture": {}})
    ping = method.ping.model_copy(update={"response": response})
    return captures_used(method.model_copy(update={"ping": ping}))


def _pingstored_captures(document: Mapping[str, Any] | None, account: str) -> dict[str, str]:
    for line in document.get("accounts", ()) if document is not None else ():
        if line.get("account") == account:
            outcome = (line.get("ping") or {}).get("outcome") or {}
            return {str(k): str(v) for k, v in (outcome.get("captures") or {}).items()}
    return {}
