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

import base64
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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
STANDARD_SCHEMES = ("Basic", "Bearer")  # what the auth kinds write before a credential


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


# characters no form below changes: URL-unreserved (what `quote` never escapes), which
# JSON and XML also leave as they are
_UNCHANGED = re.compile(r"[A-Za-z0-9_.~-]*")


# printable ASCII that JSON and XML write as it is (no quote, backslash, slash, markup)
_TEXT_AS_IS = re.compile(r"[ !#-%(-.0-;=?-\[\]-~]*")


@functools.lru_cache(maxsize=4096)
def wire_forms(value: str) -> frozenset[str]:
    """The value as it may appear in a URL, a form, a JSON string (`/` escaped or not) or
    XML text."""
    if _UNCHANGED.fullmatch(value):  # names, ZIP codes, ids: every form is the value itself
        return frozenset((value,))
    if _TEXT_AS_IS.fullmatch(value):  # emails, phones, street addresses: URL forms only
        escaped = quote(value, safe="")  # `quote(value)` too: there is no `/` to keep
        plus = quote(value, safe=" ").replace(" ", "+") if " " in value else escaped
        return frozenset((value, escaped, plus))
    return all_forms(value)


def all_forms(value: str) -> frozenset[str]:
    """`wire_forms` of any value, every form computed."""
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
            json.dumps(value)[1:-1].replace("/", "\\/"),  # `\/`, as PHP and others write it
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


_KEEP_FOUND = 1024  # requests whose credentials are kept: the auctions in flight, and more


@dataclass(frozen=True)
class CredentialNames:
    """Where credentials travel, masked by name whatever their value: headers (lower-cased
    name -> the schemes the config writes before the credential, `Bearer`, kept visible)
    and query parameters."""

    headers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    params: frozenset[str] = frozenset()
    # what `carried` found, by request (the store's record and the printed result of one
    # lead ask for the same requests): id -> (the request, its credentials)
    _found: dict[int, tuple[RenderedRequest, tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(
        cls,
        headers: Iterable[str],
        params: Iterable[str],
        schemes: Mapping[str, Iterable[str]],
        *,
        standard: bool,
    ) -> CredentialNames:
        """`standard`: `Authorization` and `Proxy-Authorization` too (unless secrets are
        shown), with the schemes pingpost's auth kinds write, `Basic` and `Bearer`."""
        found: dict[str, set[str]] = {}
        if standard:
            found = {name: set(STANDARD_SCHEMES) for name in CREDENTIAL_HEADERS}
        for name in headers:
            found.setdefault(name.lower(), set())
        for name, words in schemes.items():
            if name.lower() in found:
                found[name.lower()].update(words)
        return cls({k: frozenset(v) for k, v in found.items()}, frozenset(params))

    def header(self, name: str, value: str) -> str | None:
        """The value of header `name` masked by name (its scheme kept when the config writes
        it, `Bearer ****`), or None when `name` carries no credential."""
        schemes = self.headers.get(name.lower())
        if schemes is None:
            return None
        scheme, space, _ = value.partition(" ")
        return f"{scheme} {MASK}" if space and scheme in schemes else MASK

    def carried(self, request: RenderedRequest) -> tuple[str, ...]:
        """The credentials `request` carried: each credential header's value (and what
        follows a scheme the config writes), its URL's password, its credential params."""
        held = self._found.get(id(request))
        if held is not None and held[0] is request:
            return held[1]
        found = tuple(self._carried(request))
        if len(self._found) >= _KEEP_FOUND:
            self._found.clear()
        self._found[id(request)] = (request, found)  # holding `request` keeps its id valid
        return found

    def _carried(self, request: RenderedRequest) -> list[str]:
        found: list[str] = []
        for name, value in request.headers:
            schemes = self.headers.get(name.lower())
            if schemes is not None:
                scheme, space, rest = value.partition(" ")
                found += [value, rest] if space and scheme in schemes else [value]
        url = request.url
        if "@" in url or (self.params and "?" in url):  # most URLs: nothing to parse
            found += self._in_url(url)
        return [c for c in found if c.strip()]

    def _in_url(self, url: str) -> list[str]:
        try:
            parts = urlsplit(url)
            password = parts.password
        except ValueError:
            return []
        found = [password, unquote(password)] if password else []
        for pair in parts.query.split("&") if self.params else ():
            name, eq, value = pair.partition("=")
            if eq and unquote_plus(name) in self.params:
                found += [value, unquote_plus(value)]
        return found


class ConfigSecrets(NamedTuple):
    """A config's secret values, and where its methods' credentials travel."""

    values: frozenset[str]
    headers: tuple[str, ...]
    params: tuple[str, ...]
    schemes: Mapping[str, frozenset[str]]  # header -> the schemes the config writes


_CONFIG_CACHE: list[tuple[object, ConfigSecrets]] = []


def config_secrets(config: Config) -> ConfigSecrets:
    """Every `${ENV}` value and literal auth value (in the forms they go on the wire), and
    the headers and query parameters that carry a method's credentials."""
    for cached_config, found in _CONFIG_CACHE:
        if cached_config is config:
            return found
    secrets = set(config.secrets)
    headers: set[str] = set()
    params: set[str] = set()
    schemes: dict[str, set[str]] = {}
    for method in config.methods.values():
        for request in (method.ping, method.post):
            auth = request.auth
            secrets.update(literal_secrets(auth))
            headers.update(secret_header_names(auth))
            params.update(secret_query_names(auth))
            scheme = written_scheme(auth, config.secrets)
            if scheme:
                schemes.setdefault("authorization", set()).add(scheme)
    found = ConfigSecrets(
        frozenset(secrets),
        tuple(sorted(headers)),
        tuple(sorted(params)),
        {name: frozenset(words) for name, words in schemes.items()},
    )
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


def written_scheme(auth: AuthSpec, secrets: frozenset[str]) -> str | None:
    """The scheme word the config writes before the credential (`Basic`, `Digest`, a
    bearer prefix written as such), shown in masked output; a prefix from the environment
    is a secret."""
    if isinstance(auth, BasicAuth):
        return "Basic"
    if isinstance(auth, DigestAuth):
        return "Digest"
    if isinstance(auth, OAuth2Auth):
        return "Bearer"
    prefix = auth.prefix if isinstance(auth, BearerAuth) else ""
    if prefix and prefix not in secrets and "{{" not in prefix and " " not in prefix:
        return prefix
    return None


def literal_secrets(auth: AuthSpec) -> tuple[str, ...]:
    """Auth values known before rendering (written in the config, or from the environment),
    and what goes on the wire for them: `user:password` in base64 for basic auth.
    Templated values are learned from the requests instead (`CredentialNames.carried`)."""
    if isinstance(auth, BasicAuth):
        values: tuple[str, ...] = (auth.password, *basic_tokens(auth.username, auth.password))
    elif isinstance(auth, DigestAuth):
        values = (auth.password,)
    elif isinstance(auth, BearerAuth):
        values = (auth.token,)
    elif isinstance(auth, HeaderAuth | QueryAuth):
        values = (auth.value,)
    elif isinstance(auth, OAuth2Auth):
        values = (auth.client_secret,)
    else:
        values = ()
    return tuple(v for v in values if v and "{{" not in v)


def basic_tokens(username: str, password: str) -> tuple[str, ...]:
    """`user:password` in base64, as basic auth sends it, padded and not (echoes drop the
    padding); nothing when either part is a template, rendered per request."""
    if not password or "{{" in username or "{{" in password:
        return ()
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return (token, token.rstrip("="))
