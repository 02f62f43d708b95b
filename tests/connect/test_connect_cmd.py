"""``dockyard connect`` end to end through typer's CliRunner: the table, bytes through the forwarded port,
the hosts block written and removed, Ctrl-C (a real SIGINT) stopping cleanly, and the bad cases as one
clear line with no traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dockyard.cli import connect_cmd
from dockyard.cli.main import app
from tests.connect.conftest import LocalTransport, deployment, exchange, ready_pods, service


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(probe, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return value


@pytest.fixture
def cli(kube, monkeypatch, tmp_path):
    monkeypatch.setattr(connect_cmd, "_transport", lambda config: LocalTransport(kube))
    monkeypatch.setattr("dockyard.cli._hosts.DEFAULT_PATH", tmp_path / "default-hosts")  # never the real one
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def db(kube, dev):
    port = free_port()
    kube.store_put(service("db", [{"port": port, "targetPort": 5432}]))
    kube.store_put(deployment("db"))
    pod = wait_for(lambda: ready_pods(kube, "db"), "a ready db pod")[0]
    return port, pod


def test_connect_prints_the_table_forwards_bytes_and_stops_cleanly_on_ctrl_c(kube, cli, db, monkeypatch, tmp_path):
    port, pod = db
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    seen = {}

    async def while_running(stop, forwards):
        seen["answer"] = await exchange(port, b"ping")
        seen["hosts"] = hosts.read_text()
        os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C sends
        await asyncio.wait_for(stop.wait(), 10)

    monkeypatch.setattr(connect_cmd, "_until_stopped", while_running)
    result = cli("connect", "--env", "dev", "--hosts", "--hosts-file", hosts)
    assert result.exit_code == 0, result.output
    assert seen["answer"] == f"[{pod}:5432] ping".encode()
    assert "127.0.0.1 db db.env-dev db.env-dev.svc.cluster.local" in seen["hosts"]
    lines = result.output.splitlines()
    assert [line.split() for line in lines[:3]] == [["forwarding", "environment", "dev", "(Ctrl-C", "to", "stop)"],
                                                    ["SERVICE", "LOCAL", "ADDRESS", "REMOTE", "PORT"],
                                                    ["db", f"db:{port}", str(port)]], result.output
    assert lines[3] == f"pod: db: forwarding to pod {pod}"  # what start found, under the table
    assert lines[-1] == f"stopped: forwards closed, {hosts} restored"
    assert hosts.read_text() == "127.0.0.1 localhost\n"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_a_busy_port_is_shown_in_the_table(kube, cli, db, monkeypatch):
    port, _ = db

    async def stop_at_once(stop, forwards):
        return None

    monkeypatch.setattr(connect_cmd, "_until_stopped", stop_at_once)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = cli("connect", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert f"moved: db: local port {port} is busy, using " in result.output
    assert f"(local {port} was busy)" in result.output


def test_a_stale_hosts_block_is_removed_on_the_next_run(kube, cli, db, monkeypatch, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n# BEGIN dockyard connect (pid 999999999, environment dev)\n"
                     "127.0.0.1 db\n# END dockyard connect\n")

    async def stop_at_once(stop, forwards):
        return None

    monkeypatch.setattr(connect_cmd, "_until_stopped", stop_at_once)
    result = cli("connect", "--env", "dev", "--hosts-file", hosts)
    assert result.exit_code == 0, result.output
    assert f"removed a stale dockyard block from {hosts} (left by a run that did not exit cleanly)" in result.output
    assert hosts.read_text() == "127.0.0.1 localhost\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--env", "nope"],
     "error: environment 'nope' does not exist (no namespace env-nope); run: dockyard env create nope"),
    (["--env", "dev", "--services", "web"], "error: environment 'dev' has no service web (services: none yet)"),
    (["--env", "Bad_Name"], "error: invalid environment name 'Bad_Name'"),
])
def test_bad_cases_are_one_clear_line_and_no_traceback(kube, dev, cli, args, message):
    result = cli("connect", *args)
    assert result.exit_code == 1
    assert result.output.startswith(message), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_environment_without_services_says_there_is_nothing_to_forward(kube, dev, cli):
    result = cli("connect", "--env", "dev")
    assert result.exit_code == 1
    assert result.output == "error: environment 'dev' has no TCP service ports to forward\n"


def test_hosts_without_rights_is_one_line_and_closes_the_listeners(kube, cli, db, monkeypatch, tmp_path):
    port, _ = db
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("dockyard.cli._hosts.open", refuse, raising=False)
    result = cli("connect", "--env", "dev", "--hosts", "--hosts-file", hosts)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"error: cannot write {hosts}: permission denied; run dockyard connect with administrator rights (sudo) "
        "for --hosts, or leave --hosts out")
    assert "Traceback" not in result.output
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_a_killed_run_leaves_its_hosts_block_and_the_next_run_removes_it(kube, cli, dev, tmp_path):
    kube.store_put(service("db", [{"port": free_port(), "targetPort": 5432}]))
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n")
    dockyard = str(Path(sys.executable).with_name("dockyard"))  # the installed command, in its own process
    run = subprocess.Popen([dockyard, "connect", "--env", "dev", "--hosts",
                            "--hosts-file", str(hosts), "--kubeconfig", str(kube.kubeconfig_path)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: f"(pid {run.pid}, environment dev)" in hosts.read_text(), "the block of the first run")
    finally:
        run.kill()  # a crash: no cleanup runs
        run.wait()
    assert "127.0.0.1 db db.env-dev" in hosts.read_text()

    result = cli("connect", "--env", "dev", "--services", "nope", "--hosts-file", hosts)  # even a run that fails
    assert result.exit_code == 1
    assert f"removed a stale dockyard block from {hosts}" in result.output
    assert hosts.read_text() == "127.0.0.1 localhost\n"
