"""``dockyard down --env NAME``: remove a composition's services from an environment; volumes stay unless
``--volumes``. The environment itself (namespace, config, secrets) stays: ``dockyard env delete`` removes it.
"""

from __future__ import annotations

import typer

from dockyard.cli._kube import CONTEXT, ENV, KUBECONFIG


def register(app: typer.Typer) -> None:
    app.command("down")(down)


def take_down(client, namespace: str, name: str, *, volumes: bool) -> int:
    """Delete the Composition, then every object it owns (PVCs only with ``volumes``); returns deletions."""
    from dockyard.reconcile import apply as applying
    from dockyard.reconcile import composition, engine
    from dockyard.reconcile.plan import plan

    deleted = int(client.delete(composition.API_VERSION, composition.KIND, name, namespace))
    deleted += int(client.delete("v1", "Secret", composition.files_secret_name(name), namespace))
    live = engine.observe_live(client, namespace, None)
    nothing = plan((), live.values(), name, prune_volumes=volumes)
    return deleted + applying.prune(client, nothing, applying.Applied()).writes


def down(
    env: str = ENV,
    name: str | None = typer.Option(None, "--name", help="Only this composition (default: all in the environment)."),
    volumes: bool = typer.Option(False, "--volumes", help="Also delete the volumes (data is lost)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Stop and remove the services of an environment (volumes are kept unless --volumes)."""
    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client as make_client
    from dockyard.cli._kube import compositions, confirm
    from dockyard.reconcile import environments

    with reported_errors():
        environments.check_env_name(env)
        client = make_client(kubeconfig, context)
        names = [cr["metadata"]["name"] for cr in compositions(client, env, name)]
        namespace = environments.namespace_of(env)
    if not names:
        print(f"nothing to take down in environment {env}")
        return
    what = "services and volumes" if volumes else "services (volumes are kept)"
    confirm(f"Remove the {what} of {', '.join(names)} from environment {env}?", yes)
    with reported_errors():
        for cname in names:
            count = take_down(client, namespace, cname, volumes=volumes)
            print(f"composition {cname}: {count} object(s) deleted")
