"""The real transport's framing (``v4.channel.k8s.io``) against a small websocket server that answers the
way the API server's pods/portforward endpoint does: the subprotocol is negotiated, each channel's first
frame carries the port (uint16 little-endian), data flows on channel 0, errors on channel 1."""

from __future__ import annotations

import struct

import pytest
from aiohttp import WSMsgType, web
from lightkube.config.kubeconfig import KubeConfig

from dockyard.reconcile.portforward import PORTFORWARD_PROTOCOL, WebSocketTransport


@pytest.fixture
async def api_server():
    seen: list[dict] = []

    async def portforward(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=(PORTFORWARD_PROTOCOL,))
        await ws.prepare(request)
        port = int(request.query["ports"])
        seen.append({"path": request.path, "port": port, "auth": request.headers.get("Authorization"),
                     "protocol": ws.ws_protocol})
        prefix = struct.pack("<H", port)
        await ws.send_bytes(b"\x00" + prefix)
        await ws.send_bytes(b"\x01" + prefix)
        if request.match_info["pod"] == "gone":
            await ws.send_bytes(b"\x01" + b"error forwarding port 5432 to pod gone: connection refused")
            await ws.close()
            return ws
        async for message in ws:
            if message.type == WSMsgType.BINARY and message.data[0] == 0:
                if message.data[1:] == b"bye":
                    await ws.close()
                    break
                await ws.send_bytes(b"\x00" + b"echo:" + message.data[1:])
        return ws

    app = web.Application()
    app.router.add_get("/api/v1/namespaces/{namespace}/pods/{pod}/portforward", portforward)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = site._server.sockets[0].getsockname()[:2]
    yield f"http://{host}:{port}", seen
    await runner.cleanup()


def config_for(server: str):
    return KubeConfig.from_dict({
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": "t0ken"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }).get()


async def test_the_websocket_transport_speaks_the_v4_channel_protocol_with_the_kubeconfig_credentials(api_server):
    server, seen = api_server
    transport = WebSocketTransport(config_for(server))
    try:
        stream = await transport.open("env-dev", "db-0", 5432)
        await stream.write(b"hello")
        assert await stream.read() == b"echo:hello"  # the port prefixes of both channels were stripped
        await stream.write(b"bye")
        assert await stream.read() == b""
        await stream.close()
    finally:
        await transport.close()
    assert seen == [{"path": "/api/v1/namespaces/env-dev/pods/db-0/portforward", "port": 5432,
                     "auth": "Bearer t0ken", "protocol": PORTFORWARD_PROTOCOL}]


async def test_an_error_on_the_error_channel_becomes_a_connection_error_with_its_text(api_server):
    server, _ = api_server
    transport = WebSocketTransport(config_for(server))
    try:
        stream = await transport.open("env-dev", "gone", 5432)
        with pytest.raises(ConnectionError, match="^error forwarding port 5432 to pod gone: connection refused$"):
            await stream.read()
    finally:
        await transport.close()


async def test_a_refused_upgrade_names_the_pod_and_the_http_status(api_server):
    server, _ = api_server
    transport = WebSocketTransport(config_for(server + "/nowhere"))
    try:
        with pytest.raises(ConnectionError, match=r"refused to forward to pod env-dev/db-0 \(HTTP 404"):
            await transport.open("env-dev", "db-0", 5432)
    finally:
        await transport.close()
