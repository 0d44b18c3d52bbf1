"""`load_config`: YAML files -> a checked, typed `Config`, or every problem, located.

The pipeline, per document: safe read with positions (`yaml_read`), `kind`,
`${ENV}` interpolation (`envvars`), pydantic models (`friendly` turns their
errors into located lines). Then, across documents: unique names and the
cross checks (`checks`). `behaviour` adds checks that need more than the config
language: `pingpost validate` passes the offline ones (`pingpost.commands.offline`:
render every method with its lead type's sample, run every example).
"""

from __future__ import annotations

import copy
import difflib
import functools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pingpost.config.bundle import Config, SourceRef
from pingpost.config.checks import run_checks
from pingpost.config.documents import Loaded, LoadedSet
from pingpost.config.envvars import interpolate
from pingpost.config.friendly import problems_from
from pingpost.config.marks import DocMarks
from pingpost.config.method_checks import MethodFacts
from pingpost.config.models import DOCUMENT_MODELS, Settings
from pingpost.config.yaml_compose import Document
from pingpost.config.yaml_read import read_file
from pingpost.errors import ConfigDirMissing, ConfigError, Problem, UsageError
from pingpost.masking import SHORT_SECRET, Masker

# Checks run on the loaded documents besides the config's own (the offline behaviour checks).
BehaviourChecks = Callable[[LoadedSet, dict[str, MethodFacts]], list[Problem]]

_AUTH_SECRETS = ("password", "token", "value", "client_secret")
_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ValidationReport:
    """Everything `pingpost validate` shows: the config (None when it has errors) and problems."""

    config: Config | None
    problems: list[Problem]  # sorted by file and line; secrets masked
    files: tuple[str, ...]
    secrets: frozenset[str] = frozenset()
    texts: Mapping[str, str] = field(default_factory=dict)  # file -> decoded text

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def source_line(self, problem: Problem) -> str | None:
        """The problem's line of source text, secrets masked (None when unknown)."""
        text = self.texts.get(problem.file)
        if text is None or problem.line < 1:
            return None
        lines = text.splitlines()
        if problem.line > len(lines):
            return None
        return self.masker.text(lines[problem.line - 1])

    @functools.cached_property
    def masker(self) -> Masker:
        """What masks the config's secrets in messages and source lines."""
        return secrets_masker(self.secrets)


def load_config(path: Path | str, *, behaviour: BehaviourChecks | None = None) -> Config:
    """Load and check a config directory (or one file). Raises `ConfigError` with every error.

    Warnings are kept in `Config.warnings`. `behaviour` runs more checks, such as the
    offline ones `pingpost validate` runs.
    """
    if not Path(path).exists():
        raise ConfigDirMissing(str(path))
    report = validate_config([Path(path)], behaviour=behaviour)
    if report.config is None:
        raise ConfigError(report.problems)
    return report.config


def check_config(
    paths: Sequence[Path], *, behaviour: BehaviourChecks | None = None
) -> tuple[Config | None, list[Problem]]:
    """Every problem of the configs at `paths`, warnings included, and the config if usable."""
    report = validate_config(paths, behaviour=behaviour)
    return report.config, report.problems


