"""``dockyard workspace create|list|status|connect|disconnect|delete``: developer pods connected to an environment.

Each command writes or reads the Workspace resource (namespace ``ws-NAME`` unless ``--namespace``); the
controller runs it. With ``--local``, or when no controller is running, the command runs the same
reconcile itself once (``reconcile/workspaces.py``), so the pod spec and status are written either way.
"""

from __future__ import annotations

import typer

from dockyard.cli._kube import CONTEXT, KUBECONFIG

workspace_app = typer.Typer(help="Workspaces: your container in the cluster, connected to an environment.",
                            no_args_is_help=True)
NAMESPACE = typer.Option(None, "--namespace", "-n", help="The workspace's namespace (default ws-NAME).")
LOCAL = typer.Option(False, "--local", help="Reconcile here even if a controller runs.")


def register(app: typer.Typer) -> None:
    app.add_typer(workspace_app, name="workspace")


def _namespace(name: str, namespace: str | None) -> str:
    from dockyard.reconcile.workspaces import workspace_namespace

    return namespace or workspace_namespace(name)


def _reconcile_here(client, name: str, namespace: str, local: bool) -> None:
    """Run the controller's reconcile once, here, unless a controller will do it."""
    from dockyard.cli.apply_cmd import controller_running
    from dockyard.reconcile import workspaces

    if not local and controller_running(client):
        print("the controller will start it")
        return
    live = workspaces.get(client, name, namespace)
    workspaces.reconcile(client, name, namespace, live.get("spec"), live["metadata"].get("generation"),
                         previous=live.get("status"))


def _parse_env(values: list[str]) -> dict[str, str]:
    """``--set-env KEY=VALUE`` items; an error never echoes the item (it may hold a secret value)."""
    from dockyard.manifests.workspace import InvalidWorkspace

    out = {}
    for position, item in enumerate(values, start=1):
        key, sep, value = item.partition("=")
        if not sep:
            raise InvalidWorkspace(f"--set-env (item {position}) has no '=': use KEY=VALUE")
        out[key] = value
    return out


def _check_output(output: str) -> None:
    if output not in ("table", "json"):
        raise typer.BadParameter("must be table or json", param_hint="--output")


