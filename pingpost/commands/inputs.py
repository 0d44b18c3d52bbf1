"""What the command cores take in: the method (by name or file), the lead, the account;
and their errors, masked.

`render`, `test-ping` and `test-post` choose these the same way, so that what
`render` shows is what `test-ping` would send.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from pingpost.config.bundle import Config
from pingpost.config.loader import config_root_for, load_config, validate_config
from pingpost.config.models import DeliveryAccount, DeliveryMethod, LeadType
from pingpost.errors import ConfigError, NoSample, PingpostError, UsageError
from pingpost.leads import Lead, coerce_lead, load_lead
from pingpost.masking import Masker
from pingpost.render.views import displayable


class MaskedError(PingpostError):
    """An error whose message went through the Masker (P12): a render error quotes lead
    values. `original` is the error itself, for its class and fields."""

    def __init__(self, message: str, original: PingpostError) -> None:
        super().__init__(message)
        self.original = original


def load_method(config_dir: Path, spec: str) -> tuple[Config, DeliveryMethod]:
    """`spec` is a method name, or a YAML file defining one, loaded with the config
    `config_root_for` finds for it (the config dir, or the file's own config)."""
    path = Path(spec)
    if not (spec.endswith((".yaml", ".yml")) or path.is_file()):
        config = load_config(config_dir)
        return config, config.method(spec)
    if not path.is_file():
        raise UsageError(f"method file `{spec}` not found")
    wanted = path.resolve()
    root = config_root_for(path, config_dir)  # as `pingpost validate FILE` finds it
    if root is None or wanted.is_relative_to(root.resolve()):
        config = load_config(root or path)
    else:
        report = validate_config([root, path])
        if report.config is None:
            raise ConfigError(report.problems)
        config = report.config
    names = [
        name
        for (kind, name), source in config.sources.items()
        if kind == "delivery_method" and Path(source.file).resolve() == wanted
    ]
    if len(names) != 1:
        found = f"several ({', '.join(sorted(names))}): name one" if names else "none"
        raise UsageError(f"`{spec}` should define one delivery method, it defines {found}")
    return config, config.methods[names[0]]


@dataclass(frozen=True)
class AccountChoice:
    """The account whose vars and environment a request uses (None: no account uses the
    method), and the other accounts using the method when it was chosen for the caller."""

    account: DeliveryAccount | None
    others: tuple[str, ...] = ()


def pick_account(config: Config, method: DeliveryMethod, name: str | None) -> AccountChoice:
    """The account `name`, which must use the method. Without a name: the only account
    using the method, else the first by name (enabled ones first)."""
    if name is not None:
        account = config.account(name)
        if account.method != method.name:
            raise UsageError(
                f"account `{name}` uses method `{account.method}`, not `{method.name}`; "
                "choose an account of this method"
            )
        return AccountChoice(account)
    users = sorted(
        (a for a in config.accounts.values() if a.method == method.name),
        key=lambda a: (not a.enabled, a.name),
    )
    if not users:
        return AccountChoice(None)
    return AccountChoice(users[0], tuple(a.name for a in users[1:]))


def sample_lead(lead_type: LeadType) -> Lead:
    """The lead type's `sample`, coerced like any lead."""
    if lead_type.sample is None:
        raise NoSample(lead_type.name)
    return coerce_lead(lead_type.sample, lead_type, source=f"lead type `{lead_type.name}` sample")


def chosen_lead(config: Config, method: DeliveryMethod, lead_path: Path | None) -> Lead:
    """The lead in `lead_path`, else the sample of the method's lead type."""
    lead_type = config.lead_type(method.lead_type)
    return load_lead(lead_path, lead_type) if lead_path is not None else sample_lead(lead_type)


def masked_error(error: PingpostError, masker: Masker) -> MaskedError:
    """`error` with its message masked and made terminal-safe."""
    return MaskedError(displayable(masker.text(str(error))), error)


class MaskedErrors:
    """`with MaskedErrors(config, ...) as guard:` re-raises every PingpostError with its
    message masked (P12). Set `guard.lead` once the lead is known, so its pii is masked
    too; before that only secrets are."""

    def __init__(self, config: Config, *, show_pii: bool, show_secrets: bool) -> None:
        self.config = config
        self.show_pii = show_pii
        self.show_secrets = show_secrets
        self.lead: Lead | None = None

    @property
    def masker(self) -> Masker:
        return Masker.for_lead(
            self.config, self.lead, show_pii=self.show_pii, show_secrets=self.show_secrets
        )

    def __enter__(self) -> MaskedErrors:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc, PingpostError) and not isinstance(exc, MaskedError):
            raise masked_error(exc, self.masker) from None
