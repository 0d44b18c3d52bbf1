"""HTTP Digest (RFC 7616): read a buyer's challenge, sign a request. Pure; no I/O.

Supported: algorithms MD5, SHA-256 (and their `-sess` forms, and SHA-512-256
where Python has it), `qop=auth` (and RFC 2069 challenges without qop),
`opaque`, `userhash`, `stale`. A buyer offering several challenges gets the
strongest one we support. `auth-int` alone is refused (it would hash the
body, which a preflight does not have).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from pingpost.exchange import DigestCredentials

_HASHES: dict[str, Callable[[bytes], str]] = {
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
}
if "sha512_256" in hashlib.algorithms_available:
    _HASHES["SHA-512-256"] = lambda data: hashlib.new("sha512_256", data).hexdigest()
_STRENGTH = ("SHA-512-256", "SHA-256", "MD5")  # preferred first
# one comma-separated item: `Digest realm="x"` (a new challenge) or `qop="auth"`
_ITEM = re.compile(
    r"""\s*(?:(?P<scheme>[!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s+|$))?"""
    r"""(?:(?P<name>[!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?P<value>"(?:[^"\\]|\\.)*"|[^,\s]*))?\s*"""
)


class DigestRefused(ValueError):
    """A challenge we cannot answer (`str()` says why, for the outcome's reason)."""


@dataclass(frozen=True)
class Challenge:
    realm: str
    nonce: str
    algorithm: str = "MD5"  # upper case, `-sess` kept
    qop: str | None = "auth"  # None: an RFC 2069 challenge (no qop, no nc, no cnonce)
    opaque: str | None = None
    stale: bool = False
    userhash: bool = False


def challenges(values: Iterable[str]) -> list[dict[str, str]]:
    """Every challenge in `WWW-Authenticate` values: `{"scheme": ..., param: value}`."""
    found: list[dict[str, str]] = []
    for value in values:
        for item in _split(value):
            match = _ITEM.fullmatch(item)
            if match is None:
                continue
            if match["scheme"] and (match["name"] or not item.strip().count("=")):
                found.append({"scheme": match["scheme"].lower()})
            if match["name"] and found:
                found[-1][match["name"].lower()] = _unquote(match["value"] or "")
    return found


def choose(values: Iterable[str]) -> Challenge | None:
    """The strongest Digest challenge we can answer; None when there is no Digest one.
    DigestRefused when there are Digest challenges but none we support."""
    offered = [c for c in challenges(values) if c["scheme"] == "digest"]
    if not offered:
        return None
    usable = [c for c in offered if _usable(c) is None]
    if not usable:
        raise DigestRefused(_usable(offered[0]) or "unusable digest challenge")
    best = min(usable, key=lambda c: _STRENGTH.index(_base(c.get("algorithm", "MD5"))))
    qop = best.get("qop")
    return Challenge(
        realm=best.get("realm", ""),
        nonce=best["nonce"],
        algorithm=best.get("algorithm", "MD5").upper(),
        qop=None if qop is None else "auth",
        opaque=best.get("opaque"),
        stale=best.get("stale", "").lower() == "true",
        userhash=best.get("userhash", "").lower() == "true",
    )


def authorization(
    challenge: Challenge,
    credentials: DigestCredentials,
    method: str,
    uri: str,
    nc: int = 1,
    cnonce: str | None = None,
) -> str:
    """The `Authorization` header value answering `challenge` for `method` `uri`."""
    digest = _HASHES[_base(challenge.algorithm)]
    cnonce = cnonce or secrets.token_hex(16)
    user, realm = credentials.username, challenge.realm
    ha1 = digest(f"{user}:{realm}:{credentials.password}".encode())
    if challenge.algorithm.endswith("-SESS"):
        ha1 = digest(f"{ha1}:{challenge.nonce}:{cnonce}".encode())
    ha2 = digest(f"{method}:{uri}".encode())
    count = f"{nc:08x}"
    if challenge.qop is None:
        response = digest(f"{ha1}:{challenge.nonce}:{ha2}".encode())
    else:
        response = digest(f"{ha1}:{challenge.nonce}:{count}:{cnonce}:auth:{ha2}".encode())
    parts = [_username(user, realm, challenge, digest)]
    parts += [f"realm={_quoted(realm)}", f"uri={_quoted(uri)}"]
    parts += [f"algorithm={challenge.algorithm}", f"nonce={_quoted(challenge.nonce)}"]
    if challenge.qop is not None:
        parts += [f"nc={count}", f"cnonce={_quoted(cnonce)}", "qop=auth"]
    parts.append(f"response={_quoted(response)}")
    if challenge.opaque is not None:
        parts.append(f"opaque={_quoted(challenge.opaque)}")
    if challenge.userhash:
        parts.append("userhash=true")
    return "Digest " + ", ".join(parts)


def _username(user: str, realm: str, challenge: Challenge, digest: Callable[[bytes], str]) -> str:
    if challenge.userhash:
        return f"username={_quoted(digest(f'{user}:{realm}'.encode()))}"
    if user.isascii() and user.isprintable():
        return f"username={_quoted(user)}"
    return f"username*=UTF-8''{quote(user, safe='')}"  # RFC 7616 3.4.4


def _usable(challenge: dict[str, str]) -> str | None:
    """Why a Digest challenge cannot be answered, or None."""
    if "nonce" not in challenge:
        return "the digest challenge has no nonce"
    algorithm = challenge.get("algorithm", "MD5").upper()
    if _base(algorithm) not in _HASHES:
        return f"digest algorithm {algorithm} is not supported (MD5 and SHA-256 are)"
    qop = challenge.get("qop")
    if qop is not None and "auth" not in [q.strip().lower() for q in qop.split(",")]:
        return f"digest qop `{qop}` is not supported (only qop=auth is)"
    return None


def _base(algorithm: str) -> str:
    return algorithm.upper().removesuffix("-SESS")


def _split(value: str) -> list[str]:
    """`value` split on the commas outside quoted strings."""
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item for item in items if item.strip()]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
