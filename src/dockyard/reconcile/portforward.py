"""``dockyard connect``'s engine: every service port of an environment forwarded to a local port.

The path of one forwarded connection: a local listener (``127.0.0.1:<same port number when free, else
the next free one>``) accepts it, the route of its service picks a ready pod (Service selector → ready
pod → container port, a named ``targetPort`` looked up in the pod's containers), a ``Transport``
opens a stream to that pod's port, and bytes are copied both ways until either side closes.

- **Transport seam.** ``Transport.open(namespace, pod, port)`` returns a ``Stream`` (read / write /
  close). ``WebSocketTransport`` is the real one: the ``pods/portforward`` subresource over a websocket
  with the ``v4.channel.k8s.io`` subprotocol (channel 0 data, channel 1 errors, each channel's first
  frame carrying the port). Tests plug in a stand-in that opens a plain local TCP connection.
- **Pods come and go.** Every route re-resolves its pod in the background (``poll`` seconds): after a
  rollout or a restart new connections go to the new ready pod and connections to the old pod are
  closed (they could not survive it). A connection that arrives while no pod is ready waits for one,
  and the ``report`` callback says so once.
- **Failures** (pod gone, stream refused, connection dropped) end that one connection with a message;
  the listener stays up and the next connection starts over.

Every message goes through ``report(Notice)``; nothing here prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dockyard.errors import ClusterError, DockyardError, TerminalError
from dockyard.reconcile import environments
from dockyard.reconcile.client import Client

PORTFORWARD_PROTOCOL = "v4.channel.k8s.io"
DATA_CHANNEL = 0
ERROR_CHANNEL = 1
MAX_PORT = 65535
CHUNK = 64 * 1024

__all__ = [
    "PORTFORWARD_PROTOCOL",
    "Forward",
    "Forwarder",
    "Notice",
    "PortTarget",
    "Stream",
    "Transport",
    "WebSocketTransport",
    "allocate_port",
    "container_port",
    "is_ready",
    "port_targets",
    "ready_pod",
]


# ---------------------------------------------------------------- what to forward (pure + reads)

@dataclass(frozen=True, slots=True)
class PortTarget:
    """One TCP port of one Service of the environment."""

    service: str
    port: int  # the Service port (what a workspace dials: postgres:5432)
    target: int | str  # the Service's targetPort: a number or a container port name
    selector: Mapping[str, str] = field(default_factory=dict)
    name: str | None = None


def port_targets(client: Client, environment: str, services: Sequence[str] | None = None,
                 skipped: Callable[[str], None] = lambda _: None) -> list[PortTarget]:
    """Every TCP port of the environment's Services (or of ``services`` only), sorted by service and port."""
    namespace = environments.require(client, environment)
    found = {s["metadata"]["name"]: s for s in client.list("v1", "Service", namespace)}
    wanted = list(services) if services else sorted(found)
    unknown = [name for name in wanted if name not in found]
    if unknown:
        known = ", ".join(sorted(found)) or "none yet"
        raise TerminalError(f"environment {environment!r} has no service {', '.join(unknown)} (services: {known})")
    targets = []
    for name in wanted:
        spec = found[name].get("spec") or {}
        if not spec.get("selector"):
            skipped(f"{name}: skipped, the Service has no pod selector to forward to")
            continue
        for port in spec.get("ports") or []:
            if port.get("protocol", "TCP") != "TCP":
                skipped(f"{name}: port {port['port']}/{port['protocol']} skipped, port-forwarding carries TCP only")
                continue
            targets.append(PortTarget(name, int(port["port"]), port.get("targetPort", port["port"]),
                                      dict(spec["selector"]), port.get("name")))
    return targets


def is_ready(pod: Mapping[str, Any]) -> bool:
    if pod["metadata"].get("deletionTimestamp"):
        return False
    status = pod.get("status") or {}
    if status.get("phase") != "Running":
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])


