"""``dockyard env create|list|delete``: environments are namespaces ``env-NAME`` with their config and secrets."""

from __future__ import annotations

import typer

from dockyard.cli._kube import CONTEXT, KUBECONFIG

env_app = typer.Typer(help="Create, list and delete environments.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(env_app, name="env")


@env_app.command("create")
def create(
    name: str = typer.Argument(..., help="Environment name (namespace env-NAME)."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Create an environment: namespace env-NAME, ConfigMap env-config, Secret env-secret."""
    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client
    from dockyard.reconcile import environments

    with reported_errors():
        environments.check_env_name(name)
        environments.create(client(kubeconfig, context), name)
    print(f"environment {name} ready (namespace {environments.namespace_of(name)})")


@env_app.command("list")
def list_(
    output: str = typer.Option("table", "--output", "-o", help="table or json."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """List environments with their services ready / total."""
    import dataclasses
    import json

    from rich.console import Console
    from rich.table import Table

    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client
    from dockyard.reconcile import environments

    with reported_errors():
        found = environments.list_environments(client(kubeconfig, context))
    if output == "json":
        print(json.dumps([dataclasses.asdict(e) for e in found], indent=2))
        return
    table = Table("ENVIRONMENT", "NAMESPACE", "COMPOSITIONS", "READY", "PHASE", box=None)
    for env in found:
        table.add_row(env.name, env.namespace, str(env.compositions), f"{env.ready}/{env.total}", env.phase)
    Console(width=200).print(table)


@env_app.command("delete")
def delete(
    name: str = typer.Argument(..., help="Environment to delete, with everything in it."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Delete an environment: its namespace, services, volumes, config and secrets."""
    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client, confirm
    from dockyard.reconcile import environments

    with reported_errors():
        environments.check_env_name(name)
    confirm(f"Delete environment {name} and everything in it, volumes included?", yes)
    with reported_errors():
        deleted = environments.delete(client(kubeconfig, context), name)
    print(f"environment {name} deleted" if deleted else f"environment {name} did not exist")
