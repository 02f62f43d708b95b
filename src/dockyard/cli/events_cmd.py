"""``dockyard events --env NAME``: the environment's Kubernetes events, oldest first."""

from __future__ import annotations

import typer

from dockyard.cli._kube import CONTEXT, ENV, KUBECONFIG


def register(app: typer.Typer) -> None:
    app.command("events")(events)


def event_time(event: dict) -> str:
    return (event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp")
            or (event.get("metadata") or {}).get("creationTimestamp") or "")


def belongs_to(event: dict, service: str | None, names: set[str]) -> bool:
    """Events about the service's workload, its pods (``<workload>-...``) or its other objects."""
    if service is None:
        return True
    target = (event.get("involvedObject") or {}).get("name", "")
    return any(target == n or target.startswith(f"{n}-") for n in names)


def events(
    env: str = ENV,
    service: str | None = typer.Option(None, "--service", "-s", help="Only events about this service."),
    warnings_only: bool = typer.Option(False, "--warnings", help="Only Warning events."),
    output: str = typer.Option("table", "--output", "-o", help="table or json."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """List events of the environment's objects, sorted by time."""
    import json

    from rich.console import Console
    from rich.table import Table

    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client as make_client
    from dockyard.manifests.names import dns_label
    from dockyard.reconcile import environments

    with reported_errors():
        environments.check_env_name(env)
        client = make_client(kubeconfig, context)
        namespace = environments.require(client, env)
        found = client.events(namespace)
    names = {service, dns_label(service)} if service else set()
    chosen = sorted((e for e in found if belongs_to(e, service, names)
                     and (not warnings_only or e.get("type") == "Warning")
                     and (e.get("involvedObject") or {}).get("namespace", namespace) == namespace), key=event_time)
    if output == "json":
        print(json.dumps(chosen, indent=2))
        return
    table = Table("TIME", "TYPE", "OBJECT", "REASON", "MESSAGE", box=None)
    for e in chosen:
        obj = e.get("involvedObject") or {}
        table.add_row(event_time(e), e.get("type", ""), f"{obj.get('kind', '')}/{obj.get('name', '')}",
                      e.get("reason", ""), e.get("message", ""))
    Console(width=240).print(table)
