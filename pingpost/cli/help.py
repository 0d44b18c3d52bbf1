"""Help as a person writes it: `pingpost deliver [OPTIONS] LEAD`, `[PATH]...`.

Typer's plain help shows each argument with its Python type (`LEAD <str>`,
`paths... <list[Path]>`) and a required one in braces (`{LEAD}`). Every command
is registered with `Command` (cli/app.py), which shows arguments by their
metavar alone; options name their value with an explicit metavar (`SECONDS`,
`NAME`), never a type. A test reads every command's help to keep it so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.core import TyperCommand

if TYPE_CHECKING:  # typer vendors click: its types, for annotations only
    from typer._click import Context, HelpFormatter, Parameter


class Command(TyperCommand):
    """A Typer command whose usage line and help name arguments as people do."""

    def collect_usage_pieces(self, ctx: Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = argument_name(param)
                pieces.append(name if param.required else _optional(name))
        return pieces

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((argument_name(param), record[1]))
            else:
                options.append(record)
        for title, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


def argument_name(param: Parameter) -> str:
    """`LEAD`, or `PATH...` for an argument taking several values."""
    name = param.metavar or (param.name or "value").upper()
    return f"{name}..." if param.nargs != 1 and not name.endswith("...") else name


def _optional(name: str) -> str:
    """`[PATH]...` for optional repeated values, `[FILE]` for one."""
    if name.endswith("..."):
        return f"[{name[:-3]}]..."
    return f"[{name}]"
