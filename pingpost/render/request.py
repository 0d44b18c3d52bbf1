"""`render_request`: one phase of a delivery method + a lead -> the exact HTTP request.

What depends only on the method (mapping plans, template compilation, name
checks) is prepared once per (method, phase) and cached; a render is then
mappings -> body (parsed back, P10) -> URL -> headers (no CR/LF).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import UndefinedError
from jinja2.exceptions import SecurityError

from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType, Request
from pingpost.errors import AccountNeeded, LeadError, RenderError
from pingpost.exchange import RenderedRequest
from pingpost.leads import Lead
from pingpost.mapping import LeadValueError, MappingError, apply_mappings, nest
from pingpost.render.auth import auth_headers, auth_query, send_auth
from pingpost.render.bodies import CONTENT_TYPES, BodyError, build_body, encode_pairs, parse_back
from pingpost.render.plan import CACHE_SIZE, Phase, Plan, plan_for
from pingpost.templating import (
    AccountVars,
    Captures,
    Flavour,
    LeadValues,
    MissingValue,
    close_budget,
    close_record,
    is_template,
    lead_origin,
    open_budget,
    open_record,
    recordable_text,
    referenced_attributes,
    render_template,
    template_globals,
    template_roots,
)
from pingpost.values import XML_ILLEGAL, UnwritableValue, XmlIllegalCharacter

NO_CAPTURES: Mapping[str, str] = MappingProxyType({})
NIL_LEAD_ID = "00000000-0000-0000-0000-000000000000"
_BAD_HEADER_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_URL_CHARACTER = re.compile(r"[\x00-\x20\x7f]")
_MEMO: dict[tuple[str, str, int, bool], tuple[object, str]] = {}
_ACCOUNT_ONLY = frozenset({"account", "test"})
_GLOBALS = template_globals()
ACCEPT = {"json": "application/json", "xml": "application/xml"}
ACCEPT_ENCODING = "gzip, deflate"  # what the transport decodes
_DOT_SEGMENTS = frozenset({"", ".", ".."})


def render_request(
    method: DeliveryMethod,
    phase: Phase,
    lead: Lead,
    *,
    account: DeliveryAccount | None = None,
    captures: Mapping[str, str] = NO_CAPTURES,
    lead_id: str = NIL_LEAD_ID,
    test: bool = False,
    user_agent: str = "pingpost",
    lead_type: LeadType | None = None,
) -> RenderedRequest:
    """Render one phase of `method` for `lead`; nothing is sent.

    Raises RenderError (naming method and phase) when the config cannot build
    the request, LeadError for a lead value the request cannot carry. Pass
    `lead_type` to have mapping names checked against it (validate, render).
    """
    plan = plan_for(method, phase)
    renderer = _Renderer(lead, account, captures, phase, lead_id, test)
    spending = open_budget()  # what this request's templates may spend (P11)
    record, recording = open_record()  # what they make of lead fields (masked, P12)
    try:
        flat = apply_mappings(
            plan.fields,
            renderer.render_text,
            lead_values=lead.values,
            captures=captures,
            lead_type=lead_type,
        )
        body = renderer.body(plan.request, nest(flat) if plan.nested else flat)
        url = renderer.url(plan.request, flat)
        headers = renderer.headers(plan.request, user_agent)
        auth = send_auth(plan.request.auth, lambda s, w: renderer.text(s, "text", w))
    except MappingError as exc:
        needs_account = exc.missing is not None and exc.missing.needs_account
        error = AccountNeeded if needs_account else RenderError
        raise error(method.name, phase, str(exc), path=exc.path) from None
    except BodyError as exc:  # the body does not parse back
        part = ("body",) if plan.request.body is not None else ()
        raise RenderError(method.name, phase, str(exc), path=part) from None
    except LeadValueError as exc:
        raise LeadError([str(exc)], f"lead (for {method.name} {phase})") from None
    except XmlIllegalCharacter as exc:
        raise _xml_problem(method.name, phase, lead, exc) from None
    finally:
        close_record(recording)
        close_budget(spending)
    sensitive = _lead_derived(plan, flat, record.values)
    return RenderedRequest(plan.request.method, url, headers, body, sensitive=sensitive, auth=auth)


def _lead_derived(
    plan: Plan, flat: Mapping[str, Any], recorded: list[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """(lead field, text) of the buyer field values and template outputs made from lead
    values, so the Masker can hide what a mapping made of a pii field (P12)."""
    found = recorded
    for name, origin in _derived_fields(plan):
        text = recordable_text(flat.get(name))
        if text:
            found += [(field, text) for field in origin]
    return tuple(dict.fromkeys(found)) if found else ()


_DERIVED: dict[int, tuple[Plan, tuple[tuple[str, tuple[str, ...]], ...]]] = {}


def _derived_fields(plan: Plan) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(buyer field, lead fields) of mappings whose value may differ from the lead's own
    (a format, a value map, a template); an unchanged lead value is masked as it is."""
    cached = _DERIVED.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    found: list[tuple[str, tuple[str, ...]]] = []
    for field_plan in plan.fields:
        if field_plan.source == "field" and field_plan.key is not None:
            if field_plan.formatter is not None or field_plan.value_map is not None:
                found.append((field_plan.name, (field_plan.key,)))
        elif field_plan.template is not None:
            origin = lead_origin(field_plan.template)
            if origin:
                found.append((field_plan.name, origin))
    if len(_DERIVED) >= CACHE_SIZE:
        _DERIVED.clear()
    _DERIVED[id(plan)] = (plan, tuple(found))  # holding the plan keeps its id() valid
    return tuple(found)