@workspace_app.command("create")
def create(
    name: str = typer.Argument(..., help="Workspace name."),
    image: str | None = typer.Option(None, "--image", help="Container image (default a devcontainers base image)."),
    command: str | None = typer.Option(None, "--command", help="Command line (default: sleep infinity)."),
    env: str | None = typer.Option(None, "--env", "-e", help="Connect to this environment right away."),
    set_env: list[str] = typer.Option([], "--set-env", help="KEY=VALUE for the container (repeatable)."),
    home_size: str | None = typer.Option(None, "--home-size", help="Size of the home volume (default 10Gi)."),
    cpu: str | None = typer.Option(None, "--cpu", help="CPU the container requests (e.g. 500m, 2)."),
    memory: str | None = typer.Option(None, "--memory", help="Memory the container requests (e.g. 2Gi)."),
    namespace: str | None = NAMESPACE,
    local: bool = LOCAL,
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Create (or update) a workspace with a persistent home volume."""
    from dockyard.cli._common import reported_errors
    from dockyard.manifests.workspace import WorkspaceSpec
    from dockyard.reconcile import workspaces

    ns = _namespace(name, namespace)
    with reported_errors():
        spec: dict = {"environment": env, "env": _parse_env(set_env), "home": {}}
        if image:
            spec["image"] = image
        if command:
            spec["command"] = _split_command(command)
        if home_size:
            spec["home"]["size"] = home_size
        requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
        if requests:
            spec["resources"] = {"requests": requests}
        ws = WorkspaceSpec.from_resource(name, ns, spec)
    _change(name, ns, local, kubeconfig, context, lambda client: _create(client, ws))


def _create(client, ws) -> str:
    """Store the workspace; says whether it was created or updated, and when an update disconnects it."""
    from dockyard.manifests.workspace import GROUP_VERSION, KIND
    from dockyard.reconcile import workspaces

    before = client.get(GROUP_VERSION, KIND, ws.name, ws.namespace)
    workspaces.create(client, ws)
    if before is None:
        return f"workspace {ws.name} created in namespace {ws.namespace}" + (
            f", connected to {ws.environment}" if ws.environment else "")
    was = (before.get("spec") or {}).get("environment")
    note = f", no longer connected to {was} (give --env {was} to stay)" if was and not ws.environment else ""
    return f"workspace {ws.name} updated in namespace {ws.namespace}" + (
        f", connected to {ws.environment}" if ws.environment else note)


def _split_command(command: str) -> list[str]:
    import shlex

    from dockyard.manifests.workspace import InvalidWorkspace

    try:
        return shlex.split(command)
    except ValueError as exc:
        raise InvalidWorkspace(f"--command cannot be split into words: {str(exc).lower()}") from None


def _change(name: str, namespace: str, local: bool, kubeconfig: str | None, context: str | None, write) -> None:
    """Write a change to the Workspace (``write(client)`` returns what to say), then run it here unless a
    controller will."""
    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client as make_client

    with reported_errors():
        client = make_client(kubeconfig, context)
        print(write(client))
        _reconcile_here(client, name, namespace, local)


@workspace_app.command("list")
def list_(
    namespace: str | None = typer.Option(None, "--namespace", "-n", help="Only this namespace (default: all)."),
    output: str = typer.Option("table", "--output", "-o", help="table or json."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """List workspaces with their connected environment."""
    _check_output(output)
    import dataclasses
    import json

    from rich.console import Console
    from rich.table import Table

    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client
    from dockyard.reconcile import workspaces

    with reported_errors():
        found = workspaces.list_workspaces(client(kubeconfig, context), namespace)
    if output == "json":
        print(json.dumps([dataclasses.asdict(w) for w in found], indent=2))
        return
    table = Table("WORKSPACE", "NAMESPACE", "ENVIRONMENT", "READY", "SERVICES", box=None)
    for ws in found:
        connected = ws.connected or "-"
        if ws.environment and ws.environment != ws.connected:
            connected = f"{ws.environment} (connecting)" if not ws.connected else f"{ws.connected} -> {ws.environment}"
        table.add_row(ws.name, ws.namespace, connected, "yes" if ws.ready else "no", str(len(ws.services)))
    Console(width=200).print(table)


@workspace_app.command("status")
def status(
    name: str = typer.Argument(..., help="Workspace name."),
    namespace: str | None = NAMESPACE,
    output: str = typer.Option("table", "--output", "-o", help="table or json."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """The connected environment and the services reachable from the workspace (name -> DNS -> ports), as
    the cluster shows them now."""
    _check_output(output)
    import json

    from rich.console import Console
    from rich.table import Table

    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client
    from dockyard.reconcile import workspaces

    with reported_errors():
        kube = client(kubeconfig, context)
        st = workspaces.observe(kube, workspaces.get(kube, name, _namespace(name, namespace)))
    if output == "json":
        print(json.dumps(st, indent=2))
        return
    print(f"workspace {name}: environment {st.get('connectedEnvironment') or '-'}, pod {st.get('pod') or '-'}")
    for condition in st.get("conditions") or []:
        print(f"  {condition['type']}: {condition['status']} ({condition.get('message', '')})")
    if st.get("services"):
        table = Table("SERVICE", "DNS", "PORTS", box=None)
        for svc in st["services"]:
            ports = ", ".join(f"{p['port']}/{p.get('protocol', 'TCP')}" for p in svc["ports"]) or "-"
            table.add_row(svc["name"], svc["dns"], ports)
        Console(width=200).print(table)


@workspace_app.command("connect")
def connect(
    name: str = typer.Argument(..., help="Workspace name."),
    env: str = typer.Option(..., "--env", "-e", help="The environment to connect to."),
    namespace: str | None = NAMESPACE,
    local: bool = LOCAL,
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Connect a workspace to an environment (its home volume stays)."""
    from dockyard.cli._common import reported_errors
    from dockyard.reconcile import environments, workspaces

    with reported_errors():
        environments.check_env_name(env)
    ns = _namespace(name, namespace)
    def write(client) -> str:
        workspaces.connect(client, name, ns, env)
        return f"workspace {name} connected to {env}: services resolve by name (e.g. postgres:5432)"

    _change(name, ns, local, kubeconfig, context, write)


@workspace_app.command("disconnect")
def disconnect(
    name: str = typer.Argument(..., help="Workspace name."),
    namespace: str | None = NAMESPACE,
    local: bool = LOCAL,
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Disconnect a workspace from its environment (its home volume stays)."""
    from dockyard.reconcile import workspaces

    ns = _namespace(name, namespace)
    def write(client) -> str:
        workspaces.disconnect(client, name, ns)
        return f"workspace {name} disconnected"

    _change(name, ns, local, kubeconfig, context, write)


@workspace_app.command("delete")
def delete(
    name: str = typer.Argument(..., help="Workspace name."),
    namespace: str | None = NAMESPACE,
    delete_home: bool = typer.Option(False, "--delete-home", help="Delete the home volume too."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Delete a workspace; its home volume is kept unless --delete-home."""
    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client as make_client
    from dockyard.cli._kube import confirm
    from dockyard.reconcile import workspaces

    ns = _namespace(name, namespace)
    what = "and its home volume " if delete_home else ""
    confirm(f"Delete workspace {name} {what}in {ns}?", yes)
    with reported_errors():
        client = make_client(kubeconfig, context)
        workspaces.get(client, name, ns)
        workspaces.delete(client, name, ns, keep_home=not delete_home)
    print(f"workspace {name} deleted" + ("" if delete_home else f" (home volume {name}-home kept)"))
