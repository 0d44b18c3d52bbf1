"""The core of `pingpost render`: method, lead, account and captures -> the exact request.

Lead and account are chosen exactly as `test-ping` chooses them (the lead
type's sample by default; the account using the method), so what `render`
shows is what `test-ping` would send. Error messages are masked like output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pingpost.commands.inputs import chosen_lead, masked_error, pick_account
from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod
from pingpost.errors import CannotShow, LeadError, RenderError
from pingpost.exchange import RenderedRequest
from pingpost.leads import Lead
from pingpost.masking import Masker
from pingpost.render import render_request
from pingpost.render.placeholders import captures_used, placeholder_value
from pingpost.render.plan import Phase
from pingpost.render.views import curl_command, http_text, json_text, request_document

Style = Literal["http", "curl", "json"]


@dataclass(frozen=True)
class Preview:
    """One rendered request, and what the caller may want to know about its inputs."""

    method: DeliveryMethod
    phase: Phase
    lead: Lead
    account: DeliveryAccount | None
    request: RenderedRequest  # unmasked: mask with `masker` before showing
    masker: Masker
    other_accounts: tuple[str, ...] = ()  # using the method too, passed over by default
    placeholders: Mapping[str, str] = field(default_factory=dict)  # captures made up
    unread_captures: tuple[str, ...] = ()  # given, but not read by this phase
    captures_read: tuple[str, ...] = ()  # every capture the post may read


def preview_request(
    config: Config,
    method: DeliveryMethod,
    *,
    phase: Phase = "ping",
    lead_path: Path | None = None,
    account: str | None = None,
    captures: Mapping[str, str] | None = None,
    test: bool = False,
    show_pii: bool = False,
    show_secrets: bool = False,
) -> Preview:
    """Render one phase as `render` shows it; a post gets placeholders for missing captures."""
    lead = chosen_lead(config, method, lead_path)
    choice = pick_account(config, method, account)
    given = dict(captures or {})
    used = tuple(captures_used(method))
    unread = tuple(sorted(given if phase == "ping" else set(given) - set(used)))
    placeholders = {}
    if phase == "post":
        placeholders = {n: placeholder_value(n) for n in used if n not in given}
    masker = Masker.for_lead(config, lead, show_pii=show_pii, show_secrets=show_secrets)
    try:
        request = render_request(
            method,
            phase,
            lead,
            account=choice.account,
            captures={**given, **placeholders},
            test=test,
            lead_type=config.lead_type(method.lead_type),
        )
    except (RenderError, LeadError) as exc:
        raise masked_error(exc, masker) from None
    return Preview(
        method,
        phase,
        lead,
        choice.account,
        request,
        masker,
        other_accounts=choice.others,
        placeholders=placeholders,
        unread_captures=unread,
        captures_read=used,
    )


def format_preview(preview: Preview, style: Style) -> str:
    """The masked request as raw HTTP, a curl command, or a JSON document."""
    if style == "http":  # Host, target and Content-Length come from the real request
        return http_text(preview.request, preview.masker)
    request = preview.masker.request(preview.request)
    if style == "curl":
        try:
            return curl_command(request)
        except ValueError as exc:
            raise CannotShow("curl", str(exc)) from None
    document = request_document(
        request,
        delivery_method=preview.method.name,
        phase=preview.phase,
        account=preview.account.name if preview.account else None,
    )
    return json_text(document)
