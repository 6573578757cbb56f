"""The typer group behind `caseflow`: resolves a command by importing its module on use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Annotated

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from workers.cli import COMMANDS, HELP, caseflow_version
from workers.cli import exit as cli_exit

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter


class LazyGroup(TyperGroup):
    _listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        lazy = COMMANDS.get(cmd_name)
        if lazy is None:
            return None
        if self._listing:
            # Listing the commands in a help text needs their one-liners, not their modules.
            return TyperCommand(cmd_name, help=lazy.help, short_help=lazy.help)
        module = importlib.import_module(lazy.module)
        group = typer.main.get_group(module.app)
        command: Command = group if lazy.command is None else group.commands[lazy.command]
        command.name = cmd_name
        return command

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=LazyGroup,
    name="caseflow",
    help=HELP,
    epilog=cli_exit.HELP,
    no_args_is_help=True,
    # Plain help at the top level, like workers.cli's fast path prints it.
    rich_markup_mode=None,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["--help", "-h"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"caseflow {caseflow_version()}")
        raise typer.Exit(cli_exit.OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    pass
