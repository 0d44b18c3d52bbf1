"""The core of `pingpost render`: METHOD, lead, account and captures -> the exact request.

Lead and account are chosen exactly as `test-ping` chooses them (the lead
type's sample by default; the account using the method), so what `render`
shows is what `test-ping` would send. Error messages are masked like output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pingpost.config.bundle import Config
from pingpost.config.models import DeliveryAccount, DeliveryMethod
from pingpost.errors import ConfigError, LeadError, PingpostError, RenderError, UsageError
from pingpost.exchange import RenderedRequest
from pingpost.leads import Lead, load_lead
from pingpost.masking import Masker
from pingpost.render.placeholders import captures_used, placeholder_value
from pingpost.render.plan import Phase
from pingpost.render.request import render_request
from pingpost.render.views import curl_command, http_text, json_text, request_document

Style = Literal["http", "curl", "json"]


class MaskedError(PingpostError):
    """A render or lead error whose message went through the Masker."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Preview:
    method: DeliveryMethod
    phase: Phase
    lead: Lead
    account: DeliveryAccount | None
    request: RenderedRequest  # unmasked: mask with `masker` before showing
    masker: Masker
    notes: tuple[str, ...] = field(default=())


def load_method(config_dir: Path, spec: str) -> tuple[Config, DeliveryMethod]:
    """`METHOD` is a method name, or a YAML file defining one (inside the config dir or not;
    the config dir is loaded either way, for lead types and accounts)."""
    from pingpost.config import load_config, validate_config

    path = Path(spec)
    if not (spec.endswith((".yaml", ".yml")) or path.is_file()):
        config = load_config(config_dir)
        return config, config.method(spec)
    if not path.is_file():
        raise UsageError(f"method file `{spec}` not found")
    wanted = path.resolve()
    if not config_dir.exists() or wanted.is_relative_to(config_dir.resolve()):
        config = load_config(config_dir if config_dir.exists() else path)
    else:
        report = validate_config([config_dir, path], behaviour=False)
        if report.config is None:
            raise ConfigError(report.problems)
        config = report.config
    names = [
        name
        for (kind, name), source in config.sources.items()
        if kind == "delivery_method" and Path(source.file).resolve() == wanted
    ]
    if len(names) != 1:
        found = f"several ({', '.join(sorted(names))}): pass the name" if names else "none"
        raise UsageError(f"`{spec}` should define one delivery method, it defines {found}")
    return config, config.methods[names[0]]


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
    from pingpost.exchange_check import pick_account, sample_lead

    lead_type = config.lead_type(method.lead_type)
    lead = load_lead(lead_path, lead_type) if lead_path is not None else sample_lead(lead_type)
    chosen, note = pick_account(config, method, account)
    notes = [note] if note else []
    given = dict(captures or {})
    notes += _capture_warnings(method, phase, given)
    if phase == "post":
        missing = [n for n in captures_used(method) if n not in given]
        for name in missing:
            given[name] = placeholder_value(name)
        if missing:
            shown = ", ".join(f"{n}={placeholder_value(n)}" for n in missing)
            notes.append(f"placeholder captures (pass --capture NAME=VALUE): {shown}")
    masker = Masker.for_lead(config, lead, show_pii=show_pii, show_secrets=show_secrets)
    try:
        request = render_request(
            method, phase, lead, account=chosen, captures=given, test=test, lead_type=lead_type
        )
    except (RenderError, LeadError) as exc:
        raise MaskedError(masker.text(str(exc)), exc.exit_code) from None
    return Preview(method, phase, lead, chosen, request, masker, tuple(notes))


def _capture_warnings(method: DeliveryMethod, phase: Phase, given: Mapping[str, str]) -> list[str]:
    """`--capture` that cannot matter: with a ping, or a name the post never reads."""
    if not given:
        return []
    if phase == "ping":
        return ["--capture is ignored with --phase ping (only the post reads captures)"]
    used = captures_used(method)
    unknown = sorted(set(given) - set(used))
    if not unknown:
        return []
    names = ", ".join(f"`{n}`" for n in unknown)
    reads = ", ".join(used) or "none"
    return [f"--capture {names} is not read by the {method.name} post (it reads: {reads})"]


def format_preview(preview: Preview, style: Style) -> str:
    """The masked request as raw HTTP, a curl command, or a JSON document."""
    if style == "http":  # Host, target and Content-Length come from the real request
        return http_text(preview.request, preview.masker)
    request = preview.masker.request(preview.request)
    if style == "curl":
        try:
            return curl_command(request)
        except ValueError as exc:
            raise UsageError(f"{exc}; use --as http or --as json") from None
    document = request_document(
        request,
        delivery_method=preview.method.name,
        phase=preview.phase,
        account=preview.account.name if preview.account else None,
    )
    return json_text(document)
