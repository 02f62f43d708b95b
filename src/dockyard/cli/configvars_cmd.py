"""``dockyard vars set|unset|list --env NAME``: env-level config values (ConfigMap ``env-config``).

These are the variables the compose files interpolate in that environment (``${TAG}``); changing one
rolls only the services that use it. The command is ``vars`` because ``dockyard config`` is docker
compose's ``config`` (print the resolved compose file).
"""

from __future__ import annotations

import typer

from dockyard.cli._kube import CONTEXT, ENV, KUBECONFIG

vars_app = typer.Typer(help="Set, unset and list an environment's config values (interpolated into compose).",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(vars_app, name="vars")


@vars_app.command("set")
def set_(
    pairs: list[str] = typer.Argument(..., help="KEY=VALUE pairs."),
    env: str = ENV,
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Set config values (services using them roll on the next apply/reconcile)."""
    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client, key_values
    from dockyard.reconcile import environments

    with reported_errors():
        values = key_values(pairs, "config key")
        environments.check_env_name(env)
        environments.set_config(client(kubeconfig, context), env, values)
    print(f"set {', '.join(values)} in environment {env}")


@vars_app.command("unset")
def unset(
    keys: list[str] = typer.Argument(..., help="Keys to remove."),
    env: str = ENV,
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Remove config values."""
    from dockyard.cli._kube import unset_keys
    from dockyard.reconcile import environments

    unset_keys(environments.unset_config, keys, env, kubeconfig, context)


@vars_app.command("list")
def list_(
    env: str = ENV,
    output: str = typer.Option("env", "--output", "-o", help="env (KEY=VALUE lines) or json."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """List config values."""
    import json

    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client
    from dockyard.reconcile import environments

    with reported_errors():
        environments.check_env_name(env)
        values = environments.read_config(client(kubeconfig, context), env)
    if output == "json":
        print(json.dumps(dict(sorted(values.items())), indent=2))
    else:
        for key, value in sorted(values.items()):
            print(f"{key}={value}")
