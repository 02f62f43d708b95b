"""``dockyard status --env NAME``: every service's state, replicas, image, ports, DNS names and message.

The status is computed now from the live objects, the same computation the engine writes into the
Composition (``engine.live_status``), so it is current even between reconciles. ``follow_rollout`` is the
live table ``apply --wait`` and ``status --watch`` share.
"""

from __future__ import annotations

import typer

from dockyard.cli._kube import CONTEXT, ENV, KUBECONFIG

import time

_sleep = time.sleep  # between two rounds of follow_rollout (tests replace it)

STATE_STYLE = {"ready": "green", "stopped": "dim", "failed": "red", "degraded": "yellow",
               "progressing": "cyan", "pending": "cyan", "waiting-for-dependency": "blue"}


def register(app: typer.Typer) -> None:
    app.command("status")(status)


def table(services, *, wide: bool = True):
    from rich.table import Table

    out = Table("SERVICE", "STATE", "READY", "IMAGE", "PORTS", "DNS", "MESSAGE", box=None) if wide else \
        Table("SERVICE", "STATE", "READY", "MESSAGE", box=None)
    for s in services:
        state = f"[{STATE_STYLE.get(s.state, '')}]{s.state}[/]"
        ready = f"{s.ready}/{s.desired}"
        if wide:
            out.add_row(s.name, state, ready, s.image, ",".join(s.ports), s.dns_names[0] if s.dns_names else "",
                        s.message)
        else:
            out.add_row(s.name, state, ready, s.message)
    return out


def _compositions(client, env: str, name: str | None) -> list[dict]:
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


def _services(client, cr):
    from dockyard.errors import DockyardError
    from dockyard.reconcile import engine
    from dockyard.reconcile.status import ServiceStatus

    try:
        return engine.live_status(client, cr)
    except DockyardError:
        return [ServiceStatus.from_dict(s) for s in (cr.get("status") or {}).get("services") or []]


def follow_rollout(client, namespace: str, name: str, *, run_engine: bool, timeout: float, clock=None,
                   sleep=None) -> int:
    """Reconcile (or watch the controller's status) until all ready, one failed, or ``timeout``; exit code."""
    import sys

    from rich.console import Console
    from rich.live import Live

    from dockyard.cli._common import EXIT_INPUT, EXIT_ROLLOUT, error
    from dockyard.errors import ComposeError, DockyardError, TerminalError
    from dockyard.reconcile import composition, engine
    from dockyard.reconcile.errors import RetryableError
    from dockyard.reconcile.status import FAILED, READY, STOPPED, ServiceStatus

    clock, sleep = clock or time.monotonic, sleep or _sleep
    console = Console()
    interactive = sys.stdout.isatty()
    deadline = clock() + timeout
    last_lines: dict[str, str] = {}
    live = Live(console=console, auto_refresh=False) if interactive else None
    if live:
        live.start()
    try:
        while True:
            services: list[ServiceStatus] = []
            try:
                if run_engine:
                    services = engine.reconcile(client, namespace, name).services
                else:
                    cr = client.get(composition.API_VERSION, composition.KIND, name, namespace) or {}
                    stored = cr.get("status") or {}
                    if stored.get("observedGeneration") == (cr.get("metadata") or {}).get("generation"):
                        if any(c.get("type") == "Reconciled" and c.get("status") == "False"
                               for c in stored.get("conditions") or []):
                            reason = next(c.get("message") for c in stored["conditions"] if c["type"] == "Reconciled")
                            raise TerminalError(reason)
                        services = [ServiceStatus.from_dict(s) for s in stored.get("services") or []]
            except (TerminalError, ComposeError) as exc:
                if live:
                    live.stop()
                    live = None
                error(str(exc))
                return EXIT_INPUT
            except RetryableError:
                pass  # a transient API failure: the next round retries
            if live:
                live.update(table(services, wide=False), refresh=True)
            else:
                for s in services:
                    line = f"{s.name}: {s.state} {s.ready}/{s.desired} {s.message}".rstrip()
                    if last_lines.get(s.name) != line:
                        print(line)
                        last_lines[s.name] = line
            if services and all(s.state in (READY, STOPPED) for s in services):
                if live:
                    live.stop()
                    live = None
                print(f"all {len(services)} services ready")
                return 0
            failed = [s for s in services if s.state == FAILED]
            if failed or clock() >= deadline:
                if live:
                    live.stop()
                    live = None
                if failed:
                    for s in failed:
                        error(f"{s.name}: {s.message}")
                else:
                    error(f"timed out after {timeout:g}s; not ready: "
                          + "; ".join(f"{s.name}: {s.message or s.state}" for s in services
                                      if s.state not in (READY, STOPPED)))
                return EXIT_ROLLOUT
            sleep(POLL_SECONDS)
    except DockyardError:
        if live:
            live.stop()
        raise
    finally:
        if live:
            live.stop()


POLL_SECONDS = 1.0


def status(
    env: str = ENV,
    name: str | None = typer.Option(None, "--name", help="Only this composition."),
    watch: bool = typer.Option(False, "--watch", "-w", help="Refresh until interrupted."),
    output: str = typer.Option("table", "--output", "-o", help="table or json."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Show each service's state and the reason when it is not ready."""
    from rich.console import Console

    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client as make_client

    console = Console(width=240)
    with reported_errors():
        client = make_client(kubeconfig, context)
        try:
            while True:
                if watch and console.is_terminal:
                    console.clear()
                _report(console, client, env, name, output)
                if not watch:
                    return
                _sleep(2.0)
        except KeyboardInterrupt:
            return  # Ctrl-C ends --watch


def _report(console, client, env: str, name: str | None, output: str) -> None:
    import json

    report = {cr["metadata"]["name"]: (cr, _services(client, cr)) for cr in _compositions(client, env, name)}
    if output == "json":
        print(json.dumps({n: {"conditions": (cr.get("status") or {}).get("conditions") or [],
                              "services": [s.to_dict() for s in services]}
                          for n, (cr, services) in report.items()}, indent=2))
        return
    if not report:
        print(f"no composition in environment {env}")
    for n, (cr, services) in report.items():
        conditions = {c.get("type"): c for c in (cr.get("status") or {}).get("conditions") or []}
        reconciled = conditions.get("Reconciled") or {}
        ready = sum(s.state in ("ready", "stopped") for s in services)
        head = f"composition {n}: {ready}/{len(services)} ready"
        if reconciled.get("status") == "False":
            head += f" (last change not applied: {reconciled.get('message')})"
        console.print(head, markup=False)
        console.print(table(services))
