"""``dockyard status --env NAME``: every service's state, replicas, image, ports, DNS names and message.

The status is computed now from the live objects, the same computation the engine writes into the
Composition (``engine.live_status``), so it is current even between reconciles. ``follow_rollout`` is the
live table ``apply --wait`` and ``status --watch`` share.
"""

from __future__ import annotations

import time

import typer

from dockyard.cli._kube import CONTEXT, ENV, KUBECONFIG, compositions

_sleep = time.sleep  # between two rounds of follow_rollout and status --watch (tests replace it)
POLL_SECONDS = 1.0
WATCH_SECONDS = 2.0

STATE_STYLE = {"ready": "green", "stopped": "dim", "failed": "red", "degraded": "yellow",
               "progressing": "cyan", "pending": "cyan", "waiting-for-dependency": "blue"}
SETTLED = ("ready", "stopped")


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


def _services(client, cr):
    from dockyard.errors import DockyardError
    from dockyard.reconcile import engine
    from dockyard.reconcile.status import ServiceStatus

    try:
        return engine.live_status(client, cr)
    except DockyardError:
        return [ServiceStatus.from_dict(s) for s in (cr.get("status") or {}).get("services") or []]


# ---------------------------------------------------------------- following a rollout

class _Display:
    """A live table on a terminal; elsewhere one line per service, printed whenever that line changes."""

    def __init__(self, console) -> None:
        from rich.live import Live

        self.live = Live(console=console, auto_refresh=False) if console.is_terminal else None
        self.last_lines: dict[str, str] = {}

    def __enter__(self) -> _Display:
        if self.live:
            self.live.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def show(self, services) -> None:
        if self.live:
            self.live.update(table(services, wide=False), refresh=True)
            return
        for s in services:
            line = f"{s.name}: {s.state} {s.ready}/{s.desired} {s.message}".rstrip()
            if self.last_lines.get(s.name) != line:
                print(line, flush=True)
                self.last_lines[s.name] = line

    def close(self) -> None:
        if self.live:
            self.live.stop()
            self.live = None


def _controller_status(client, namespace: str, name: str):
    """The services the controller recorded for the Composition's current generation ([] until it has)."""
    from dockyard.errors import TerminalError
    from dockyard.reconcile import composition
    from dockyard.reconcile.status import ServiceStatus

    cr = client.get(composition.API_VERSION, composition.KIND, name, namespace) or {}
    stored = cr.get("status") or {}
    if stored.get("observedGeneration") != (cr.get("metadata") or {}).get("generation"):
        return []
    for condition in stored.get("conditions") or []:
        if condition.get("type") == "Reconciled" and condition.get("status") == "False":
            raise TerminalError(condition.get("message") or "the controller did not apply the last change")
    return [ServiceStatus.from_dict(s) for s in stored.get("services") or []]


def _round(client, namespace: str, name: str, run_engine: bool):
    """One round: run the engine here, or read what the controller wrote. A transient API failure is
    an empty round (the next one retries)."""
    from dockyard.reconcile import engine
    from dockyard.reconcile.errors import RetryableError

    try:
        if run_engine:
            return engine.reconcile(client, namespace, name).services
        return _controller_status(client, namespace, name)
    except RetryableError:
        return []


def _outcome(services, *, timed_out: bool, timeout: float) -> tuple[int, list[str]] | None:
    """(exit code, lines to print) once the rollout is over, else None."""
    from dockyard.cli._common import EXIT_ROLLOUT

    if services and all(s.state in SETTLED for s in services):
        return 0, [f"all {len(services)} services ready"]
    failed = [f"{s.name}: {s.message}" for s in services if s.state == "failed"]
    if failed:
        return EXIT_ROLLOUT, failed
    if timed_out and not services:
        return EXIT_ROLLOUT, [f"timed out after {timeout:g}s with no status for this change yet "
                              "(is the controller running? dockyard apply --local runs the engine here)"]
    if timed_out:
        not_ready = "; ".join(f"{s.name}: {s.message or s.state}" for s in services if s.state not in SETTLED)
        return EXIT_ROLLOUT, [f"timed out after {timeout:g}s; not ready: {not_ready}"]
    return None


def follow_rollout(client, namespace: str, name: str, *, run_engine: bool, timeout: float, clock=None,
                   sleep=None, console=None) -> int:
    """Reconcile (or watch the controller's status) until all ready, one failed, or ``timeout``; exit code."""
    from rich.console import Console

    from dockyard.cli._common import EXIT_INPUT, error
    from dockyard.errors import ComposeError, TerminalError

    clock, sleep = clock or time.monotonic, sleep or _sleep
    deadline = clock() + timeout
    with _Display(console or Console()) as display:
        while True:
            try:
                services = _round(client, namespace, name, run_engine)
            except (TerminalError, ComposeError) as exc:
                display.close()
                error(str(exc))
                return EXIT_INPUT
            display.show(services)
            outcome = _outcome(services, timed_out=clock() >= deadline, timeout=timeout)
            if outcome is not None:
                display.close()
                code, lines = outcome
                for line in lines:
                    if code == 0:
                        print(line)
                    else:
                        error(line)
                return code
            sleep(POLL_SECONDS)


# ---------------------------------------------------------------- the command

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
                _sleep(WATCH_SECONDS)
        except KeyboardInterrupt:
            return  # Ctrl-C ends --watch


def _report(console, client, env: str, name: str | None, output: str) -> None:
    import json

    report = {cr["metadata"]["name"]: (cr, _services(client, cr)) for cr in compositions(client, env, name)}
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
        ready = sum(s.state in SETTLED for s in services)
        head = f"composition {n}: {ready}/{len(services)} ready"
        if reconciled.get("status") == "False":
            head += f" (last change not applied: {reconciled.get('message')})"
        console.print(head, markup=False)
        console.print(table(services))