def validate_config(
    paths: Sequence[Path],
    *,
    behaviour: BehaviourChecks | None = None,
    env: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Load every file under `paths` as one config and run every check.

    Raises `UsageError` when a path does not exist; everything else is a problem.
    """
    env = os.environ if env is None else env
    files = discover(paths)
    loaded = LoadedSet()
    problems: list[Problem] = []
    secrets: set[str] = set()
    texts: dict[str, str] = {}
    for file_path, display in files:
        docs, file_problems, text = read_file(file_path, display)
        problems += file_problems
        if file_problems:  # documents may be missing: references to them are not dangling
            loaded.unreadable[display] = text
        if text is not None:
            texts[display] = text
        if docs and all(doc.data is None for doc in docs):
            problems.append(
                Problem(display, 0, 0, "the file holds no YAML document (expected a `kind`)")
            )
        for doc in docs:
            problems += _load_document(doc, env, loaded, secrets)
    if not files:
        shown = ", ".join(str(p) for p in paths)
        problems.append(Problem(shown, 0, 0, "no config files (*.yaml, *.yml) found"))
    problems += loaded.duplicates()
    config = _finish(loaded, problems, secrets, behaviour)
    problems = sorted(_masked(problems, secrets))
    usable = config if not any(p.severity == "error" for p in problems) else None
    if usable is not None:
        usable = _with_warnings(usable, problems)
    return ValidationReport(usable, problems, tuple(d for _, d in files), frozenset(secrets), texts)


def validate_paths(
    paths: Sequence[Path],
    *,
    behaviour: BehaviourChecks | None = None,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> ValidationReport:
    """`pingpost validate PATH...`: a file is checked with the rest of its config (so its
    references resolve), found as `config_root_for` says, and only the given paths'
    problems are shown. `config` is the config directory in use."""
    roots: list[Path] = []
    for path in paths:
        root = config_root_for(path, config) if path.is_file() else None
        if root is not None and root not in roots:
            roots.append(root)
    if not roots:
        return validate_config(paths, behaviour=behaviour, env=env)
    given = {display for _, display in discover(paths)}
    report = validate_config([*paths, *roots], behaviour=behaviour, env=env)
    return replace(
        report,
        problems=[p for p in report.problems if p.file in given],
        files=tuple(f for f in report.files if f in given),
    )


def config_root_for(file: Path, config: Path | None) -> Path | None:
    """The config a single YAML file is loaded with, by `validate`, `render`, `test-ping`
    and `test-post` alike: `config` when the file lies in it; else the nearest directory
    above the file holding `pingpost.yaml` or `lead_types/` (its own config); else
    `config` when it exists (for its lead types and accounts); else none."""
    resolved = file.resolve()
    if config is not None and config.is_dir() and resolved.is_relative_to(config.resolve()):
        return config
    for folder in resolved.parents:
        if (folder / "pingpost.yaml").is_file() or (folder / "lead_types").is_dir():
            return folder
    return config if config is not None and config.is_dir() else None


def discover(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """Every YAML file under `paths` (recursively, hidden entries skipped), in a stable order."""
    found: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for root in paths:
        if not root.exists():
            raise UsageError(f"{root}: no such file or directory")
        if root.is_file():
            candidates = [root]
        else:
            candidates = []
            for folder, dirs, names in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                candidates += [
                    Path(folder) / n
                    for n in sorted(names)
                    if n.endswith(_SUFFIXES) and not n.startswith(".")
                ]
        for candidate in candidates:
            resolved = candidate.resolve()
            if resolved not in seen:
                seen.add(resolved)
                found.append((candidate, str(candidate)))
    return found


def _load_document(
    doc: Document, env: Mapping[str, str], loaded: LoadedSet, secrets: set[str]
) -> list[Problem]:
    problems = list(doc.problems)
    data, marks = doc.data, doc.marks
    if data is None:
        return problems
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else f"`{str(data)[:40]}`"
        return [
            *problems,
            marks.problem((), f"a document must be a mapping with a `kind`, got {what}"),
        ]
    kind = data.get("kind")
    if "kind" not in data:
        return [*problems, marks.problem((), "the document has no `kind`: " + _kinds())]
    if not isinstance(kind, str) or kind not in DOCUMENT_MODELS:
        return [*problems, marks.problem(("kind",), f"unknown kind `{kind}`: " + _kinds(kind))]
    result = interpolate(data, marks, env)
    secrets |= result.secrets
    secrets |= _auth_secrets(result.data)
    problems += result.problems
    name = _name_of(kind, result.data)
    label = f"{kind} `{name}`" if name and kind != "settings" else kind
    before = any(p.severity == "error" for p in problems)
    model, found = _model_of(kind, result.data, marks, label)
    taken = {(p.line, p.column) for p in problems}
    problems += [p for p in found if (p.line, p.column) not in taken]
    if kind == "source":
        problems += _literal_key(data, marks)
    # unknown keys are errors, yet the rest of the document is still checked (the model
    # was built without them); any other error leaves nothing sound to check
    ok = (
        model is not None
        and not before
        and not any(p.severity == "error" and p not in found for p in problems)
    )
    reference = result.data.get("method") if kind == "delivery_account" else None
    reference = reference if isinstance(reference, str) else None
    secret_paths = frozenset(result.secret_paths)
    loaded.add(
        Loaded(
            kind,
            name,
            model if ok else None,
            marks,
            label,
            reference=reference,
            secret_paths=secret_paths,
        )
    )
    return problems


def _model_of(
    kind: str, data: dict[Any, Any], marks: DocMarks, label: str
) -> tuple[BaseModel | None, list[Problem]]:
    """The document's model, and its schema problems. When the document is valid but for
    unknown keys, the model is built without them, so that every other check still runs."""
    cls = DOCUMENT_MODELS[kind]
    try:
        return cls.model_validate(data), []
    except ValidationError as exc:
        found = problems_from(exc, cls, marks, label)
        errors = exc.errors(include_url=False)
    unknown = [err["loc"] for err in errors if err["type"] == "extra_forbidden"]
    if not unknown:
        return None, found
    try:  # other errors may only come from the unknown keys (a union tried every shape)
        return cls.model_validate(_without(data, unknown)), found
    except ValidationError:
        return None, found


def _without(data: Any, paths: list[tuple[int | str, ...]]) -> Any:
    """A copy of `data` without the keys at `paths` (pydantic locations, which may hold
    union tags that are not keys: those are stepped over)."""
    data = copy.deepcopy(data)
    for path in paths:
        _remove(data, path)
    return data


def _remove(node: Any, path: tuple[int | str, ...]) -> bool:
    """Remove the key at `path` under `node`, stepping over steps that name no child."""
    if len(path) == 1:
        if isinstance(node, dict) and path[0] in node:
            del node[path[0]]
            return True
        return False
    step, rest = path[0], path[1:]
    child = None
    if isinstance(node, dict):
        child = node.get(step)
    elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        child = node[step]
    if isinstance(child, dict | list) and _remove(child, rest):
        return True
    return _remove(node, rest)  # `step` was a union's tag, not a key


def _literal_key(raw: dict[Any, Any], marks: DocMarks) -> list[Problem]:
    """A source's API key written into the config is readable by everyone who can read
    the configs (and their git history): warn, and say how to read it from the environment."""
    key = raw.get("api_key")
    if not isinstance(key, str) or not key or "${" in key:
        return []
    message = (
        "the api_key is written in the config: anyone who can read the configs can post "
        'leads as this source; read it from the environment instead: `api_key: "${NAME}"`'
    )
    return [marks.problem(("api_key",), message, severity="warning")]


def _kinds(got: object = None) -> str:
    kinds = list(DOCUMENT_MODELS)
    text = "expected one of " + ", ".join(kinds)
    close = difflib.get_close_matches(str(got), kinds, n=1) if got is not None else []
    return text + (f"; did you mean `{close[0]}`?" if close else "")


def _name_of(kind: str, data: dict[Any, Any]) -> str | None:
    if kind == "settings":
        return "settings"
    name = data.get("name")
    return name if isinstance(name, str) and name else None


def _auth_secrets(data: dict[Any, Any]) -> set[str]:
    """Literal auth values are secrets too, whether or not they came from the environment:
    a method's auth, a source's API key, the service's admin key."""
    out: set[str] = set()
    if data.get("kind") == "source" and isinstance(key := data.get("api_key"), str) and key:
        out.add(key)
    serve = data.get("serve") if data.get("kind") == "settings" else None
    if isinstance(serve, dict) and isinstance(key := serve.get("admin_key"), str) and key:
        out.add(key)
    for phase in ("ping", "post"):
        request = data.get(phase)
        auth = request.get("auth") if isinstance(request, dict) else None
        if isinstance(auth, dict):
            out |= {v for k in _AUTH_SECRETS if isinstance(v := auth.get(k), str) and v}
    return out


def _finish(
    loaded: LoadedSet, problems: list[Problem], secrets: set[str], behaviour: BehaviourChecks | None
) -> Config:
    checked = run_checks(loaded)
    problems += checked.problems
    if behaviour is not None:
        problems += behaviour(loaded, checked.facts)
    settings = loaded.settings()
    return Config(
        lead_types=loaded.models("lead_type"),
        methods=loaded.models("delivery_method"),
        accounts=loaded.models("delivery_account"),
        settings=settings.model
        if settings is not None and isinstance(settings.model, Settings)
        else Settings(),
        secrets=frozenset(secrets),
        lead_sources=loaded.models("source"),
        sources={
            (d.kind, d.name): SourceRef(d.marks.file, *d.marks.values.get((), d.marks.start))
            for d in loaded.all()
            if d.name
        },
    )


def _with_warnings(config: Config, problems: list[Problem]) -> Config:
    return replace(config, warnings=tuple(p for p in problems if p.severity == "warning"))


def secrets_masker(secrets: Iterable[str]) -> Masker:
    """The masker of validate's messages and source lines: secrets of SHORT_SECRET
    characters or more (a shorter `${ENV}` value such as `1` or `x` is not a real secret,
    and hiding every `1` would garble the output; see docs/validate.md)."""
    return Masker(s for s in secrets if len(s) >= SHORT_SECRET)


def _masked(problems: list[Problem], secrets: set[str]) -> list[Problem]:
    if not secrets:
        return problems
    masked = secrets_masker(secrets).texts([p.message for p in problems])
    return [replace(p, message=m) for p, m in zip(problems, masked, strict=True)]
