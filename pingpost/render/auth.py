"""Auth kinds -> request headers or a query parameter.

Auth values may be templates (e.g. `{{ account.vars.api_key }}` for buyers that
give each account its own key); they are rendered as text, never URL-quoted
twice, and masked in every output by name (see pingpost.masking).
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from pingpost.config.models import BasicAuth, BearerAuth, HeaderAuth, NoAuth, QueryAuth

AuthSpec = NoAuth | BasicAuth | BearerAuth | HeaderAuth | QueryAuth
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
