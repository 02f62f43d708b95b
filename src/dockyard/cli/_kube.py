"""What the cluster-facing commands share: kubeconfig/context options, the client, the environment option."""

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
