"""The ``dockyard`` command: one module per command, registered from the table below.

Command modules import only typer at module level; the work (loader, renderer, Kubernetes
client) is imported inside the command function so that start-up stays fast.
"""

from __future__ import annotations

import importlib

import typer

# command name -> module exposing ``register(app)``; the order is the order of ``--help``.
COMMANDS: tuple[str, ...] = (
    "dockyard.cli.config_cmd",
    "dockyard.cli.validate_cmd",
    "dockyard.cli.dashboard_cmd",
    "dockyard.cli.install_cmd",
    "dockyard.cli.controller_cmd",
    "dockyard.cli.render_cmd",
    "dockyard.cli.plan_cmd",
    "dockyard.cli.env_cmd",
    "dockyard.cli.configvars_cmd",
    "dockyard.cli.secret_cmd",
    "dockyard.cli.apply_cmd",
    "dockyard.cli.status_cmd",
    "dockyard.cli.diff_cmd",
    "dockyard.cli.logs_cmd",
    "dockyard.cli.events_cmd",
    "dockyard.cli.down_cmd",
    "dockyard.cli.workspace_cmd",
    "dockyard.cli.connect_cmd",
)

app = typer.Typer(
    name="dockyard",
    help="Deploy Docker Compose services into Kubernetes environments and keep them there.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def version() -> None:
    """Print dockyard's version."""
    from dockyard import __version__

    print(f"dockyard {__version__}")


def _register_commands() -> None:
    for module_name in COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a command still being written
            if exc.name != module_name:
                raise
            continue
        module.register(app)


_register_commands()


def main() -> None:
    app()
