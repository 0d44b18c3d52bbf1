"""What rendering needs of one phase of a method, prepared once and cached.

Mappings are compiled into plans, templates compiled (so a syntax error is
found before any lead is rendered), header names and nesting checked. The
cache is keyed by the method object's identity and holds the method, so the
id cannot be reused while the entry lives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pingpost.config.models import DeliveryMethod, Request
from pingpost.errors import RenderError
from pingpost.mapping import FieldPlan, MappingError, plan_mappings
from pingpost.templating import Flavour, compile_template, is_template

Phase = Literal["ping", "post"]
CACHE_SIZE = 4096
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclass(frozen=True)
class Plan:
    request: Request
    fields: tuple[FieldPlan, ...]
    nested: bool  # json/xml: dotted names become objects


_PLANS: dict[tuple[int, str], tuple[DeliveryMethod, Plan]] = {}


def plan_for(method: DeliveryMethod, phase: Phase) -> Plan:
    key = (id(method), phase)
    cached = _PLANS.get(key)
    if cached is not None and cached[0] is method:
        return cached[1]
    try:
        plan = _make_plan(method, phase)
    except MappingError as exc:
        raise RenderError(method.name, phase, str(exc)) from None
    if len(_PLANS) >= CACHE_SIZE:
        _PLANS.clear()  # configs reloaded many times over: start afresh
    _PLANS[key] = (method, plan)  # holding the method keeps its id() from being reused
    return plan


def _make_plan(method: DeliveryMethod, phase: Phase) -> Plan:
    request: Request = method.ping if phase == "ping" else method.post
    mappings = dict(request.mappings)
    if phase == "post" and method.post.include_ping_mappings:
        mappings = {**method.ping.mappings, **method.post.mappings}
    content_type = request.content_type
    if request.body is not None and content_type in ("form", "query"):
        raise MappingError(
            f"`body` cannot be used with content_type {content_type} "
            "(form and query bodies are built from mappings): remove it"
        )
    for where, source, flavour in _template_strings(request):
        if is_template(source):
            try:
                compile_template(source, flavour)
            except Exception as exc:
                raise MappingError(f"{where}: template error: {exc}") from None
    for name in [*request.headers, *_auth_header_name(request)]:
        if not _HEADER_NAME.fullmatch(name):
            raise MappingError(f"header name `{name}` is not a valid HTTP header name")
    fields = plan_mappings(mappings, content_type=content_type)
    return Plan(request, fields, nested=content_type in ("json", "xml"))


def _template_strings(request: Request) -> list[tuple[str, str, Flavour]]:
    found: list[tuple[str, str, Flavour]] = [("url", request.url, "url")]
    if request.test_url is not None:
        found.append(("test_url", request.test_url, "url"))
    found += [(f"header `{k}`", v, "text") for k, v in request.headers.items()]
    found += [(f"auth {k}", v, "text") for k, v in _auth_strings(request)]
    if request.body is not None:
        flavour: Flavour = "xml" if request.content_type == "xml" else "json"
        found.append(("body", request.body, flavour))
    return found


def _auth_strings(request: Request) -> list[tuple[str, str]]:
    data = request.auth.model_dump()
    return [(k, v) for k, v in data.items() if k not in ("type", "name") and isinstance(v, str)]


def _auth_header_name(request: Request) -> list[str]:
    return [request.auth.name] if request.auth.type == "header" else []
