"""The service's own errors, with their facts; the CLI adds the option that fixes each."""

from __future__ import annotations

from pingpost.errors import ListenError, PingpostError

__all__ = [
    "ListenError",
    "NoSources",
]  # ListenError lives in pingpost.errors: the sandbox listens too


class NoSources(PingpostError):
    """The config declares no lead source, so nobody could be authenticated."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"the config at {path} declares no lead source: sources authenticate with an API "
            "key; add a `kind: source` document (name, api_key, lead_types, rate_limit)"
        )
