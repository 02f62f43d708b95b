"""``dockyard connect`` against the emulated API, with a local stand-in for the pods/portforward stream.

The stand-in (``LocalTransport``) plays the API server's part of a port-forward: it refuses pods
that are not in the emulated cluster (as the API server answers 404), and otherwise opens a real TCP
connection to a local backend standing in for the pod's container. The backend echoes every chunk
prefixed with the pod and port it stands for, so a test sees which pod answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from dockyard.reconcile import environments
from dockyard.reconcile.client import KubeClient, load_kubeconfig

T = TypeVar("T")


class _TcpStream:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, transport: LocalTransport) -> None:
        self.reader, self.writer, self.transport = reader, writer, transport
        self.reset = asyncio.Event()

    async def read(self) -> bytes:
        reading = asyncio.ensure_future(self.reader.read(65536))
        resetting = asyncio.ensure_future(self.reset.wait())
        done, _ = await asyncio.wait([reading, resetting], return_when=asyncio.FIRST_COMPLETED)
        if resetting in done:
            reading.cancel()
            raise ConnectionResetError("connection reset by the API server")
        resetting.cancel()
        return reading.result()

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def close(self) -> None:
        self.transport.open_streams.discard(self)
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


class LocalTransport:
    """The port-forward stand-in: pod name → a real local TCP connection to the echo backend."""

    def __init__(self, kube) -> None:
        self.kube = kube
        self.backend: tuple[str, int] | None = None
        self._server: asyncio.base_events.Server | None = None
        self.opened: list[tuple[str, str, int]] = []
        self.open_streams: set[_TcpStream] = set()

    async def _backend(self) -> tuple[str, int]:
        if self.backend is None:
            async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                tag = (await reader.readline()).strip()
                while data := await reader.read(65536):
                    writer.write(b"[" + tag + b"] " + data)
                    await writer.drain()
                writer.close()

            self._server = await asyncio.start_server(echo, "127.0.0.1", 0)
            self.backend = self._server.sockets[0].getsockname()[:2]
        return self.backend

    async def open(self, namespace: str, pod: str, port: int):
        live = self.kube.store_get("Pod", pod, namespace)
        if live is None or live["metadata"].get("deletionTimestamp"):
            raise ConnectionError(f'pods "{pod}" not found')
        reader, writer = await asyncio.open_connection(*await self._backend())
        writer.write(f"{pod}:{port}\n".encode())
        self.opened.append((namespace, pod, port))
        stream = _TcpStream(reader, writer, self)
        self.open_streams.add(stream)
        return stream

    def reset_all(self) -> None:
        for stream in list(self.open_streams):
            stream.reset.set()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()


async def exchange(port: int, payload: bytes, host: str = "127.0.0.1") -> bytes:
    """Connect to a forwarded local port, send ``payload``, return the first answer."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()


async def eventually(probe: Callable[[], T], what: str, timeout: float = 15.0) -> T:
    deadline = time.monotonic() + timeout
    value = probe()
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.05)
        value = probe()
    return value


def service(name: str, ports: list[dict[str, Any]], selector: dict[str, str] | None = None,
            namespace: str = "env-dev") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": selector if selector is not None else {"dockyard.dev/service": name},
                     "ports": ports}}


def deployment(name: str, image: str = "postgres:16", ports: list[dict[str, Any]] | None = None,
               namespace: str = "env-dev") -> dict[str, Any]:
    labels = {"dockyard.dev/service": name}
    container = {"name": name, "image": image, "ports": ports or []}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}}


def ready_pods(kube, name: str, namespace: str = "env-dev") -> list[str]:
    from dockyard.reconcile.portforward import is_ready

    pods = kube.store_list("Pod", namespace, labels={"dockyard.dev/service": name})
    return sorted(p["metadata"]["name"] for p in pods if is_ready(p))


@pytest.fixture
def client(kube):
    c = KubeClient(load_kubeconfig(str(kube.kubeconfig_path)))
    yield c
    c.close()


@pytest.fixture
def dev(kube, client):
    """Environment ``dev`` with the simulator on (Deployments get ready pods)."""
    environments.create(client, "dev")
    kube.simulator.enabled = True
    return "dev"


@pytest.fixture
def transport(kube):
    return LocalTransport(kube)
