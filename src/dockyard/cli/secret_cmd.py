"""``dockyard secret set|unset|list --env NAME``: env-level secrets (Secret ``env-secret``).

A value is read from ``--from-file``, from stdin when it is not a terminal, or from a hidden prompt;
it is never an argument (it would land in shell history) and never printed: ``list`` shows keys only.
"""

from __future__ import annotations

import typer

from dockyard.cli._kube import CONTEXT, ENV, KUBECONFIG

secret_app = typer.Typer(help="Set, unset and list an environment's secrets (values are never shown).",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(secret_app, name="secret")


def _read_value(key: str, from_file: str | None) -> str:
    import sys

    from dockyard.cli import _kube
    from dockyard.errors import TerminalError

    if from_file:
        try:
            with open(from_file, encoding="utf-8") as handle:
                return handle.read()
        except OSError as exc:
            raise TerminalError(f"cannot read {from_file}: {exc.strerror}") from None
    if not _kube.stdin_is_terminal():
        value = sys.stdin.read()
        return value[:-1] if value.endswith("\n") else value
    return typer.prompt(f"value of {key}", hide_input=True, confirmation_prompt=True)


@secret_app.command("set")
def set_(
    key: str = typer.Argument(..., help="Secret key (the compose variable name)."),
    env: str = ENV,
    from_file: str | None = typer.Option(None, "--from-file", help="Read the value from this file."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Set a secret from stdin, a hidden prompt or --from-file."""
    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client
    from dockyard.reconcile import environments

    with reported_errors():
        environments.check_env_name(env)
        environments.check_key(key, "secret key")
        value = _read_value(key, from_file)
        environments.set_secret(client(kubeconfig, context), env, key, value)
    print(f"secret {key} set in environment {env}")


@secret_app.command("unset")
def unset(
    keys: list[str] = typer.Argument(..., help="Keys to remove."),
    env: str = ENV,
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Remove secrets."""
    from dockyard.cli._kube import unset_keys
    from dockyard.reconcile import environments

    unset_keys(environments.unset_secret, keys, env, kubeconfig, context)


@secret_app.command("list")
def list_(
    env: str = ENV,
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """List secret keys (never values)."""
    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client
    from dockyard.reconcile import environments

    with reported_errors():
        environments.check_env_name(env)
        keys = environments.secret_keys(client(kubeconfig, context), env)
    for key in keys:
        print(key)
