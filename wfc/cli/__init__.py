"""The ``wfc`` command line.

Each subcommand lives in its own module and is imported only when it runs, so ``wfc lint`` does
not pay for the imports of ``wfc models sync`` or the worker. Exit codes, for every command:
0 clean, 1 findings at or above the failing severity, 2 usage or configuration error.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from wfc import __version__

# command name -> "module:attribute" of its click command
COMMANDS = {
    "lint": "wfc.cli.lint:lint",
    "catalog": "wfc.cli.catalog:catalog",
    "compile": "wfc.cli.compile:compile_command",
    "import": "wfc.cli.importer:import_command",
    "convert": "wfc.cli.convert:convert",
    "models": "wfc.cli.models:models",
    "graph": "wfc.cli.graph:graph",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module_name, attribute = self.lazy[name].split(":")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                return None
            return getattr(module, attribute)
        return super().get_command(ctx, name)


EPILOG = "Exit codes: 0 clean, 1 findings at or above the failing severity, 2 usage or configuration error."


@click.group(cls=LazyGroup, lazy=COMMANDS, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wfc")
def main() -> None:
    """Compile, lint and serve ComfyUI workflows."""
