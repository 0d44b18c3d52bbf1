"""What counts as secret, and in which forms it is looked for (P12).

Secrets: every `${ENV}` value, literal auth values, and the credentials a
request actually carried (a header masked by name, the URL's password, a
credential query parameter): a value rendered from an account var is a
secret once it went on the wire. Pii: the values of a lead's pii fields, and
what a mapping or template made of them (`RenderedRequest.sensitive`).

Each value is looked for in the forms it takes on the wire (URL-, form-,
JSON- and XML-encoded), and becomes `Needle`s for the matcher: exact, a
whole token (a short secret), or in any case (pii of 3+ characters).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit

from pingpost.config.models import (
    BasicAuth,
    BearerAuth,
    DigestAuth,
    HeaderAuth,
    NoAuth,
    OAuth2Auth,
    QueryAuth,
)
from pingpost.exchange import ANY_FIELD, RenderedRequest
from pingpost.values import text_value

if TYPE_CHECKING:
    from pingpost.config.bundle import Config
    from pingpost.leads import Lead

MASK = "****"
MIN_PII_LENGTH = 2  # a one-letter value (an initial) would blank out half the output
CASELESS_PII_LENGTH = 3  # pii this long is matched in any case (`ADA` for `Ada`)
SHORT_SECRET = 4  # a shorter secret is masked only as a whole token (see docs/render.md)
CREDENTIAL_HEADERS = ("authorization", "proxy-authorization")
_AUTH_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,15}")


AuthSpec = NoAuth | BasicAuth | BearerAuth | HeaderAuth | QueryAuth | DigestAuth | OAuth2Auth


class Needle(NamedTuple):
    """One text to mask: `exact`ly, as a whole `token` (a short secret), or `caseless`."""

    text: str
    kind: Literal["exact", "token", "caseless"]


def needles(secrets: frozenset[str], pii: frozenset[str]) -> tuple[Needle, ...]:
    """The needles of `secrets` and `pii`, longest first. A secret shorter than SHORT_SECRET
    is matched only as a whole token; pii of CASELESS_PII_LENGTH or more in any case. A
    secret's needle wins over a pii one with the same text."""
    found: dict[str, Needle] = {}  # keyed by what is compared: a caseless needle lower-cased
    for value in pii:
        caseless = len(value) >= CASELESS_PII_LENGTH
        for form in wire_forms(value):
            if caseless:
                found[form.lower()] = Needle(form, "caseless")
            else:
                found.setdefault(form, Needle(form, "exact"))
    found.update(_secret_needles(secrets))
    found.pop(MASK, None)
    found.pop("", None)
    # ties in text order: a set's iteration order varies with the hash seed and with how
    # the set was built, and the masking (and `for_result` == `for_lead`) must not
    ordered = sorted(found.items(), key=lambda item: (-len(item[0]), item[0]))
    return tuple(needle for _, needle in ordered)


@functools.lru_cache(maxsize=8)
def _secret_needles(secrets: frozenset[str]) -> dict[str, Needle]:
    """The secrets' part of `needles`: the same for every lead of a run, so built once."""
    found: dict[str, Needle] = {}
    for value in secrets:
        # a 1-3 character secret matched inside words would blank out every `h`
        kind: Literal["exact", "token"] = "token" if len(value) < SHORT_SECRET else "exact"
        for form in wire_forms(value):
            found[form] = Needle(form, kind)
    return found


@functools.lru_cache(maxsize=4096)
def wire_forms(value: str) -> frozenset[str]:
    """The value as it may appear in a URL, a form, a JSON string or XML text."""
    xml_min = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    xml_full = xml_min.replace('"', "&quot;").replace("'", "&apos;")
    for char, ref in (("\t", "&#9;"), ("\n", "&#10;"), ("\r", "&#13;")):
        xml_full = xml_full.replace(char, ref)
    return frozenset(
        {
            value,
            quote(value, safe=""),
            quote(value),
            quote_plus(value, safe=""),
            json.dumps(value, ensure_ascii=False)[1:-1],
            json.dumps(value)[1:-1],
            xml_min,
            xml_full,
        }
    )


# --------------------------------------------------------------------------- pii


def pii_fields(config: Config, lead: Lead) -> frozenset[str]:
    lead_type = config.lead_types.get(lead.lead_type)
    if lead_type is None:
        return frozenset()
    return frozenset(name for name, spec in lead_type.fields.items() if spec.pii)


def pii_values(config: Config, lead: Lead) -> list[str]:
    """The text forms of `lead`'s values in fields marked pii."""
    lead_type = config.lead_types.get(lead.lead_type)
    if lead_type is None:
        return []
    found: list[str] = []
    for name, spec in lead_type.fields.items():
        value = lead.values.get(name)
        if value is None or not spec.pii:
            continue
        found.append(text_value(value))
        if spec.type == "phone" and isinstance(value, str) and len(value) == 10:
            found += _phone_forms(value)
        elif isinstance(value, date):
            found.append(value.strftime("%m/%d/%Y"))
    return found


