"""``dockyard controller``: run the Composition/Environment operator (in-cluster, or against a kubeconfig).

Several replicas may run: kopf peering lets the one with the highest ``--priority`` act (random
when not given). ``--standalone`` skips peering for a single developer instance.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("controller")(controller)


def controller(
    namespace: list[str] = typer.Option([], "--namespace", "-n", help="Serve only these namespaces (repeatable; "
                                                                     "globs like env-* work). Default: all."),
    standalone: bool = typer.Option(False, "--standalone", help="Do not coordinate with other replicas."),
    priority: int | None = typer.Option(None, "--priority", help="Peering priority; the highest replica acts."),
    liveness: str | None = typer.Option(None, "--liveness", help="Serve a liveness endpoint, e.g. "
                                                                 "http://0.0.0.0:8080/healthz."),
    resync: float = typer.Option(300.0, "--resync", help="Seconds between full reconciles of every composition."),
    workers: int = typer.Option(16, "--workers", help="Compositions reconciled in parallel."),
    kubeconfig: str | None = typer.Option(None, "--kubeconfig", help="Kubeconfig file (default: KUBECONFIG, "
                                                                     "~/.kube/config, then in-cluster)."),
    context: str | None = typer.Option(None, "--context", help="Kubeconfig context."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log every handler run."),
) -> None:
    """Run the dockyard controller until interrupted."""
    import asyncio
    import logging

    from dockyard.cli._common import reported_errors
    from dockyard.controller.run import ControllerOptions, run_controller
    from dockyard.reconcile.client import load_kubeconfig

    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:  # one line per API request is for debugging only
        for chatty in ("httpx", "httpx2", "httpcore", "aiohttp.access"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    with reported_errors():
        load_kubeconfig(kubeconfig, context)  # fail early, with dockyard's message, on a bad configuration
    options = ControllerOptions(kubeconfig=kubeconfig, context=context, namespaces=tuple(namespace),
                                standalone=standalone, priority=priority, liveness_endpoint=liveness,
                                resync=resync, workers=workers)
    asyncio.run(run_controller(options))