# --------------------------------------------------------------------------- rendering


class _Renderer:
    """One render's context, and the templates rendered in it."""

    def __init__(
        self,
        lead: Lead,
        account: DeliveryAccount | None,
        captures: Mapping[str, str],
        phase: Phase,
        lead_id: str,
        test: bool,
    ) -> None:
        self.account = account
        self.test = test or (account is not None and account.environment == "test")
        name = account.name if account else ""
        self.context: dict[str, Any] = {
            **_GLOBALS,
            "lead": LeadValues(lead.values),
            "account": {
                "name": name,
                "vars": AccountVars(account.vars if account else {}, name),
                "environment": account.environment if account else "production",
            },
            "lead_id": lead_id,
            "test": self.test,
        }
        if phase == "post":
            self.context["ping"] = Captures(captures)

    def render(self, source: str, flavour: Flavour, context: dict[str, Any] | None = None) -> str:
        """Render a template; those reading only `account`/`test` are memoised per account."""
        if context is None and template_roots(source) <= _ACCOUNT_ONLY:
            key = (source, flavour, id(self.account), self.test)
            hit = _MEMO.get(key)
            if hit is not None and hit[0] is self.account:
                return hit[1]
            text = render_template(source, flavour, self.context)
            if len(_MEMO) >= CACHE_SIZE:
                _MEMO.clear()
            _MEMO[key] = (self.account, text)  # holding the account keeps its id() valid
            return text
        return render_template(source, flavour, context or self.context)

    def render_text(self, source: str) -> str:
        return self.render(source, "text")

    def text(
        self, source: str, flavour: Flavour, where: str, context: dict[str, Any] | None = None
    ) -> str:
        """`_text`, with the part at fault (`where`) kept on its error for validate."""
        try:
            return self._text(source, flavour, where, context)
        except MappingError as exc:
            exc.path = exc.path or _part_path(where)
            raise

    def _text(
        self, source: str, flavour: Flavour, where: str, context: dict[str, Any] | None = None
    ) -> str:
        """A config string: literal as is, or its template rendered; errors become
        MappingError saying where."""
        if not is_template(source):
            return source
        try:
            return self.render(source, flavour, context)
        except MissingValue as missing:
            error = MappingError(_missing_message(missing, where))
            error.missing = missing
            raise error from None
        except XmlIllegalCharacter:
            raise
        except (UndefinedError, SecurityError, UnwritableValue) as exc:
            raise MappingError(f"{where}: {exc}") from None
        except Exception as exc:
            raise MappingError(f"{where}: template error: {type(exc).__name__}: {exc}") from None

    def body(self, request: Request, fields: Mapping[str, Any]) -> bytes:
        content_type = request.content_type
        try:
            if request.body is not None:
                flavour: Flavour = "xml" if content_type == "xml" else "json"
                context = {**self.context, "fields": fields}
                body = self.text(request.body, flavour, "body", context).encode("utf-8")
            else:
                body = build_body(content_type, fields, xml_root=request.xml_root)
        except UnicodeEncodeError:
            raise MappingError("a value holds an unpaired surrogate (not valid unicode)") from None
        except UnwritableValue as exc:
            raise MappingError(f"body: {exc}") from None
        parse_back(content_type, body, template=request.body)
        return body

    def url(self, request: Request, flat: Mapping[str, Any]) -> str:
        source, where = request.url, "url"
        if self.test and request.test_url is not None:
            source, where = request.test_url, "test_url"
        url = self.text(source, "url", where)
        if is_template(source):
            self._check_path(url, source, where)
        extra: list[str] = []
        if request.content_type == "query" and flat:
            query = encode_pairs(flat)
            parse_back("form", query.encode("ascii"))  # P10: the query string parses too
            extra.append(query)
        auth = auth_query(request.auth, lambda s, w: self.text(s, "text", w))
        if auth is not None:
            extra.append(urlencode([auth]))
        if extra:
            url = _append_query(url, "&".join(extra))
        _check_url(url, where)
        return url

    def _check_path(self, url: str, source: str, where: str) -> None:
        """A value in the path must stay one segment: `..`, `.` or nothing would move it."""
        path = urlsplit(url).path
        template_path = urlsplit(source.partition("{")[0]).path  # the literal part
        segments = path.split("/")[1:]
        bad = [s for s in segments if s in (".", "..")]
        if not bad and ("//" not in path or "//" in template_path):
            return
        captures: Captures = self.context.get("ping", Captures())
        named = [
            f"capture `{name}` is `{captures[name]}`"
            for name in sorted(referenced_attributes(source, "ping"))
            if captures.get(name) in _DOT_SEGMENTS
        ]
        culprit = "; ".join(named) or "a value inserted into it is empty, `.` or `..`"
        raise MappingError(
            f"the rendered {where} has an empty, `.` or `..` path segment: {culprit}, which "
            "would change the URL path; refused (nothing was sent)"
        )

    def headers(self, request: Request, user_agent: str) -> tuple[tuple[str, str], ...]:
        headers: dict[str, tuple[str, str]] = {}  # lower-cased name -> (name, value)
        if request.content_type in CONTENT_TYPES:
            headers["content-type"] = ("Content-Type", CONTENT_TYPES[request.content_type])
        headers["user-agent"] = ("User-Agent", user_agent)
        # Set here, not by the HTTP client, so that what is shown is what is sent.
        headers["accept"] = ("Accept", ACCEPT.get(request.response.format, "*/*"))
        headers["accept-encoding"] = ("Accept-Encoding", ACCEPT_ENCODING)
        for name, value in request.headers.items():
            headers[name.lower()] = (name, self.text(value, "text", f"header `{name}`"))
        for name, value in auth_headers(request.auth, lambda s, w: self.text(s, "text", w)):
            headers[name.lower()] = (name, value)
        for name, value in headers.values():
            if _BAD_HEADER_VALUE.search(value):
                raise MappingError(
                    f"header `{name}` would contain a CR, LF or control character; refused "
                    "(a header value cannot carry line breaks)"
                )
        return tuple(headers.values())


