"""Forwarding an environment's service ports to local ports, over real localhost TCP, through the stand-in
for the pods/portforward stream; pods come from the emulator's cluster simulator."""

from __future__ import annotations

import asyncio
import socket

import pytest

from dockyard.errors import TerminalError
from dockyard.reconcile.portforward import Forwarder, allocate_port
from tests.connect.conftest import deployment, eventually, exchange, ready_pods, service


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def notices():
    return []


@pytest.fixture
def forwarder(client, transport, notices):
    made = []

    def make(**kwargs) -> Forwarder:
        f = Forwarder(client, "dev", transport, poll=0.1, linger=0.5, report=notices.append, **kwargs)
        made.append(f)
        return f

    yield make


async def echoed_count(port: int, payload: bytes) -> int:
    """Send ``payload`` (one byte repeated, never in a ``[pod:port] `` tag) and count it in the echo."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    await writer.drain()
    seen = 0
    try:
        while seen < len(payload) and (data := await asyncio.wait_for(reader.read(65536), 10)):
            seen += data.count(payload[:1])
    finally:
        writer.close()
    return seen


def messages(notices, kind=None) -> list[str]:
    return [n.message for n in notices if kind is None or n.kind == kind]


async def ready_db(kube, **deployment_fields) -> tuple[int, str]:
    """A ``db`` Service on a free local port number (target 5432) and its Deployment: (port, its ready pod)."""
    port = free_port()
    kube.store_put(service("db", [{"port": port, "targetPort": 5432}]))
    kube.store_put(deployment("db", **deployment_fields))
    return port, (await eventually(lambda: ready_pods(kube, "db"), "a ready db pod"))[0]


async def test_bytes_go_both_ways_between_the_local_port_and_the_ready_pod_behind_the_service(kube, dev, forwarder):
    port = free_port()
    kube.store_put(service("db", [{"name": "pg", "port": port, "targetPort": "postgres"}]))
    kube.store_put(deployment("db", ports=[{"name": "postgres", "containerPort": 5432}]))
    await eventually(lambda: ready_pods(kube, "db"), "a ready db pod")
    f = forwarder()
    table = await f.start()
    try:
        assert [(t.service, t.local_host, t.local_port, t.remote_port) for t in table] == [
            ("db", "127.0.0.1", port, port)]
        pod = ready_pods(kube, "db")[0]
        assert await exchange(port, b"SELECT 1") == f"[{pod}:5432] SELECT 1".encode()  # named targetPort resolved
        assert await echoed_count(port, b"#" * 300_000) == 300_000  # several chunks, every byte both ways
    finally:
        await f.close()


async def test_a_busy_local_port_moves_the_forward_to_the_next_free_one_and_says_so(kube, dev, forwarder, notices):
    port, _ = await ready_db(kube)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        f = forwarder()
        table = await f.start()
        try:
            assert table[0].local_port > port and table[0].remote_port == port
            assert messages(notices, "moved") == [f"db: local port {port} is busy, using {table[0].local_port}"]
            assert (await exchange(table[0].local_port, b"hi")).endswith(b":5432] hi")
        finally:
            await f.close()


def test_two_services_on_the_same_port_number_get_that_port_and_the_next_free_one():
    port = free_port()
    first = allocate_port(port)
    second = allocate_port(port, taken={first.getsockname()[1]})
    try:
        assert first.getsockname()[1] == port
        assert second.getsockname()[1] > port
    finally:
        first.close()
        second.close()


async def test_a_rollout_moves_new_connections_to_the_new_pod(kube, dev, forwarder, notices):
    port, old = await ready_db(kube, image="postgres:16")
    f = forwarder()
    await f.start()
    try:
        assert await exchange(port, b"before") == f"[{old}:5432] before".encode()
        kube.store_put(deployment("db", image="postgres:17"))  # a new pod template: the simulator rolls
        new = (await eventually(lambda: [p for p in ready_pods(kube, "db") if p != old] and
                                kube.store_get("Pod", old, "env-dev") is None and ready_pods(kube, "db"),
                                "the rollout to replace the pod"))[0]
        await eventually(lambda: any(new in m for m in messages(notices, "pod")), "the forwarder to follow")
        assert await exchange(port, b"after") == f"[{new}:5432] after".encode()
        assert f"db: forwarding to pod {new} (was {old})" in messages(notices, "pod")
    finally:
        await f.close()


async def test_a_connection_waits_for_a_ready_pod_and_says_so_once(kube, dev, forwarder, notices):
    port = free_port()
    kube.store_put(service("db", [{"port": port, "targetPort": 5432}]))
    f = forwarder()
    await f.start()
    try:
        answer = asyncio.ensure_future(exchange(port, b"early"))
        second = asyncio.ensure_future(exchange(port, b"also early"))
        await eventually(lambda: messages(notices, "waiting"), "the waiting notice")
        assert not answer.done()
        kube.store_put(deployment("db"))
        pod = (await eventually(lambda: ready_pods(kube, "db"), "a ready db pod"))[0]
        assert await asyncio.wait_for(answer, 15) == f"[{pod}:5432] early".encode()
        assert await asyncio.wait_for(second, 15) == f"[{pod}:5432] also early".encode()
        assert messages(notices, "waiting") == ["db: no ready pod yet; waiting (the connection is held open)"]
    finally:
        await f.close()


async def test_a_dropped_stream_ends_that_connection_with_a_message_and_the_next_one_works(
        kube, dev, forwarder, notices, transport):
    port, pod = await ready_db(kube)
    f = forwarder()
    await f.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"one")
        assert await asyncio.wait_for(reader.read(100), 10) == f"[{pod}:5432] one".encode()
        transport.reset_all()
        assert await asyncio.wait_for(reader.read(100), 10) == b""  # the local side sees the end, no hang
        writer.close()
        assert messages(notices, "dropped") == [
            f"db: connection to pod {pod} dropped: connection reset by the API server"]
        assert await exchange(port, b"two") == f"[{pod}:5432] two".encode()
    finally:
        await f.close()


async def test_a_pod_the_api_server_no_longer_knows_is_reported_and_forgotten(kube, dev, forwarder, notices):
    port, pod = await ready_db(kube)
    f = forwarder()
    f.poll = 3600  # the background refresh stays out of it: the failed open itself re-resolves
    await f.start()
    try:
        kube.simulator.enabled = False
        kube.store_delete("Pod", pod, "env-dev")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(100), 10) == b""
        writer.close()
        assert messages(notices, "dropped") == [f'db: cannot open port 5432 of pod {pod}: pods "{pod}" not found']
    finally:
        await f.close()


async def test_closing_stops_the_listeners_and_ends_open_connections(kube, dev, forwarder):
    port, _ = await ready_db(kube)
    f = forwarder()
    await f.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"ping")
    assert (await asyncio.wait_for(reader.read(100), 10)).endswith(b"ping")
    await f.close()
    assert await asyncio.wait_for(reader.read(100), 10) == b""
    writer.close()
    with pytest.raises(OSError):
        await exchange(port, b"after close")


async def test_only_the_named_services_are_forwarded_and_udp_ports_are_skipped_with_a_note(
        kube, dev, forwarder, notices):
    a, b = free_port(), free_port()
    kube.store_put(service("db", [{"port": a, "targetPort": 5432}]))
    kube.store_put(service("dns", [{"name": "udp", "port": b, "protocol": "UDP"},
                                   {"name": "tcp", "port": b, "protocol": "TCP"}]))
    f = forwarder(services=["dns"])
    table = await f.start()
    try:
        assert [(t.service, t.remote_port) for t in table] == [("dns", b)]
        assert messages(notices, "skipped") == [f"dns: port {b}/UDP skipped, port-forwarding carries TCP only"]
    finally:
        await f.close()


async def test_a_missing_environment_or_service_is_a_clear_error(kube, client, transport, dev):
    with pytest.raises(TerminalError, match=r"^environment 'nope' does not exist \(no namespace env-nope\); "
                                            r"run: dockyard env create nope$"):
        await Forwarder(client, "nope", transport).start()
    kube.store_put(service("db", [{"port": 5432}]))
    with pytest.raises(TerminalError, match=r"^environment 'dev' has no service web, cache \(services: db\)$"):
        await Forwarder(client, "dev", transport, services=["web", "cache"]).start()


async def test_a_failing_pod_lookup_is_said_once_and_the_forward_keeps_its_pod(kube, dev, forwarder, notices):
    port, pod = await ready_db(kube)
    f = forwarder()
    await f.start()
    try:
        kube.inject("list", "Pod", namespace="env-dev", status=403, times=None)
        await eventually(lambda: messages(notices, "failed"), "the lookup failure")
        await asyncio.sleep(0.5)  # several polls (0.1 s each) fail
        [failed] = messages(notices, "failed")
        assert failed.startswith("db: cannot look up its pods (retrying, forwards stay up): ")
        assert await exchange(port, b"still") == f"[{pod}:5432] still".encode()
        kube.clear_faults()
        await eventually(lambda: "db: its pods can be looked up again" in messages(notices, "pod"), "the recovery")
    finally:
        await f.close()


async def test_a_deleted_pod_is_replaced_and_new_connections_reach_its_successor(kube, dev, forwarder, notices):
    port, old = await ready_db(kube)
    f = forwarder()
    await f.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"open")
        assert await asyncio.wait_for(reader.read(100), 10) == f"[{old}:5432] open".encode()
        kube.store_delete("Pod", old, "env-dev")  # the ReplicaSet makes a new pod
        new = (await eventually(lambda: [p for p in ready_pods(kube, "db") if p != old], "a replacement pod"))[0]
        await eventually(lambda: f"db: forwarding to pod {new} (was {old})" in messages(notices, "pod"),
                         "the forwarder to follow")
        assert await asyncio.wait_for(reader.read(100), 10) == b""  # the connection to the old pod was ended
        writer.close()
        assert await exchange(port, b"again") == f"[{new}:5432] again".encode()
    finally:
        await f.close()
