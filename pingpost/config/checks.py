"""Cross checks across documents: references, lead fields, accounts' vars and pricing.

Each check reports at the exact node at fault. A reference to a document that
exists but has errors of its own is not reported again.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal

from pingpost.config.control_checks import (
    check_account_controls,
    check_lead_type_controls,
    check_settings_controls,
)
from pingpost.config.documents import Loaded, LoadedSet, Reporter
from pingpost.config.marks import NodePath
from pingpost.config.method_checks import MethodFacts, check_method
from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType, Settings, Source
from pingpost.errors import LeadError, Problem
from pingpost.leads import coerce_lead


@dataclass(frozen=True)
class CheckResult:
    problems: list[Problem]
    facts: dict[str, MethodFacts]  # method name -> what its accounts must provide


def run_checks(loaded: LoadedSet) -> CheckResult:
    r = Reporter()
    settings_doc = loaded.settings()
    settings = settings_doc.model if settings_doc is not None else None
    settings = settings if isinstance(settings, Settings) else Settings()
    if settings_doc is not None:
        check_settings_controls(r, loaded, settings_doc, settings)
    for doc in loaded.valid("lead_type"):
        _check_lead_type(r, doc)
    facts: dict[str, MethodFacts] = {}
    for doc in loaded.valid("delivery_method"):
        method = doc.model
        assert isinstance(method, DeliveryMethod)
        lead_type = _lead_type_of(r, loaded, doc, method)
        facts[method.name] = check_method(r, doc, lead_type, settings)
    for doc in loaded.valid("delivery_account"):
        account = doc.model
        assert isinstance(account, DeliveryAccount)
        _check_account(r, loaded, doc, account, facts.get(account.method))
        check_account_controls(r, doc, account, settings)
    _check_sources(r, loaded)
    used = loaded.references("delivery_account")
    for doc in loaded.valid("delivery_method"):
        if doc.name not in used:
            r.warning(doc, ("name",), f"no delivery account uses {doc.label}: it is never pinged")
    return CheckResult(r.problems, facts)


def _lead_type_of(
    r: Reporter, loaded: LoadedSet, doc: Loaded, method: DeliveryMethod
) -> LeadType | None:
    target = loaded.get("lead_type", method.lead_type)
    if target is None:
        _dangling(r, loaded, doc, ("lead_type",), "lead type", method.lead_type, "lead_type")
        return None
    return target.model if isinstance(target.model, LeadType) else None


# --------------------------------------------------------------------------- lead types


def _check_lead_type(r: Reporter, doc: Loaded) -> None:
    lead_type = doc.model
    assert isinstance(lead_type, LeadType)
    check_lead_type_controls(r, doc, lead_type)
    for name, spec in lead_type.fields.items():
        path = ("fields", name)
        if spec.type == "enum" and not spec.values:
            r.error(doc, (*path, "type"), f"enum field `{name}` needs `values: [...]`")
        if spec.values is not None and spec.type != "enum":
            r.error(doc, (*path, "values"), f"`values` is for enum fields; `{name}` is {spec.type}")
        if spec.min is not None and spec.max is not None and spec.min > spec.max:
            r.error(doc, (*path, "max"), f"`{name}`: max {spec.max:g} is below min {spec.min:g}")
        if spec.pattern is not None:
            _regex(r, doc, (*path, "pattern"), spec.pattern)
    if lead_type.sample is None:
        r.warning(
            doc,
            ("name",),
            f"{doc.label} has no `sample`: validate cannot render the methods that use it",
        )
        return
    try:
        coerce_lead(lead_type.sample, lead_type, source="sample")
    except LeadError as exc:
        for message in exc.problems:
            field = message.split(":", 1)[0]
            where: NodePath = ("sample", field) if field in lead_type.sample else ("sample",)
            r.error(doc, where, f"the sample is not a valid lead: {message}", on="key")


# --------------------------------------------------------------------------- accounts


def _check_account(
    r: Reporter,
    loaded: LoadedSet,
    doc: Loaded,
    account: DeliveryAccount,
    facts: MethodFacts | None,
) -> None:
    if not account.enabled:
        r.warning(doc, ("enabled",), f"{doc.label} is disabled: it is never pinged", on="key")
    _check_pricing(r, doc, account, facts)
    target = loaded.get("delivery_method", account.method)
    if target is None:
        _dangling(r, loaded, doc, ("method",), "delivery method", account.method, "delivery_method")
        return
    method = target.model
    if not isinstance(method, DeliveryMethod) or facts is None:
        return  # the method has errors of its own, reported there
    for name, used_at in sorted(facts.account_vars.items()):
        if name not in account.vars:
            line, column = target.marks.position(used_at)
            r.error(
                doc,
                ("vars",) if "vars" in _keys(doc) else ("method",),
                f"{doc.label} has no var `{name}`, which {target.label} uses "
                f"(as account.vars.{name} at {target.marks.file}:{line}:{column})",
                on="key",
            )
    if account.environment == "test" and not facts.has_test_url:
        r.warning(
            doc,
            ("environment",),
            f"{doc.label} is in test mode but {target.label} has no ping `test_url`: "
            "test pings go to the production url",
        )
    lead_type = loaded.get("lead_type", method.lead_type)
    if lead_type is not None and isinstance(lead_type.model, LeadType):
        _check_filters(r, doc, account, lead_type.model)


def _check_pricing(
    r: Reporter, doc: Loaded, account: DeliveryAccount, facts: MethodFacts | None
) -> None:
    pricing = account.pricing
    low, high, fixed = pricing.min_bid, pricing.max_bid, pricing.fixed_price
    if low is not None and high is not None and low > high:
        r.error(doc, ("pricing", "max_bid"), f"max_bid {high} is below min_bid {low}")
    if facts is None or facts.reads_bid:
        return
    if fixed is None:
        r.warning(
            doc,
            ("pricing",) if "pricing" in _keys(doc) else ("method",),
            f"{doc.label}: its method reads no bid (no ping `response.bid`) and it sets no "
            "`pricing.fixed_price`, so its accepted pings have no price and cannot win",
            on="key",
        )
    elif (low is not None and fixed < low) or (high is not None and fixed > high):
        r.warning(
            doc,
            ("pricing", "fixed_price"),
            f"fixed_price {fixed} is outside [{_show(low)}, {_show(high)}]: every accepted "
            "ping loses",
        )


def _check_filters(r: Reporter, doc: Loaded, account: DeliveryAccount, lead_type: LeadType) -> None:
    for i, rule in enumerate(account.filters):
        path = ("filters", i)
        spec = lead_type.fields.get(rule.field)
        if spec is None:
            message = (
                f"filter on `{rule.field}`, which is not a field of lead type `{lead_type.name}`"
            )
            r.error(doc, (*path, "field"), message + _hint(rule.field, list(lead_type.fields)))
            continue
        if rule.matches is not None:
            _regex(r, doc, (*path, "matches"), rule.matches)
        if spec.type == "enum" and spec.values:
            wanted = [rule.equals] if rule.equals is not None else list(rule.in_ or ())
            for value in wanted:
                if str(value) not in spec.values:
                    r.warning(
                        doc,
                        (*path, "equals" if rule.equals is not None else "in"),
                        f"`{value}` is not one of `{rule.field}`'s values "
                        f"({', '.join(spec.values)}): it never matches",
                    )


# --------------------------------------------------------------------------- sources


def _check_sources(r: Reporter, loaded: LoadedSet) -> None:
    """Sources name lead types that exist, and no two share an API key (the key is
    how `serve` knows who posted)."""
    keys: dict[str, Loaded] = {}
    for doc in loaded.valid("source"):
        source = doc.model
        assert isinstance(source, Source)
        if not source.enabled:
            r.warning(doc, ("enabled",), f"{doc.label} is disabled: its key is refused", on="key")
        for i, name in enumerate(source.lead_types or ()):
            if loaded.get("lead_type", name) is None:
                _dangling(r, loaded, doc, ("lead_types", i), "lead type", name, "lead_type")
        first = keys.setdefault(source.api_key, doc)
        if first is not doc:
            r.error(
                doc,
                ("api_key",),
                f"{doc.label} has the same api_key as {first.label}: give each source its own "
                "key (the key tells `serve` who posted)",
            )


# --------------------------------------------------------------------------- helpers


def _regex(r: Reporter, doc: Loaded, path: tuple[str | int, ...], pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        r.error(doc, path, f"invalid regex `{pattern}`: {exc}")


def _dangling(
    r: Reporter, loaded: LoadedSet, doc: Loaded, path: NodePath, what: str, name: str, kind: str
) -> None:
    """A reference to a document that is not there, unless it may be in an unreadable file."""
    if loaded.has_unnamed(kind):
        return  # a document of that kind whose name could not be read: it may be that one
    suppress, note = loaded.unread_definition(name)
    if not suppress:
        r.error(doc, path, _no_such(what, name, loaded, kind) + note)


def _no_such(what: str, name: str, loaded: LoadedSet, kind: str) -> str:
    known = loaded.names(kind)
    text = f"no {what} named `{name}`" + _hint(name, known)
    return text + (f" (known: {', '.join(known)})" if known and len(known) <= 10 else "")


def _hint(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean `{close[0]}`?" if close else ""


def _keys(doc: Loaded) -> set[object]:
    return {path[0] for path in doc.marks.keys if len(path) == 1}


def _show(value: Decimal | None) -> str:
    return "…" if value is None else str(value)
