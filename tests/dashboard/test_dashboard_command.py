"""``dockyard dashboard``: what it binds, when it demands a token, and that it prints the token once."""

from __future__ import annotations

import socket
from pathlib import Path

import certifi
import pytest
import uvicorn
from starlette.testclient import TestClient
from typer.testing import CliRunner

from dockyard.cli.main import app as cli


@pytest.fixture
def served(monkeypatch, kube) -> list[dict]:
    """Capture what the command would serve and the address it asked for, instead of serving it.

    The command's socket is really opened, on the host it asked for but on a free port (8080 may be taken).
    """
    calls: list[dict] = []
    requested: list[tuple[str, int]] = []
    create_server = socket.create_server

    def create_on_a_free_port(address, **options):
        requested.append(address)
        return create_server((address[0], 0), **options)

    def run(server: uvicorn.Server, sockets: list[socket.socket]) -> None:
        host, port = requested[-1]
        calls.append({"app": server.config.app, "host": host, "port": port})
        for listener in sockets:
            listener.close()

    monkeypatch.setattr(socket, "create_server", create_on_a_free_port)
    monkeypatch.setattr(uvicorn.Server, "run", run)
    return calls


def test_it_binds_loopback_without_a_token_by_default(served):
    result = CliRunner().invoke(cli, ["dashboard"])
    assert result.exit_code == 0, result.output
    [call] = served
    assert (call["host"], call["port"]) == ("127.0.0.1", 8080)
    assert "token" not in result.output
    client = TestClient(call["app"], base_url="http://127.0.0.1:8080")
    assert client.get("/").status_code == 200


def test_binding_elsewhere_prints_a_fresh_token_once_and_requires_it(served):
    result = CliRunner().invoke(cli, ["dashboard", "--host", "0.0.0.0", "--port", "9000"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if "?token=" in line]
    token = line.rsplit("?token=", 1)[1]
    assert line == f"dockyard dashboard on http://0.0.0.0:9000/?token={token}"
    assert result.output.count(token) == 1
    [call] = served
    client = TestClient(call["app"], base_url="http://dev-box:9000", follow_redirects=False)
    assert client.get("/").status_code == 401
    assert client.get(f"/?token={token}").status_code == 303
    assert client.get("/").status_code == 200


def test_a_given_token_is_required_and_not_printed(served):
    result = CliRunner().invoke(cli, ["dashboard", "--host", "0.0.0.0", "--token", "chosen-token-123"])
    assert result.exit_code == 0, result.output
    assert "chosen-token-123" not in result.output
    assert "(token required)" in result.output
    client = TestClient(served[0]["app"], base_url="http://10.0.0.5:8080")
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer chosen-token-123"}).status_code == 200


def test_a_missing_kubeconfig_is_a_clear_error(served, tmp_path):
    result = CliRunner().invoke(cli, ["dashboard", "--kubeconfig", str(tmp_path / "absent")])
    assert result.exit_code == 3
    assert "no usable Kubernetes configuration" in result.output
    assert served == []


def test_in_a_pod_without_a_kubeconfig_it_uses_the_service_account(served, monkeypatch, tmp_path):
    from lightkube.config.kubeconfig import KubeConfig

    account = tmp_path / "serviceaccount"
    account.mkdir()
    for name, content in {"token": "pod-token", "namespace": "dockyard-system",
                          "ca.crt": Path(certifi.where()).read_text()}.items():
        (account / name).write_text(content)
    from_service_account = KubeConfig.from_service_account.__func__
    monkeypatch.setattr(KubeConfig, "from_service_account",
                        classmethod(lambda cls, service_account=account: from_service_account(cls, service_account)))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    result = CliRunner().invoke(cli, ["dashboard", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    config = served[0]["app"].state.cluster.config
    assert config.cluster.server == "https://10.96.0.1:443"
    assert config.user.token == "pod-token"


def test_a_kubeconfig_naming_a_missing_ca_file_is_a_clear_error_not_a_traceback(served, tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(f"""\
apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "https://127.0.0.1:6443", certificate-authority: {tmp_path}/ca.crt}}}}]
users: [{{name: u, user: {{token: t}}}}]
contexts: [{{name: c, context: {{cluster: c, user: u}}}}]
current-context: c
""")
    result = CliRunner().invoke(cli, ["dashboard", "--kubeconfig", str(kubeconfig)])
    assert result.exit_code == 3
    assert f"cannot use the kubeconfig's TLS files ({tmp_path}/ca.crt)" in result.output
    assert "Traceback" not in result.output
    assert served == []


def test_a_port_already_taken_is_one_line_and_nothing_is_announced(monkeypatch, kube):
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets: pytest.fail("served on a taken port"))
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["dashboard", "--port", str(port)])
    assert result.exit_code == 3
    assert result.output == f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


@pytest.mark.parametrize("port", ["0", "65536"])
def test_a_port_out_of_range_is_refused(served, port):
    result = CliRunner().invoke(cli, ["dashboard", "--port", port])
    assert result.exit_code == 2
    assert f"--port {port}: use a port from 1 to 65535" in result.output
    assert served == []