def ready_pod(client: Client, namespace: str, selector: Mapping[str, str]) -> dict | None:
    """The oldest ready pod behind a selector (stable across polls), or None."""
    pods = [p for p in client.list("v1", "Pod", namespace, labels=dict(selector)) if is_ready(p)]
    pods.sort(key=lambda p: (p["metadata"].get("creationTimestamp") or "", p["metadata"]["name"]))
    return pods[0] if pods else None


def container_port(pod: Mapping[str, Any], target: int | str) -> int | None:
    """The pod's port for a Service ``targetPort``: a number as it is, a name looked up in the containers."""
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        return int(target)
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target:
                return int(port["containerPort"])
    return None


def allocate_port(preferred: int, host: str = "127.0.0.1", taken: Iterable[int] = ()) -> socket.socket:
    """A listening socket on ``preferred`` when free, else on the next free port above it."""
    taken = set(taken)
    port = preferred
    while port <= MAX_PORT:
        if port not in taken:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind((host, port))
                sock.listen(64)
                sock.setblocking(False)
                return sock
            except OSError as exc:
                sock.close()
                if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EPERM):
                    raise DockyardError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        port += 1
    raise DockyardError(f"no free local port at or above {preferred} on {host}")


# ---------------------------------------------------------------- the transport seam

class Stream(Protocol):
    """A byte stream to one port of one pod."""

    async def read(self) -> bytes: ...  # b"" once the pod side has closed

    async def write(self, data: bytes) -> None: ...

    async def close(self) -> None: ...


class Transport(Protocol):
    async def open(self, namespace: str, pod: str, port: int) -> Stream: ...

    async def close(self) -> None: ...


class _WebSocketStream:
    """One port over a ``v4.channel.k8s.io`` websocket: frames are ``[channel] + payload``."""

    def __init__(self, ws, port: int) -> None:
        self._ws = ws
        self._port = port
        self._prefixed = {DATA_CHANNEL: False, ERROR_CHANNEL: False}

    def _payload(self, frame: bytes) -> tuple[int, bytes]:
        channel, payload = frame[0], frame[1:]
        if channel in self._prefixed and not self._prefixed[channel]:
            self._prefixed[channel] = True  # each channel's first frame starts with its port, uint16 little-endian
            payload = payload[2:]
        return channel, payload

    async def read(self) -> bytes:
        import aiohttp

        while True:
            message = await self._ws.receive()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                return b""
            if message.type == aiohttp.WSMsgType.ERROR:
                raise ConnectionError(f"port-forward stream failed: {message.data}")
            if message.type != aiohttp.WSMsgType.BINARY or not message.data:
                continue
            channel, payload = self._payload(message.data)
            if channel == ERROR_CHANNEL and payload:
                raise ConnectionError(payload.decode(errors="replace").strip())
            if channel == DATA_CHANNEL and payload:
                return payload

    async def write(self, data: bytes) -> None:
        await self._ws.send_bytes(bytes([DATA_CHANNEL]) + data)

    async def close(self) -> None:
        await self._ws.close()


