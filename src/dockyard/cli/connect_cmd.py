"""``dockyard connect --env NAME [--services a,b] [--hosts]``: an environment's services on this machine.

Every TCP port of the environment's Services is forwarded to a local port (the same number when free,
the next free one otherwise) through ``reconcile/portforward.py``; the table says which. Forwards
follow pod restarts and rollouts. Ctrl-C (or SIGTERM) stops cleanly: listeners closed, open
connections ended, the hosts block (``--hosts``) removed. Exit codes are ``_common``'s.
"""

from __future__ import annotations

import typer

from dockyard.cli._kube import CONTEXT, ENV, KUBECONFIG


def register(app: typer.Typer) -> None:
    app.command("connect")(connect)


def _transport(config):
    """The port-forward transport (a seam: tests plug in a local stand-in)."""
    from dockyard.reconcile.portforward import WebSocketTransport

    return WebSocketTransport(config)


async def _until_stopped(stop, forwards) -> None:
    """Wait for Ctrl-C / SIGTERM (a seam: tests replace it with what they do while forwards run)."""
    await stop.wait()


def _install_stop(stop) -> None:
    import asyncio
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or no signal support: KeyboardInterrupt still ends the run


def _hostnames(service: str, environment: str) -> list[str]:
    return [service, f"{service}.env-{environment}", f"{service}.env-{environment}.svc.cluster.local"]


def _print_table(forwards, environment: str, hosts: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("SERVICE", "LOCAL ADDRESS", "REMOTE PORT", box=None)
    for f in forwards:
        name = f.service if hosts else f.local_host
        note = "" if not f.moved else f"  (local {f.remote_port} was busy)"
        table.add_row(f.service, f"{name}:{f.local_port}{note}", str(f.remote_port))
    console = Console(width=200)
    console.print(f"forwarding environment {environment} (Ctrl-C to stop)")
    console.print(table)


class _Notices:
    """The forwarder's notices, printed as they come; those of the start wait to be printed under the table."""

    def __init__(self) -> None:
        self._held: list[str] | None = []

    def __call__(self, notice) -> None:
        line = f"{notice.kind}: {notice.message}"
        if self._held is None:
            print(line, flush=True)
        else:
            self._held.append(line)

    def release(self) -> None:
        for line in self._held or []:
            print(line, flush=True)
        self._held = None


def _write_hosts(hosts_file, forwards, environment: str, address: str) -> None:
    names = [n for f in forwards for n in _hostnames(f.service, environment)]
    if hosts_file.write(names, environment=environment, address=address):
        print(f"removed a stale dockyard block from {hosts_file.path} (left by a run that did not exit cleanly)")


def _remove_hosts(hosts_file) -> None:
    from dockyard.cli._common import warn

    try:
        hosts_file.remove()
    except Exception as exc:  # noqa: BLE001 - cleanup must not hide why we stopped
        warn(f"could not remove the dockyard block from {hosts_file.path}: {exc}")


async def _session(client, config, environment: str, services, hosts_file, address: str) -> None:
    import asyncio

    from dockyard.reconcile.portforward import Forwarder

    notices = _Notices()
    stop = asyncio.Event()
    _install_stop(stop)
    forwarder = Forwarder(client, environment, _transport(config), services=services, host=address, report=notices)
    wrote_hosts = False
    try:
        forwards = await forwarder.start()
        if hosts_file is not None:
            _write_hosts(hosts_file, forwards, environment, address)
            wrote_hosts = True
        _print_table(forwards, environment, hosts_file is not None)
        notices.release()
        await _until_stopped(stop, forwards)
    finally:
        await forwarder.close()
        if wrote_hosts:
            _remove_hosts(hosts_file)
    print("stopped: forwards closed" + (f", {hosts_file.path} restored" if wrote_hosts else ""))


def _clean_stale_block(hosts) -> None:
    """Without --hosts, still remove a crashed run's block when we may; otherwise say how."""
    from dockyard.cli._common import warn
    from dockyard.cli._hosts import HostsError

    try:
        if hosts.stale_block():
            hosts.remove()
            print(f"removed a stale dockyard block from {hosts.path} (left by a run that did not exit cleanly)")
    except HostsError:
        warn(f"{hosts.path} still holds a block of an earlier dockyard connect --hosts; "
             "run dockyard connect --hosts once with administrator rights to remove it")


def connect(
    env: str = ENV,
    services: str | None = typer.Option(None, "--services", help="Comma-separated services (default: all)."),
    hosts: bool = typer.Option(False, "--hosts", help="Also map the service names to the local address in the "
                                                      "hosts file (needs administrator rights)."),
    hosts_file: str | None = typer.Option(None, "--hosts-file", hidden=True, help="Hosts file path (tests)."),
    address: str = typer.Option("127.0.0.1", "--address", help="Local address to listen on."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Forward every service port of an environment to local ports, until Ctrl-C."""
    import asyncio
    from pathlib import Path

    from dockyard.cli._common import reported_errors
    from dockyard.cli._hosts import DEFAULT_PATH, HostsFile
    from dockyard.reconcile import environments
    from dockyard.reconcile.client import KubeClient, load_kubeconfig

    with reported_errors():
        environments.check_env_name(env)
        wanted = [s.strip() for s in services.split(",") if s.strip()] if services else None
        hosts_path = HostsFile(Path(hosts_file) if hosts_file else DEFAULT_PATH)
        if not hosts:
            _clean_stale_block(hosts_path)
        config = load_kubeconfig(kubeconfig, context)
        client = KubeClient(config)
        try:
            asyncio.run(_session(client, config, env, wanted, hosts_path if hosts else None, address))
        except KeyboardInterrupt:
            print("stopped")
        finally:
            client.close()
