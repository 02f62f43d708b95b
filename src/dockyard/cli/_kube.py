"""What the cluster-facing commands share: kubeconfig/context options, the client, the environment option,
confirmation prompts, KEY=VALUE arguments and the environment's Compositions."""

from __future__ import annotations

import typer

KUBECONFIG = typer.Option(None, "--kubeconfig", help="Kubeconfig file (default: KUBECONFIG, ~/.kube/config, "
                                                     "then in-cluster).")
CONTEXT = typer.Option(None, "--context", help="Kubeconfig context to use.")
ENV = typer.Option(..., "--env", "-e", help="Environment name (namespace env-NAME).")


def client(kubeconfig: str | None, context: str | None):
    """A ``KubeClient`` for the chosen kubeconfig and context (field manager ``dockyard``)."""
    from dockyard.reconcile.client import KubeClient, load_kubeconfig

    return KubeClient(load_kubeconfig(kubeconfig, context))


def stdin_is_terminal() -> bool:
    """Whether a person can answer a prompt (tests replace this: CliRunner's stdin is never a terminal)."""
    import sys

    return sys.stdin.isatty()


def confirm(question: str, yes: bool) -> None:
    """Ask before something destructive; ``--yes`` answers for the user (required when stdin is not a TTY)."""
    if yes:
        return
    if not stdin_is_terminal():
        from dockyard.cli._common import error

        error(f"{question} Pass --yes to confirm when not running interactively.")
        raise typer.Exit(2)
    if not typer.confirm(question, default=False):
        raise typer.Abort()


def key_values(items: list[str], what: str, flag: str = "") -> dict[str, str]:
    """``KEY=VALUE`` arguments as a mapping; every key is checked (``what`` names it in the error)."""
    from dockyard.reconcile.environments import InvalidName, check_key

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise InvalidName(f"{flag + ' ' if flag else ''}{item!r} is not KEY=VALUE")
        out[check_key(key, what)] = value
    return out


def unset_keys(unset, keys: list[str], env: str, kubeconfig: str | None, context: str | None) -> None:
    """``vars unset`` and ``secret unset``: ``unset(client, env, keys)`` returns the keys that were not set."""
    from dockyard.cli._common import reported_errors, warn
    from dockyard.reconcile import environments

    with reported_errors():
        environments.check_env_name(env)
        missing = unset(client(kubeconfig, context), env, keys)
    for key in missing:
        warn(f"{key} was not set in environment {env}")
    print(f"unset {', '.join(keys)} in environment {env}")


def compositions(client, env: str, name: str | None = None) -> list[dict]:
    """The environment's Compositions (or the one named); a clear error when the environment does not exist."""
    from dockyard.errors import NotFoundError
    from dockyard.reconcile import composition, environments

    namespace = environments.require(client, env)
    if name:
        cr = client.get(composition.API_VERSION, composition.KIND, name, namespace)
        if cr is None:
            raise NotFoundError(f"no composition {name!r} in environment {env}")
        return [cr]
    try:
        return client.list(composition.API_VERSION, composition.KIND, namespace)
    except NotFoundError:
        return []
