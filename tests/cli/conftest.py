"""Cluster-facing CLI tests: typer's CliRunner against the emulated API server over HTTP."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from dockyard.cli import status_cmd
from dockyard.cli.main import app

COMPOSE = """\
name: shop
services:
  db:
    image: postgres:16.4
    environment:
      POSTGRES_PASSWORD: ${DB_PASSWORD}
    volumes: [dbdata:/var/lib/postgresql/data]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready"]
      interval: 5s
  api:
    image: example/api:${TAG:-1}
    env_file: api.env
    depends_on:
      db: {condition: service_healthy}
    ports: ["8080:80"]
  web:
    image: nginx:1.27
    ports: ["80"]
volumes:
  dbdata: {}
"""


@pytest.fixture
def cli(kube):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(app, [str(a) for a in args], input=input)

    return invoke


@pytest.fixture
def project_dir(tmp_path):
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / "api.env").write_text("LOG_LEVEL=info\n")
    return tmp_path


@pytest.fixture
def dev(kube, cli):
    """Environment ``dev`` with the secret the project needs."""
    assert cli("env", "create", "dev").exit_code == 0
    assert cli("secret", "set", "DB_PASSWORD", "--env", "dev", input="pw-123-secret\n").exit_code == 0
    kube.requests.clear()
    return "env-dev"


def mark_ready(kube, namespace="env-dev"):
    """What the Deployment controller and kubelet would report once pods run: every workload ready."""
    for deployment in kube.store_list("Deployment", namespace):
        replicas = deployment["spec"].get("replicas", 1)
        kube.store_patch_status("Deployment", deployment["metadata"]["name"], namespace, {
            "observedGeneration": deployment["metadata"]["generation"], "replicas": replicas,
            "readyReplicas": replicas, "updatedReplicas": replicas, "availableReplicas": replicas})


@pytest.fixture
def cluster_acts(kube, monkeypatch):
    """Between two rounds of ``apply --wait``, the cluster makes every workload ready."""
    monkeypatch.setattr(status_cmd, "_sleep", lambda seconds: mark_ready(kube))


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr(status_cmd, "_sleep", lambda seconds: None)


def dedent(text: str) -> str:
    return textwrap.dedent(text)


@pytest.fixture
def terminal(monkeypatch):
    """A person at a terminal answers prompts (CliRunner's stdin is otherwise never a TTY)."""
    from dockyard.cli import _kube

    monkeypatch.setattr(_kube, "stdin_is_terminal", lambda: True)
