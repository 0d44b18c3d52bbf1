"""Every command's help reads as a person would write it, every command takes the spec's
common options, and `pingpost --version` prints the version (spec/cli.md)."""

from __future__ import annotations

import importlib.metadata
import re

import pytest
import typer
from typer.testing import CliRunner

from pingpost import __version__
from pingpost.cli.app import app
from pingpost.cli.help import Command

GROUP = typer.main.get_command(app)


def _leaves(group: object, prefix: str = "") -> dict[str, object]:
    """Every command by its name on the command line: `deliver`, `store info`, ..."""
    found: dict[str, object] = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):  # a group (`pingpost store`): its commands
            found.update(_leaves(command, f"{prefix}{name} "))
        else:
            found[f"{prefix}{name}"] = command
    return found


LEAVES = _leaves(GROUP)
COMMANDS = sorted(LEAVES)
# spec/cli.md: "Common options: --config/-c DIR, --json, --test, --verbose/-v, --debug, --no-color"
COMMON = [
    ("--config", "-c"), ("--json",), ("--test",), ("--verbose", "-v"), ("--debug",),
    ("--no-color",),
]  # fmt: skip
# the name column of a help line: `  -c, --config DIR  ...` or `  LEAD  ...`
OPTION_OR_ARGUMENT = re.compile(
    r"^  ((?:-\w, )?--?[\w-]+(?: / --[\w-]+)?(?: \S+)?|[A-Z]\S*)(?:  |$)"
)
PYTHON_TYPES = re.compile(r"<|>|\{|\}|\blist\[|\b(str|int|float|bool|path|Path)\b")


def help_of(name: str) -> str:
    result = CliRunner().invoke(app, [*name.split(), "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_version_prints_the_installed_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"pingpost {__version__}\n"
    assert __version__ == importlib.metadata.version("pingpost")  # one version, not two


def test_every_command_is_registered_with_the_help_in_peoples_words() -> None:
    assert COMMANDS  # the app has commands, and each uses cli/help.py's Command
    assert all(isinstance(LEAVES[n], Command) for n in COMMANDS)
    assert {"store info", "store migrate"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_usage_names_arguments_as_people_write_them(name: str) -> None:
    usage = help_of(name).splitlines()[0]
    assert usage.startswith(f"Usage: pingpost {name} [OPTIONS]")
    arguments = usage.split("[OPTIONS]", 1)[1].split()
    for argument in arguments:
        assert re.fullmatch(r"\[?[A-Z][A-Z_=\-]*\]?(\.\.\.)?", argument), usage


@pytest.mark.parametrize("name", COMMANDS)
def test_option_and_argument_names_carry_no_python_types(name: str) -> None:
    for line in help_of(name).splitlines():
        flags = re.match(
            r"^  ((?:-\w, )?--?[\w-]+(?: / --[\w-]+)?(?: \S+)?|[A-Z]\S*)(?:  |$)", line
        )
        if flags:
            assert not PYTHON_TYPES.search(flags.group(1)), f"{name}: {line}"


def test_the_known_metavars() -> None:
    assert "Usage: pingpost deliver [OPTIONS] LEAD" in help_of("deliver")
    assert "Usage: pingpost validate [OPTIONS] [PATH]..." in help_of("validate")
    assert "Usage: pingpost render [OPTIONS] METHOD" in help_of("render")
    assert "Usage: pingpost sandbox [OPTIONS] [FILE]" in help_of("sandbox")
    ping = help_of("test-ping")
    assert "--timeout SECONDS" in ping and "--url URL" in ping and "--lead FILE" in ping
    assert "--lead-type NAME" in help_of("deliver") and "--concurrency N" in help_of("deliver")
    assert "--as http|curl|json" in help_of("render")
    assert "-f, --format text|json|github" in help_of("validate")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_takes_the_common_options(name: str) -> None:
    params = LEAVES[name].params  # type: ignore[attr-defined]
    taken = {opt for param in params for opt in param.opts}
    for names in COMMON:
        assert set(names) <= taken, f"pingpost {name} does not take {'/'.join(names)}"
