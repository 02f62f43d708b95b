"""The ``dockyard`` command: one module per command, registered from the table below.

Command modules import only typer at module level; the work (loader, renderer, Kubernetes
client) is imported inside the command function so that start-up stays fast. For the same
reason ``main()`` imports only the module of the command it runs (``dockyard --help`` and an
unknown name import them all), and runs ``config``/``validate``/``render`` without typer when their
options are plain (``_fastpath.py``). ``app`` (what tests give to ``CliRunner``) has every command.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

# command name -> its module, where the name is not ``<module>_cmd`` (a missing row only costs
# start-up time: a command not found in the module guessed from its name loads every module)
MODULE_OF_COMMAND: dict[str, str] = {
    "vars": "dockyard.cli.configvars_cmd",
    "uninstall": "dockyard.cli.install_cmd",
}


def version() -> None:
    """Print dockyard's version."""
    from dockyard import __version__

    print(f"dockyard {__version__}")


def build_app(command: str | None = None) -> typer.Typer:
    """The ``dockyard`` app with every command, or with at least ``command`` when it is given."""
    import typer

    app = typer.Typer(
        name="dockyard",
        help="Deploy Docker Compose services into Kubernetes environments and keep them there.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.command()(version)
    module_name = _module_of(command) if command else None
    if module_name is not None:
        _register(app, module_name)
        if command in _registered_names(app):
            return app
    for name in COMMANDS:
        if name != module_name:
            _register(app, name)
    return app


def _module_of(command: str) -> str | None:
    name = MODULE_OF_COMMAND.get(command, f"dockyard.cli.{command.replace('-', '_')}_cmd")
    return name if name in COMMANDS else None


def _register(app: typer.Typer, module_name: str) -> None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:  # a command still being written
        if exc.name != module_name:
            raise
        return
    module.register(app)


def _registered_names(app: typer.Typer) -> set[str]:
    names = {info.name or (info.callback.__name__.replace("_", "-") if info.callback else None)
             for info in app.registered_commands}
    names.update(info.name for info in app.registered_groups)
    return names


def __getattr__(name: str):
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> int | None:
    from dockyard.cli import _fastpath

    args = sys.argv[1:]
    gc.disable()  # for the fast commands, until exit (see _fastpath); typer's commands run with it
    code = _fastpath.run(args)
    if code is not None:
        gc.freeze()  # interpreter exit still runs one collection over every object: nothing left to free
        return code
    gc.enable()
    build_app(args[0] if args and not args[0].startswith("-") else None)()
    return None