class WebSocketTransport:
    """The real transport: ``GET .../pods/{pod}/portforward?ports={port}`` upgraded to a websocket.

    Server URL, CA/client certificates and credentials come from the same kubeconfig entry as the
    engine's client (lightkube's ``SingleConfig``).
    """

    def __init__(self, config) -> None:
        self._config = config
        self._session = None
        self._ssl = None

    def _auth_headers(self, url: str) -> dict[str, str]:
        from lightkube.config.client_adapter import user_auth

        auth = user_auth(self._config.user) if self._config.user else None
        if auth is None:
            return {}
        import httpx2

        request = next(auth.sync_auth_flow(httpx2.Request("GET", url)))
        value = request.headers.get("authorization")
        return {"Authorization": value} if value else {}

    async def open(self, namespace: str, pod: str, port: int) -> Stream:
        import aiohttp
        from lightkube.config.client_adapter import verify_cluster

        if self._session is None:
            self._session = aiohttp.ClientSession()
            if self._config.cluster.server.startswith("https"):
                self._ssl = verify_cluster(self._config.cluster, self._config.user, self._config.abs_file)
        url = f"{self._config.cluster.server.rstrip('/')}/api/v1/namespaces/{namespace}/pods/{pod}/portforward"
        try:
            ws = await self._session.ws_connect(url, params={"ports": str(port)}, protocols=(PORTFORWARD_PROTOCOL,),
                                                headers=self._auth_headers(url), ssl=self._ssl or True,
                                                autoping=True, max_msg_size=0)
        except aiohttp.WSServerHandshakeError as exc:
            raise ConnectionError(f"the API server refused to forward to pod {namespace}/{pod} "
                                  f"(HTTP {exc.status}: {exc.message})") from None
        except aiohttp.ClientError as exc:
            raise ConnectionError(f"cannot reach the API server to forward to pod {namespace}/{pod}: {exc}") from None
        return _WebSocketStream(ws, port)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


# ---------------------------------------------------------------- forwarding

