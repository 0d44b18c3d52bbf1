"""Auth kinds -> request headers, a query parameter, or auth the transport applies.

Auth values may be templates (e.g. `{{ account.vars.api_key }}` for buyers that
give each account its own key); they are rendered as text, never URL-quoted
twice, and masked in every output by name (see pingpost.masking). Digest and
OAuth2 need the network (a challenge, a token), so they are rendered into
`RenderedRequest.auth` and applied by the transport as it sends.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from pingpost.config.models import (
    BasicAuth,
    BearerAuth,
    DigestAuth,
    HeaderAuth,
    NoAuth,
    OAuth2Auth,
    QueryAuth,
)
from pingpost.exchange import DigestCredentials, OAuth2Client, SendAuth

AuthSpec = NoAuth | BasicAuth | BearerAuth | HeaderAuth | QueryAuth | DigestAuth | OAuth2Auth
RenderText = Callable[[str, str], str]  # (template or literal, where) -> text


def auth_headers(auth: AuthSpec, render: RenderText) -> list[tuple[str, str]]:
    if isinstance(auth, BasicAuth):
        user = render(auth.username, "auth username")
        password = render(auth.password, "auth password")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return [("Authorization", f"Basic {token}")]
    if isinstance(auth, BearerAuth):
        token = render(auth.token, "auth token")
        prefix = render(auth.prefix, "auth prefix")
        return [("Authorization", f"{prefix} {token}" if prefix else token)]
    if isinstance(auth, HeaderAuth):
        return [(auth.name, render(auth.value, "auth value"))]
    return []


def auth_query(auth: AuthSpec, render: RenderText) -> tuple[str, str] | None:
    if isinstance(auth, QueryAuth):
        return auth.name, render(auth.value, "auth value")
    return None


def send_auth(auth: AuthSpec, render: RenderText) -> SendAuth | None:
    """Digest credentials or the OAuth2 client, rendered; None for the other kinds."""
    if isinstance(auth, DigestAuth):
        return DigestCredentials(
            render(auth.username, "auth username"), render(auth.password, "auth password")
        )
    if isinstance(auth, OAuth2Auth):
        scope = auth.scope if isinstance(auth.scope, str | None) else " ".join(auth.scope)
        return OAuth2Client(
            token_url=render(auth.token_url, "auth token_url"),
            client_id=render(auth.client_id, "auth client_id"),
            client_secret=render(auth.client_secret, "auth client_secret"),
            scope=render(scope, "auth scope") if scope else None,
            client_auth=auth.client_auth,
            params=tuple((k, render(v, f"auth params.{k}")) for k, v in auth.params.items()),
            timeout=auth.timeout,
        )
    return None
