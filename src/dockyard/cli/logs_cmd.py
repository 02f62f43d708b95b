"""``dockyard logs SERVICE --env NAME``: the logs of every pod of one service, each line prefixed by its pod."""

from __future__ import annotations

import typer

from dockyard.cli._kube import CONTEXT, ENV, KUBECONFIG


def register(app: typer.Typer) -> None:
    app.command("logs")(logs)


def parse_since(text: str | None) -> int | None:
    """``30s``, ``10m``, ``2h`` or plain seconds -> seconds."""
    from dockyard.errors import TerminalError

    if not text:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (text[:-1], text[-1]) if text[-1] in units else (text, "s")
    if not number.isdigit():
        raise TerminalError(f"--since {text!r}: use a duration such as 30s, 10m or 2h")
    return int(number) * units[unit]


def service_pods(client, namespace: str, service: str) -> list[dict]:
    from dockyard.manifests.names import dns_label
    from dockyard.manifests.result import LABEL_SERVICE

    names = {service, dns_label(service)}
    pods = client.list("v1", "Pod", namespace, labels={LABEL_SERVICE: sorted(names)})
    return sorted(pods, key=lambda p: p["metadata"]["name"])


def pod_lines(client, pod: dict, namespace: str, **options):
    """Every line of every container of ``pod``, prefixed ``[pod]`` (``[pod/container]`` when there are several)."""
    name = pod["metadata"]["name"]
    containers = [c["name"] for c in (pod.get("spec") or {}).get("containers") or []]
    for container in containers or [None]:
        prefix = f"[{name}]" if len(containers) < 2 else f"[{name}/{container}]"
        for line in client.logs(name, namespace, container=container, **options):
            yield f"{prefix} {line.rstrip(chr(10))}"


def print_in_turn(streams) -> None:
    """One pod after the other; a pod whose log cannot be read is a warning, not the end."""
    from dockyard.cli._common import warn
    from dockyard.errors import DockyardError

    for stream in streams:
        try:
            for line in stream:
                print(line)
        except DockyardError as exc:
            warn(str(exc))


def print_interleaved(streams) -> None:
    """Followed logs: every pod's stream read in its own thread, lines printed as they come, until all end."""
    import queue
    import threading

    from dockyard.cli._common import warn
    from dockyard.errors import DockyardError

    lines: queue.Queue = queue.Queue()

    def pump(stream) -> None:
        try:
            for line in stream:
                lines.put(line)
        except DockyardError as exc:
            lines.put(exc)
        finally:
            lines.put(None)

    for stream in streams:
        threading.Thread(target=pump, args=(stream,), daemon=True).start()
    open_streams = len(streams)
    while open_streams:
        item = lines.get()
        if item is None:
            open_streams -= 1
        elif isinstance(item, DockyardError):
            warn(str(item))
        else:
            print(item, flush=True)


def logs(
    service: str = typer.Argument(..., help="Compose service name."),
    env: str = ENV,
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep streaming new lines."),
    since: str | None = typer.Option(None, "--since", help="Only lines newer than this (30s, 10m, 2h)."),
    previous: bool = typer.Option(False, "--previous", "-p", help="Logs of the previous (crashed) containers."),
    tail: int | None = typer.Option(None, "--tail", help="Last N lines of each pod."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Print the logs of all pods of a service, prefixed with the pod name."""
    from dockyard.cli._common import reported_errors
    from dockyard.cli._kube import client as make_client
    from dockyard.errors import NotFoundError
    from dockyard.reconcile import environments

    with reported_errors():
        environments.check_env_name(env)
        seconds = parse_since(since)
        client = make_client(kubeconfig, context)
        namespace = environments.require(client, env)
        pods = service_pods(client, namespace, service)
        if not pods:
            raise NotFoundError(f"service {service} has no pods in environment {env}")
    options = dict(follow=follow, since_seconds=seconds, previous=previous, tail_lines=tail)
    streams = [pod_lines(client, pod, namespace, **options) for pod in pods]
    (print_interleaved if follow else print_in_turn)(streams)