def _phone_forms(d: str) -> list[str]:
    a, b, c = d[:3], d[3:6], d[6:]
    return [f"{a}-{b}-{c}", f"({a}) {b}-{c}", f"({a}){b}-{c}", f"{a}.{b}.{c}", f"1{d}", f"+1{d}"]


def sensitive_values(
    requests: Iterable[RenderedRequest | None], fields: frozenset[str]
) -> list[str]:
    """What `requests` rendered from the pii `fields` (or from a field of unknown origin)."""
    return [
        text
        for r in requests
        if r is not None
        for name, text in r.sensitive
        if name in fields or name == ANY_FIELD
    ]


def requests_of(result: Any) -> list[RenderedRequest]:
    """Every request in an auction result (`accounts`) or a check result (`checks`)."""
    found: list[RenderedRequest | None] = []
    for account in getattr(result, "accounts", ()):
        found += [e.request for e in (account.ping, account.post) if e is not None]
    found += [check.request for check in getattr(result, "checks", ())]
    return [r for r in found if r is not None]


# --------------------------------------------------------------------------- credentials


class ConfigSecrets(NamedTuple):
    """A config's secret values, credential header names and query parameter names."""

    values: frozenset[str]
    headers: tuple[str, ...]
    params: tuple[str, ...]


_CONFIG_CACHE: list[tuple[object, ConfigSecrets]] = []


def config_secrets(config: Config) -> ConfigSecrets:
    """Every `${ENV}` value and literal auth value, and the names of the headers and query
    parameters that carry a method's credentials."""
    for cached_config, found in _CONFIG_CACHE:
        if cached_config is config:
            return found
    secrets = set(config.secrets)
    headers: set[str] = set()
    params: set[str] = set()
    for method in config.methods.values():
        for request in (method.ping, method.post):
            secrets.update(literal_secrets(request.auth))
            headers.update(secret_header_names(request.auth))
            params.update(secret_query_names(request.auth))
    found = ConfigSecrets(frozenset(secrets), tuple(sorted(headers)), tuple(sorted(params)))
    _CONFIG_CACHE[:] = [(config, found)]  # one config per process is the usual case
    return found


def secret_header_names(auth: AuthSpec) -> tuple[str, ...]:
    """Headers whose whole value is a credential (masked by name)."""
    if isinstance(auth, BasicAuth | BearerAuth | DigestAuth | OAuth2Auth):
        return ("Authorization",)
    if isinstance(auth, HeaderAuth):
        return (auth.name,)
    return ()


def secret_query_names(auth: AuthSpec) -> tuple[str, ...]:
    return (auth.name,) if isinstance(auth, QueryAuth) else ()


def literal_secrets(auth: AuthSpec) -> tuple[str, ...]:
    """Auth values written literally in config (templates are masked by name instead)."""
    if isinstance(auth, BasicAuth | DigestAuth):
        values: tuple[str, ...] = (auth.password,)
    elif isinstance(auth, BearerAuth):
        values = (auth.token,)
    elif isinstance(auth, HeaderAuth | QueryAuth):
        values = (auth.value,)
    elif isinstance(auth, OAuth2Auth):
        values = (auth.client_secret,)
    else:
        values = ()
    return tuple(v for v in values if v and "{{" not in v)


def header_credential(value: str) -> str:
    """The credential in a header masked by name: the value after an auth scheme
    (`Bearer`, `Basic`), else the whole value."""
    scheme, space, rest = value.partition(" ")
    if space and is_auth_scheme(scheme):
        return rest
    return value


def is_auth_scheme(word: str) -> bool:
    """`Bearer`, `Basic`, `Token`: a short word that names how a credential is given."""
    return _AUTH_SCHEME.fullmatch(word) is not None


def request_credentials(
    request: RenderedRequest, headers: frozenset[str], params: frozenset[str]
) -> list[str]:
    """The credentials `request` carried: the values of its `headers` (lower-cased names)
    after any scheme, its URL's password, and the values of its query `params`."""
    found = [header_credential(v) for k, v in request.headers if k.lower() in headers]
    url = request.url
    if "@" not in url and not (params and "?" in url):  # most URLs: nothing to parse
        return [c for c in found if c.strip()]
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return [c for c in found if c.strip()]
    if password:
        found += [password, unquote(password)]
    if params:
        for pair in parts.query.split("&"):
            name, eq, value = pair.partition("=")
            if eq and unquote_plus(name) in params:
                found += [value, unquote_plus(value)]
    return [c for c in found if c.strip()]
