"""Warnings about where a method sends leads and with what credentials.

Two common, silent mistakes: a post without the ping's `auth` (copied from the
ping, then edited: the buyer answers 401 and the lead goes unsold), and a URL
on a link-local or cloud-metadata address (no buyer lives there; a request
there can fetch the server's own cloud credentials).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pingpost.config.documents import Loaded, Reporter
from pingpost.config.marks import NodePath
from pingpost.config.models import DeliveryMethod, Request

# Cloud metadata services: AWS, GCP, Azure, OpenStack and others at 169.254.169.254 (inside
# the link-local range), AWS's IPv6 one, Alibaba's, and GCP's name for its own.
_LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("fd00:ec2::254", "100.100.100.200")
)
_METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog", "instance-data"})


def check_wire(r: Reporter, doc: Loaded, method: DeliveryMethod) -> None:
    """Warn about a post without the ping's auth, and URLs no buyer can be at."""
    _post_auth(r, doc, method)
    for phase, request in (("ping", method.ping), ("post", method.post)):
        for key in ("url", "test_url"):
            url = getattr(request, key)
            if url is not None:
                _url_target(r, doc, (phase, key), url)
        token_url = getattr(request.auth, "token_url", None)
        if isinstance(token_url, str):
            _url_target(r, doc, (phase, "auth", "token_url"), token_url)


def _post_auth(r: Reporter, doc: Loaded, method: DeliveryMethod) -> None:
    ping, post = method.ping.auth, method.post.auth
    if ping.type == "none" or post.type != "none" or ("post", "auth") in doc.marks.keys:
        return  # no auth to miss, the post has its own, or `auth: {type: none}` says so
    if _sends_header(method.post, getattr(ping, "name", None) or "Authorization"):
        return  # the post writes the credential as a header of its own
    r.warning(
        doc,
        ("post",),
        f"the ping sends `auth` ({ping.type}) but the post sends none: a buyer that checks "
        "credentials answers 401 and the lead goes unsold; give the post the same `auth` "
        "(or `auth: {type: none}` if it really needs none)",
        on="key",
    )


def _sends_header(request: Request, name: str) -> bool:
    return any(header.lower() == name.lower() for header in request.headers)


def _url_target(r: Reporter, doc: Loaded, path: NodePath, url: str) -> None:
    head = url.split("{", 1)[0]
    try:
        host = urlsplit(head).hostname
    except ValueError:  # a malformed URL is reported by the URL check itself
        return
    if not host:
        return  # a template writes the host: known only when rendering
    why = _why_not_a_buyer(host)
    if why is not None:
        r.warning(
            doc,
            path,
            f"`{host}` is {why}: no buyer is there, and a request to it can read the "
            "server's own cloud credentials; check the URL (and the environment value "
            "it came from)",
        )


def _why_not_a_buyer(host: str) -> str | None:
    if host.lower().rstrip(".") in _METADATA_NAMES:
        return "a cloud metadata service's name"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: where it resolves is for the network to say
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in _METADATA_ADDRESSES:
        return "a cloud metadata address"
    if any(address in network for network in _LINK_LOCAL):
        return "a link-local address (where cloud metadata services live)"
    return None
