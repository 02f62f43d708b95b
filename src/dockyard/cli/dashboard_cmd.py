"""``dockyard dashboard``: serve the environment dashboard over the same kubeconfig as the CLI.

Binds 127.0.0.1 by default. Any other address requires a token: the one given with ``--token``,
or a fresh one printed once, inside the address to open.
"""

from __future__ import annotations

import sys

import typer


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard)


def dashboard(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; anything but loopback requires a token."),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
    token: str | None = typer.Option(None, "--token", envvar="DOCKYARD_DASHBOARD_TOKEN",
                                     help="Token every request must carry (generated when binding off loopback)."),
    kubeconfig: str | None = typer.Option(None, "--kubeconfig", help="Kubeconfig file (default: KUBECONFIG, "
                                                                      "~/.kube/config, then in-cluster)."),
    context: str | None = typer.Option(None, "--context", help="Kubeconfig context."),
    local: bool = typer.Option(False, "--local", help="Run the engine here after each save even if a controller runs."),
) -> None:
    """Serve the environments dashboard (services, compose editor, events, logs)."""
    import uvicorn

    from dockyard.cli._common import reported_errors
    from dockyard.dashboard.app import create_app
    from dockyard.dashboard.engine import Cluster
    from dockyard.dashboard.security import is_loopback, token_required
    from dockyard.reconcile.client import KubeClient, load_kubeconfig

    with reported_errors():
        config = load_kubeconfig(kubeconfig, context)
        cluster = Cluster(KubeClient(config), config, run_engine=local)
    listener = _listen(host, port)
    required = token_required(host, token)
    shown_host = f"[{host}]" if ":" in host else host
    address = f"http://{shown_host}:{port}/"
    if required and not token:
        print(f"dockyard dashboard on {address}?token={required}")
        print("(the token is printed only now; pass --token to choose it)")
    else:
        print(f"dockyard dashboard on {address}" + ("" if is_loopback(host) or not required else " (token required)"))
    server = uvicorn.Server(uvicorn.Config(create_app(cluster, host=host, token=required), log_level="warning",
                                           access_log=False, timeout_graceful_shutdown=2))
    server.run(sockets=[listener])


def _listen(host: str, port: int):
    """The listening socket, opened before anything is announced (a taken port fails in one line)."""
    import socket

    if not 1 <= port <= 65535:
        print(f"error: --port {port}: use a port from 1 to 65535", file=sys.stderr)
        raise typer.Exit(2)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host.strip("[]"), port), family=family)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).partition(" (while attempting")[0]  # create_server appends the address
        print(f"error: cannot listen on {host}:{port}: {reason}", file=sys.stderr)
        raise typer.Exit(3) from None
