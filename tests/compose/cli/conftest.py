"""The small project the `config` / `validate` command tests run in."""

from pathlib import Path

import pytest


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("COMPOSE_FILE", "COMPOSE_PROFILES", "COMPOSE_PROJECT_NAME", "TAG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  web:\n"
        "    image: nginx:${TAG:-latest}\n"
        "    ports: ['8080:80']\n"
        "    volumes: [data:/data]\n"
        "  debug:\n"
        "    image: busybox\n"
        "    profiles: [debug]\n"
        "volumes:\n"
        "  data: {}\n"
    )
    (tmp_path / "bad.yaml").write_text("services:\n  web:\n    image: [1]\n")
    return tmp_path
