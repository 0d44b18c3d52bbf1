"""Placeholder captures: render a post without a real ping (validate, `render --phase post`)."""

from __future__ import annotations

from collections.abc import Mapping

from pingpost.config.models import DeliveryMethod
from pingpost.templating import is_template, referenced_attributes


def placeholder_value(name: str) -> str:
    """Obviously not real, and safe in a URL path, JSON, XML and form bodies."""
    return f"placeholder-{name}"


def captures_used(method: DeliveryMethod) -> list[str]:
    """Every capture a post may read: the ping's `capture` names, `{capture: X}` mappings
    and `ping.X` in post templates (sorted)."""
    names = set(method.ping.response.capture)
    post = method.post
    mappings = dict(post.mappings)
    if post.include_ping_mappings:
        mappings = {**method.ping.mappings, **mappings}
    texts = [post.url, post.test_url or "", *post.headers.values(), post.body or ""]
    texts += [v for v in post.auth.model_dump().values() if isinstance(v, str)]
    for spec in mappings.values():
        if spec.source == "capture" and spec.capture:
            names.add(spec.capture)
        elif spec.source == "template" and spec.template:
            texts.append(spec.template)
        elif spec.source == "value" and isinstance(spec.value, str):
            texts.append(spec.value)
    for text in texts:
        if is_template(text):
            try:
                names |= referenced_attributes(text, "ping")
            except Exception:  # a syntax error is reported when the template is rendered
                continue
    return sorted(names)


def placeholder_captures(
    method: DeliveryMethod, given: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`given` plus a placeholder for every other capture the post may read."""
    given = dict(given or {})
    missing = {n: placeholder_value(n) for n in captures_used(method) if n not in given}
    return {**given, **missing}
