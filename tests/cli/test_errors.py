"""Core errors become the command line's words and exit codes in one place (cli/errors.py):
the core says what is wrong, the CLI adds the option that fixes it."""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pingpost
from pingpost.cli import errors
from pingpost.cli.app import app
from pingpost.commands.inputs import MaskedError
from pingpost.errors import (
    AccountNeeded,
    CannotShow,
    LeadTypeNeeded,
    NoSample,
    PingpostError,
    UnknownName,
)

LEAD_TYPES = """\
kind: lead_type
name: auto
fields: {Zip: {type: zip, required: true}}
sample: {Zip: "94105"}
---
kind: lead_type
name: home
fields: {Zip: {type: zip, required: true}}
"""
METHODS = """\
kind: delivery_method
name: keyed
lead_type: auto
ping:
  url: https://keyed.example/ping
  mappings: {zip: Zip, key: {value: "{{ account.vars.key }}"}}
post: {url: https://keyed.example/post}
---
kind: delivery_method
name: homes
lead_type: home
ping: {url: https://homes.example/ping, mappings: {zip: Zip}}
post: {url: https://homes.example/post}
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    root = tmp_path / "configs"
    root.mkdir()
    (root / "types.yaml").write_text(LEAD_TYPES, encoding="utf-8")
    (root / "methods.yaml").write_text(METHODS, encoding="utf-8")
    return root


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stderr


def test_a_var_without_an_account_asks_for_one(config_dir: Path) -> None:
    code, err = invoke("render", "keyed", "--config", str(config_dir))
    assert code == 2
    assert err.strip().endswith("the var `key` needs an account (pass --account NAME)")


def test_a_lead_type_without_a_sample_asks_for_a_lead(config_dir: Path) -> None:
    code, err = invoke("render", "homes", "--config", str(config_dir))
    assert code == 2
    assert "error: lead type `home` has no sample: give a lead (pass --lead FILE)" in err


def test_several_lead_types_ask_for_one(config_dir: Path, tmp_path: Path) -> None:
    lead = tmp_path / "lead.json"
    lead.write_text(json.dumps({"Zip": "94105"}))
    code, err = invoke("deliver", str(lead), "--config", str(config_dir))
    assert code == 2
    assert "several lead types are configured (auto, home)" in err
    assert err.strip().endswith("(pass --lead-type NAME)")


def test_an_unknown_name_lists_the_known_ones(config_dir: Path) -> None:
    code, err = invoke("render", "keyd", "--config", str(config_dir))
    assert code == 2
    assert "no delivery method named `keyd`. did you mean `keyed`? Known: homes, keyed" in err


def test_the_core_messages_name_no_option() -> None:
    for error in (
        AccountNeeded("m", "ping", "url: the var `k` needs an account"),
        NoSample("home"),
        LeadTypeNeeded(["a", "b"]),
        CannotShow("curl", "a NUL character cannot be passed to a shell command"),
    ):
        assert "--" not in str(error)
        assert "(pass --" in errors.message(error) or "(use --as" in errors.message(error)
    unknown = UnknownName("lead type", "x", ["y"])
    assert (unknown.kind, unknown.name, unknown.known) == ("lead type", "x", ("y",))
    assert errors.message(unknown) == str(unknown)  # nothing to add


def test_a_masked_error_keeps_the_code_and_hint_of_what_it_masks() -> None:
    masked = MaskedError("lead type `****` has no sample: give a lead", NoSample("secret"))
    assert errors.exit_code(masked) == 2
    assert errors.message(masked).endswith("give a lead (pass --lead FILE)")


def _every_error_class() -> set[type[PingpostError]]:
    for module in pkgutil.walk_packages(pingpost.__path__, "pingpost."):
        if not module.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(module.name)
    found: set[type[PingpostError]] = set()
    todo: list[type[PingpostError]] = [PingpostError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo += cls.__subclasses__()
    return found


def test_every_error_class_has_its_exit_code_in_the_table() -> None:
    classes = _every_error_class()
    assert {NoSample, UnknownName, MaskedError} <= classes
    for cls in classes:
        assert any(c in errors.EXIT_CODES for c in cls.__mro__), cls
    assert set(errors.EXIT_CODES.values()) == {2}  # the spec: 2, cannot run
    assert not any(hasattr(cls, "exit_code") for cls in classes)  # decided in cli/ alone


@pytest.mark.parametrize(
    "command",
    [["deliver", "lead.json"], ["render", "keyed"], ["test-ping", "keyed"], ["validate"]],
)
def test_a_missing_config_dir_says_how_to_point_at_one(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PINGPOST_CONFIG", raising=False)
    (tmp_path / "lead.json").write_text("{}")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: no config directory at `configs` (pass --config DIR, or set PINGPOST_CONFIG)"
    )
    monkeypatch.setenv("PINGPOST_CONFIG", str(tmp_path / "elsewhere"))
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2
    assert f"no config directory at `{tmp_path / 'elsewhere'}`" in result.stderr
