"""Cross checks of the buyer controls: what one node cannot tell on its own.

Dedupe fields and `id_field` must be fields of their lead type; two caps of an
account must not count the same thing in the same window; settings and
accounts must agree on shared leads and weights. Each problem is reported at
the node at fault.
"""

from __future__ import annotations

import difflib

from pingpost.config.documents import Loaded, LoadedSet, Reporter
from pingpost.config.models import DeliveryAccount, LeadType, Settings

ID_FIELD_TYPES = ("string", "integer")


def check_lead_type_controls(r: Reporter, doc: Loaded, lead_type: LeadType) -> None:
    known = list(lead_type.fields)
    if lead_type.dedupe is not None and lead_type.dedupe.fields is not None:
        for i, name in enumerate(lead_type.dedupe.fields):
            if name not in lead_type.fields:
                r.error(
                    doc,
                    ("dedupe", "fields", i),
                    f"dedupe on `{name}`, which is not a field of {doc.label}" + _hint(name, known),
                )
    if lead_type.id_field is None:
        return
    name = lead_type.id_field
    spec = lead_type.fields.get(name)
    if spec is None:
        message = f"id_field `{name}` is not a field of {doc.label}" + _hint(name, known)
        r.error(doc, ("id_field",), message)
    elif spec.type not in ID_FIELD_TYPES:
        r.error(
            doc,
            ("id_field",),
            f"id_field `{name}` is of type {spec.type}: the auction id comes from a string "
            "or integer field",
        )
    elif not spec.required:
        r.warning(
            doc,
            ("id_field",),
            f"id_field `{name}` is not required: a lead without it gets a new auction id",
        )


def check_account_controls(
    r: Reporter, doc: Loaded, account: DeliveryAccount, settings: Settings
) -> None:
    counted: dict[tuple[str, str], int] = {}
    for i, cap in enumerate(account.caps):
        for measure in ("leads", "spend"):
            if getattr(cap, measure) is None:
                continue
            first = counted.setdefault((cap.per, measure), i)
            if first != i:
                r.error(
                    doc,
                    ("caps", i, measure),
                    f"a second {measure} cap per {cap.per} (the first is caps[{first}]): "
                    "keep one, the lower",
                )
    keys = {path[0] for path in doc.marks.keys if len(path) == 1}
    auction = settings.auction
    if not account.exclusive and auction.max_sells == 1:
        r.warning(
            doc,
            ("exclusive",),
            f"{doc.label} buys shared leads, but settings auction.max_sells is 1: every lead "
            "is sold to one buyer, and this account competes for it like any other",
        )
    if "weight" in keys and auction.strategy != "weighted":
        r.warning(
            doc,
            ("weight",),
            f"`weight` only counts with settings auction.strategy: weighted "
            f"(the strategy is {auction.strategy})",
        )


def check_settings_controls(
    r: Reporter, loaded: LoadedSet, doc: Loaded, settings: Settings
) -> None:
    auction = settings.auction
    if auction.max_sells == 1:
        return
    if auction.max_sells > auction.max_posts:
        r.error(
            doc,
            ("auction", "max_sells"),
            f"max_sells ({auction.max_sells}) is more than max_posts ({auction.max_posts}), "
            "which counts every post of a lead: raise max_posts to at least max_sells",
        )
    accounts = [d.model for d in loaded.valid("delivery_account")]
    if accounts and all(isinstance(a, DeliveryAccount) and a.exclusive for a in accounts):
        r.warning(
            doc,
            ("auction", "max_sells"),
            "no delivery account has `exclusive: false`: with no shared buyer, every lead "
            "is sold to one exclusive buyer",
        )


def _hint(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean `{close[0]}`?" if close else ""