def _part_path(where: str) -> tuple[str, ...]:
    """`header `X-Key`` -> ("headers", "X-Key"), `auth token` -> ("auth", "token"), `url` ..."""
    if where.startswith("header `"):
        return ("headers", where[len("header `") : -1])
    if where.startswith("auth "):
        return ("auth", where[len("auth ") :])
    return (where,) if where in ("url", "test_url", "body") else ()


def _missing_message(missing: MissingValue, where: str) -> str:
    if missing.kind == "lead":
        return (
            f"{where} uses lead.{missing.name}, which this lead does not have "
            f"(guard it with `{{% if lead.{missing.name} is defined %}}` or `| default(...)`)"
        )
    if missing.kind == "capture":
        return f"{where} uses ping.{missing.name}, which the ping did not capture"
    return f"{where}: {missing}"


def _append_query(url: str, query: str) -> str:
    base, hash_, fragment = url.partition("#")
    if "?" not in base:
        base += "?"
    elif not base.endswith(("?", "&")):
        base += "&"
    return base + query + hash_ + fragment


def _check_url(url: str, where: str) -> None:
    # The URL itself is never quoted in a message: it may hold a credential.
    if _BAD_URL_CHARACTER.search(url):
        raise MappingError(f"the rendered {where} contains a space or control character")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise MappingError(f"the rendered {where} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MappingError(f"the rendered {where} is not an http(s) URL with a host")


def _xml_problem(
    method: str, phase: str, lead: Lead, exc: XmlIllegalCharacter
) -> LeadError | RenderError:
    problems = []
    for name, value in lead.values.items():
        bad = XML_ILLEGAL.search(value) if isinstance(value, str) else None
        if bad is not None:
            problems.append(
                f"{name}: U+{ord(bad.group()):04X} at position {bad.start()} cannot be carried "
                f"in XML 1.0, which {method} {phase} sends"
            )
    if problems:
        return LeadError(problems, "lead")
    return RenderError(method, phase, f"a value from a template or capture: {exc}")
