"""`pingpost validate` and `pingpost schema`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pingpost.cli.common import (
    EXIT_NEGATIVE,
    EXIT_OK,
    ConfigOption,
    DebugOption,
    NoColorOption,
    UnusedConfig,
    UnusedJson,
    UnusedNoColor,
    UnusedTest,
    UnusedVerbose,
    config_dir,
    run,
)


class Format(StrEnum):
    text = "text"
    json = "json"
    github = "github"


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            help="Config directories or files, checked together as one config "
            "(default: the config dir).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    output: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            metavar="text|json|github",
            help="text, json (a list of problems) or github (annotations).",
        ),
    ] = Format.text,
    json_: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline/--no-offline",
            help="Render every method with its lead type's sample and run its examples.",
        ),
    ] = True,
    no_color: NoColorOption = False,
    _test: UnusedTest = False,
    _verbose: UnusedVerbose = False,
    debug: DebugOption = False,
) -> None:
    """Check configs offline: YAML, schema, references, templates, rules, renders, examples.

    Every problem is reported at once as file:line:col. Exit 0 when clean (warnings
    allowed unless --strict), 1 when there are problems, 2 when a path is missing.
    """

    def body() -> int:
        from pingpost.cli.validate_output import print_report
        from pingpost.commands.offline import run_offline_checks
        from pingpost.config.loader import validate_config, validate_paths
        from pingpost.errors import ConfigDirMissing

        behaviour = run_offline_checks if offline else None
        if paths:
            # a file outside any config is checked with the config dir, as `render` does
            report = validate_paths(list(paths), behaviour=behaviour, config=config_dir(config))
        else:
            folder = config_dir(config)
            if not folder.exists():
                raise ConfigDirMissing(str(folder))
            report = validate_config([folder], behaviour=behaviour)
        fmt = Format.json if json_ else output
        print_report(report, fmt.value, no_color=no_color)
        failed = report.errors or (strict and report.warnings)
        return EXIT_NEGATIVE if failed else EXIT_OK

    run(body, debug=debug)


def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to this file instead of stdout."
        ),
    ] = None,
    _config: UnusedConfig = None,
    _json: UnusedJson = False,
    _test: UnusedTest = False,
    _verbose: UnusedVerbose = False,
    _no_color: UnusedNoColor = False,
    debug: DebugOption = False,
) -> None:
    """Print the JSON Schema (draft 2020-12) of the config language, for editors.

    Point your editor at it with a first line such as
    `# yaml-language-server: $schema=../pingpost/schema/pingpost.schema.json`.
    """

    def body() -> int:
        from pingpost.config.schema import schema_text

        text = schema_text()
        if output is None:
            sys.stdout.write(text)
        else:
            output.write_text(text, encoding="utf-8")
            print(f"wrote {output}", file=sys.stderr)
        return EXIT_OK

    run(body, debug=debug)
