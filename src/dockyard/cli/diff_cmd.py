"""``dockyard diff -f compose.yaml --env NAME``: what ``apply`` would change, per object and field.

The project is read and validated exactly as ``apply`` does, then every planned write is sent to the API
server as a server-side dry run, and the fields that would change are listed. Nothing is stored.
Values under a Secret's ``data`` are never shown.
"""

from __future__ import annotations

import typer

from dockyard.cli._kube import CONTEXT, ENV, KUBECONFIG

SYMBOL = {"create": "+", "update": "~", "recreate": "!", "prune": "-"}


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)


def _shown(kind: str, change) -> str:
    if kind == "Secret" and change.path.split(".")[0] in ("data", "stringData"):
        return f"{change.path}: (secret value changed)"
    return str(change)


def diff(
    files: list[str] = typer.Option([], "--file", "-f", help="Compose file(s), in order."),
    env: str = ENV,
    profile: list[str] = typer.Option([], "--profile", help="Activate a compose profile (repeatable)."),
    var: list[str] = typer.Option([], "--var", help="KEY=VALUE interpolation variable."),
    name: str | None = typer.Option(None, "--name", help="Composition name (default: the compose project name)."),
    prune_volumes: bool = typer.Option(False, "--prune-volumes", help="Show volumes that would be deleted."),
    allow: list[str] = typer.Option([], "--allow", help="Lift a policy check."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Show what apply would change (server-side dry run); exits 0 whether or not there are changes."""
    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client as make_client
    from dockyard.cli.apply_cmd import prepare
    from dockyard.reconcile import engine
    from dockyard.reconcile.plan import Action

    with reported_errors():
        client = make_client(kubeconfig, context)
        _, _, preview = prepare(client, files, env, profiles=profile, var=var, name=name,
                                prune_volumes=prune_volumes, allow=allow)
        changes = engine.dry_run(client, preview)
    if not changes:
        print("no changes")
        return
    for step, fields in changes:
        print(f"{SYMBOL[step.action.value]} {step.kind} {step.name}"
              + (f" ({step.reason})" if step.action is Action.RECREATE else ""))
        if step.action in (Action.UPDATE, Action.RECREATE):
            for change in fields:
                print(f"    {_shown(step.kind, change)}")
    print(f"{len(changes)} object(s) would change")
