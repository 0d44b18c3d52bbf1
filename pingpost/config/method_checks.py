"""Cross checks of one delivery method: lead fields, captures, templates, rules, retries."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from pingpost.config.documents import Loaded, Reporter
from pingpost.config.marks import NodePath
from pingpost.config.models import DeliveryMethod, LeadType, Mapping, Request, Settings
from pingpost.config.rule_checks import check_response
from pingpost.config.template_check import GLOBALS, TemplateProblem, analyse
from pingpost.config.wire_checks import check_wire
from pingpost.mapping import MappingError, check_nesting, parse_format
from pingpost.templating import Flavour, is_template
from pingpost.values import XML_NAME

Phase = Literal["ping", "post"]
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BODY_TYPES = ("json", "xml", "form")


@dataclass
class MethodFacts:
    """What accounts must provide for this method: `account.vars.X` -> where it is used."""

    account_vars: dict[str, NodePath] = field(default_factory=dict)
    reads_bid: bool = False
    has_test_url: bool = False


@dataclass
class _Scope:
    """One phase of one method, while it is being checked."""

    r: Reporter
    doc: Loaded
    method: DeliveryMethod
    phase: Phase
    lead_type: LeadType | None
    facts: MethodFacts

    @property
    def captured(self) -> set[str]:
        return set(self.method.ping.response.capture)


def check_method(
    r: Reporter, doc: Loaded, lead_type: LeadType | None, settings: Settings
) -> MethodFacts:
    """Every static check of `doc` (a valid delivery method); lead_type None when unknown."""
    method = doc.model
    assert isinstance(method, DeliveryMethod)
    facts = MethodFacts(
        reads_bid=method.ping.response.bid is not None,
        has_test_url=method.ping.test_url is not None,
    )
    for phase in ("ping", "post"):
        scope = _Scope(r, doc, method, phase, lead_type, facts)
        _check_request(scope, method.ping if phase == "ping" else method.post)
    _check_nesting(r, doc, method)
    _check_post_retry(r, doc, method)
    _check_examples(r, doc, method)
    check_wire(r, doc, method)
    timeout = method.ping.timeout
    deadline = settings.auction.ping_deadline
    if timeout is not None and timeout > deadline:
        r.warning(
            doc,
            ("ping", "timeout"),
            f"ping timeout {timeout:g} s is longer than the auction's ping_deadline "
            f"{deadline:g} s: the round ends first, so the ping is cut at {deadline:g} s",
        )
    return facts


def _check_request(s: _Scope, request: Request) -> None:
    phase = s.phase
    _check_url(s, (phase, "url"), request.url)
    if request.test_url is not None:
        _check_url(s, (phase, "test_url"), request.test_url)
    for name, value in request.headers.items():
        if not _is_token(name):
            s.r.error(s.doc, (phase, "headers", name), _bad_header(name), on="key")
        _template(s, (phase, "headers", name), value, "text")
    auth = request.auth.model_dump()
    if auth["type"] == "header" and not _is_token(auth["name"]):
        s.r.error(s.doc, (phase, "auth", "name"), _bad_header(auth["name"]))
    for key, value in auth.items():
        if key == "token_url":
            _check_url(s, (phase, "auth", key), value)
        elif key not in ("type", "name") and isinstance(value, str):
            _template(s, (phase, "auth", key), value, "text")
    if request.body is not None:
        if request.content_type in ("form", "query"):
            s.r.error(
                s.doc,
                (phase, "body"),
                f"`body` cannot be used with content_type {request.content_type}: form and "
                "query bodies are built from the mappings (remove `body`)",
                on="key",
            )
        else:
            flavour: Flavour = "xml" if request.content_type == "xml" else "json"
            _template(s, (phase, "body"), request.body, flavour, in_body=True)
    if request.method == "GET" and request.content_type in _BODY_TYPES:
        s.r.warning(
            s.doc,
            (phase, "method"),
            f"a GET with content_type {request.content_type} sends a body, which most "
            "servers ignore; use content_type: query to send the fields in the URL",
        )
    if request.content_type == "xml" and not XML_NAME.fullmatch(request.xml_root):
        s.r.error(s.doc, (phase, "xml_root"), f"`{request.xml_root}` is not a valid XML name")
    for name, mapping in request.mappings.items():
        _check_mapping(s, (phase, "mappings", name), name, mapping)
    check_response(s.r, s.doc, (phase, "response"), request.response)


def _check_url(s: _Scope, path: NodePath, url: str) -> None:
    if is_template(url):
        _template(s, path, url, "url")
    head = url.split("{", 1)[0]
    if head != url and "://" not in head:
        return  # the template writes the scheme and host (e.g. `{{ account.vars.base }}/ping`)
    parts = urlsplit(head)
    if parts.scheme not in ("http", "https") or (not parts.netloc and head == url):
        s.r.error(
            s.doc,
            path,
            f"`{url[:60]}` is not an http:// or https:// URL with a host",
        )


def _check_mapping(s: _Scope, path: NodePath, name: str, mapping: Mapping) -> None:
    source = mapping.source
    if source == "field":
        _lead_field(s, (*path, "field"), mapping.field or "", f"buyer field `{name}`")
    elif source == "capture":
        _capture(s, (*path, "capture"), mapping.capture or "", f"buyer field `{name}`")
    elif source == "template" and mapping.template is not None:
        _template(s, (*path, "template"), mapping.template, "text")
    elif source == "value" and isinstance(mapping.value, str):
        _template(s, (*path, "value"), mapping.value, "text")
    if mapping.format is not None:
        try:
            parse_format(mapping.format)
        except ValueError as exc:
            s.r.error(s.doc, (*path, "format"), f"buyer field `{name}`: {exc}")
    if mapping.strict_map and mapping.map is None:
        s.r.warning(s.doc, (*path, "strict_map"), "`strict_map` does nothing without a `map`")


def _lead_field(s: _Scope, path: NodePath, name: str, user: str, shown: str = "") -> None:
    """`user` ("buyer field `zip`", "the template") reads lead field `name` (as `shown`)."""
    lead_type = s.lead_type
    if lead_type is None:
        return
    shown = shown or name
    spec = lead_type.fields.get(name)
    if spec is None:
        message = f"{user} reads `{shown}`, which is not a field of lead type `{lead_type.name}`"
        message += _hint(name, lead_type.fields)
        s.r.error(s.doc, path, message)
    elif spec.pii and s.phase == "ping":
        s.r.warning(
            s.doc,
            path,
            f"{user} sends `{shown}`, a pii field, in the ping; pings should carry the "
            "minimum (send it in the post)",
        )


def _capture(s: _Scope, path: NodePath, name: str, user: str) -> None:
    if s.phase == "ping":
        s.r.error(s.doc, path, f"{user}: a ping has no captures (`capture` is for post mappings)")
    elif name not in s.captured:
        s.r.error(
            s.doc, path, f"{user} uses the capture `{name}`, {_not_captured(name, s.captured)}"
        )


def _template(
    s: _Scope, path: NodePath, source: str, flavour: Flavour, *, in_body: bool = False
) -> None:
    if not is_template(source):
        return
    try:
        use = analyse(source, flavour)
    except TemplateProblem as exc:
        message = str(exc)
        if path in s.doc.secret_paths:  # Jinja quotes the source: it may be part of a secret
            message = "template error (details hidden: the value holds an environment secret)"
        s.r.at(s.doc, s.doc.marks.text_position(path, exc.line), message)
        return
    allowed = {"lead", "account", "lead_id", "test"} | ({"ping"} if s.phase == "post" else set())
    allowed |= {"fields"} if in_body else set()
    for name in sorted(use.names - allowed - GLOBALS):
        s.r.error(s.doc, path, _unknown_name(name, s.phase, allowed))
    for name in sorted(use.lead_fields):
        _lead_field(s, path, name, "the template", f"lead.{name}")
    if s.phase == "post":
        for name in sorted(use.captures - s.captured):
            s.r.error(
                s.doc, path, f"the template uses `ping.{name}`, {_not_captured(name, s.captured)}"
            )
    for name in use.account_vars:
        s.facts.account_vars.setdefault(name, path)


def _check_nesting(r: Reporter, doc: Loaded, method: DeliveryMethod) -> None:
    for phase in ("ping", "post"):
        request = method.ping if phase == "ping" else method.post
        names = list(request.mappings)
        if phase == "post" and method.post.include_ping_mappings:
            names = list({**method.ping.mappings, **method.post.mappings})
        if request.content_type not in ("json", "xml"):
            continue
        try:
            check_nesting(names, xml=request.content_type == "xml")
        except MappingError as exc:
            r.error(doc, (phase, "mappings"), str(exc), on="key")


def _check_post_retry(r: Reporter, doc: Loaded, method: DeliveryMethod) -> None:
    risky = [on for on in method.post.retry.on if on != "connect"]
    if risky and method.post.idempotency_key is None:
        r.error(
            doc,
            ("post", "retry", "on"),
            f"a post retried on {', '.join(risky)} may reach the buyer twice and sell the "
            "lead twice: add `idempotency_key: {header: Idempotency-Key}` (a key the buyer "
            "honours) or retry only on connect (guarantee P5)",
        )


def _check_examples(r: Reporter, doc: Loaded, method: DeliveryMethod) -> None:
    captured = set(method.ping.response.capture)
    for i, example in enumerate(method.examples):
        if example.ping is None and example.post is None:
            r.error(doc, ("examples", i), "an example needs `ping`, `post` or both", on="key")
        if example.ping is not None and example.ping.expect.capture:
            for name in example.ping.expect.capture:
                if name not in captured:
                    path = ("examples", i, "ping", "expect", "capture", name)
                    r.error(doc, path, f"the ping does not capture `{name}`", on="key")


# --------------------------------------------------------------------------- messages


def _is_token(name: str) -> bool:
    return _HEADER_NAME.fullmatch(name) is not None


def _bad_header(name: str) -> str:
    return f"`{name}` is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"


def _not_captured(name: str, captured: Iterable[str]) -> str:
    known = sorted(captured)
    text = "which the ping does not capture (add it under ping.response.capture)"
    return text + _hint(name, known)


def _unknown_name(name: str, phase: Phase, allowed: set[str]) -> str:
    if name == "ping":
        return "`ping` (the ping's captures) exists only in post templates"
    if name == "fields":
        return "`fields` (the mapped buyer fields) exists only in `body` templates"
    return (
        f"the template uses `{name}`, which is not defined; it may use "
        + ", ".join(sorted(allowed))
        + _hint(name, sorted(allowed))
    )


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean `{close[0]}`?" if close else ""