@dataclass(frozen=True, slots=True)
class Forward:
    """One row of ``dockyard connect``'s table."""

    service: str
    local_host: str
    local_port: int
    remote_port: int

    @property
    def moved(self) -> bool:
        return self.local_port != self.remote_port


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should know; ``kind`` is one of waiting, pod, dropped, failed, skipped, moved."""

    kind: str
    service: str
    message: str


class _Route:
    """One service: its current ready pod, and the connections open to it."""

    def __init__(self, namespace: str, service: str, selector: Mapping[str, str]) -> None:
        self.namespace = namespace
        self.service = service
        self.selector = dict(selector)
        self.pod: dict | None = None
        self.changed = asyncio.Event()
        self.connections: dict[asyncio.Task, str | None] = {}  # task -> the pod it is connected to
        self.waiting_said = False
        self.lookup_failed = False  # said once until a lookup works again


class Forwarder:
    """Listeners for every target, routed to ready pods through ``transport``; see the module docstring."""

    def __init__(self, client: Client, environment: str, transport: Transport, *,
                 services: Sequence[str] | None = None, host: str = "127.0.0.1", poll: float = 2.0,
                 report: Callable[[Notice], None] = lambda _: None, linger: float = 5.0) -> None:
        self.client = client
        self.environment = environment
        self.namespace = environments.namespace_of(environment)
        self.transport = transport
        self.services = services
        self.host = host
        self.poll = poll
        self.report = report
        self.linger = linger
        self.forwards: list[Forward] = []
        self._routes: dict[str, _Route] = {}
        self._servers: list[asyncio.base_events.Server] = []
        self._watcher: asyncio.Task | None = None

    async def _call(self, fn, *args, **kwargs):
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def start(self) -> list[Forward]:
        """Resolve the environment's ports and open one local listener each; returns the table."""
        targets = await self._call(port_targets, self.client, self.environment, self.services,
                                   lambda message: self.report(Notice("skipped", message.split(":")[0], message)))
        if not targets:
            raise TerminalError(f"environment {self.environment!r} has no TCP service ports to forward")
        taken: set[int] = set()
        for target in targets:
            route = self._routes.setdefault(target.service, _Route(self.namespace, target.service, target.selector))
            sock = allocate_port(target.port, self.host, taken)
            local_port = sock.getsockname()[1]
            taken.add(local_port)
            server = await asyncio.start_server(lambda r, w, t=target, rt=route: self._accept(r, w, t, rt), sock=sock)
            self._servers.append(server)
            forward = Forward(target.service, self.host, local_port, target.port)
            self.forwards.append(forward)
            if forward.moved:
                self.report(Notice("moved", target.service,
                                   f"{target.service}: local port {target.port} is busy, using {local_port}"))
        for route in self._routes.values():
            await self._refresh(route)
        self._watcher = asyncio.create_task(self._watch())
        return list(self.forwards)

    async def _refresh(self, route: _Route) -> None:
        try:
            pod = await self._call(ready_pod, self.client, route.namespace, route.selector)
        except DockyardError as exc:
            if not route.lookup_failed:
                route.lookup_failed = True
                self.report(Notice("failed", route.service, f"{route.service}: cannot look up its pods "
                                                            f"(retrying, forwards stay up): {exc}"))
            return
        if route.lookup_failed:
            route.lookup_failed = False
            self.report(Notice("pod", route.service, f"{route.service}: its pods can be looked up again"))
        before = route.pod["metadata"]["name"] if route.pod else None
        after = pod["metadata"]["name"] if pod else None
        route.pod = pod
        if before == after:
            return
        if after:
            route.waiting_said = False
            was = f" (was {before})" if before else ""
            self.report(Notice("pod", route.service, f"{route.service}: forwarding to pod {after}{was}"))
        for task, connected_to in list(route.connections.items()):
            if before is not None and connected_to == before:
                task.cancel()  # the old pod is gone or going: its connections cannot survive it
        route.changed.set()
        route.changed = asyncio.Event()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll)
            for route in self._routes.values():
                await self._refresh(route)

    async def _wait_for_pod(self, route: _Route) -> dict:
        while route.pod is None:
            if not route.waiting_said:
                route.waiting_said = True
                self.report(Notice("waiting", route.service,
                                   f"{route.service}: no ready pod yet; waiting (the connection is held open)"))
            await route.changed.wait()
        return route.pod

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target: PortTarget,
                      route: _Route) -> None:
        task = asyncio.current_task()
        route.connections[task] = None
        try:
            await self._serve(reader, writer, target, route, task)
        except asyncio.CancelledError:
            pass
        finally:
            route.connections.pop(task, None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(self, reader, writer, target: PortTarget, route: _Route, task) -> None:
        pod = await self._wait_for_pod(route)
        pod_name = pod["metadata"]["name"]
        route.connections[task] = pod_name
        port = container_port(pod, target.target)
        if port is None:
            self.report(Notice("failed", target.service, f"{target.service}: pod {pod_name} has no container port "
                                                         f"named {target.target!r}"))
            return
        try:
            stream = await self.transport.open(route.namespace, pod_name, port)
        except (ConnectionError, OSError, ClusterError) as exc:
            self.report(Notice("dropped", target.service,
                               f"{target.service}: cannot open port {port} of pod {pod_name}: {exc}"))
            await self._refresh(route)
            return
        try:
            await _pipe(reader, writer, stream, self.linger)
        except (ConnectionError, OSError) as exc:
            self.report(Notice("dropped", target.service,
                               f"{target.service}: connection to pod {pod_name} dropped: {exc}"))
            await self._refresh(route)
        finally:
            with contextlib.suppress(Exception):
                await stream.close()

    async def close(self) -> None:
        """Stop listening, end every open connection, close the transport."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        for server in self._servers:
            server.close()
        tasks = [t for route in self._routes.values() for t in route.connections]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()
        await self.transport.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stream: Stream, linger: float) -> None:
    """Copy bytes both ways until the pod side closes, or the local side closed ``linger`` seconds ago.

    The linger lets a client that half-closes (sends, shuts its writing side, then reads) get its answer.
    """

    async def upstream() -> None:
        while data := await reader.read(CHUNK):
            await stream.write(data)

    async def downstream() -> None:
        while data := await stream.read():
            writer.write(data)
            await writer.drain()

    up, down = asyncio.create_task(upstream()), asyncio.create_task(downstream())
    try:
        await asyncio.wait([up, down], return_when=asyncio.FIRST_COMPLETED)
        if up.done() and not down.done() and up.exception() is None:
            await asyncio.wait([down], timeout=linger)
    finally:
        for task in (up, down):
            task.cancel()
        results = await asyncio.gather(up, down, return_exceptions=True)
    for result in results:
        if isinstance(result, (ConnectionError, OSError)):
            raise result
