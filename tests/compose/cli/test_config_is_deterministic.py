"""``dockyard config`` prints the same bytes on every run, whatever Python's hash seed.

Sets and dict orders must never leak into the output: the same files are printed by separate
processes with different ``PYTHONHASHSEED`` values, in both formats, and compared byte for byte.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "bench"))
from generate import generate_compose  # noqa: E402

EXTRA = """\
  mixed:
    image: busybox
    profiles: [b, a]
    extra_hosts: {zz: 1.2.3.4, aa: [10.0.0.2, 10.0.0.1]}
    labels: {z: 1, a: 2, m: 3}
    secrets: [pw, token]
    configs: [conf]
    depends_on: [svc0003, svc0001, svc0002]
    cap_add: [SYS_TIME, NET_ADMIN]
secrets:
  token: {environment: HOME}
  pw: {file: ./pw.txt}
configs:
  conf: {content: hello}
"""


def printed(folder: Path, seed: str, fmt: str) -> bytes:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    run = subprocess.run(
        [sys.executable, "-c", "from dockyard.cli.main import main; main()", "config", "--profile", "*", "--format", fmt],
        cwd=folder, env={**environment, "PYTHONHASHSEED": seed}, capture_output=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr.decode()
    return run.stdout


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_config_prints_the_same_bytes_under_different_hash_seeds(tmp_path, fmt):
    text = generate_compose(6, seed=4)
    networks = text.index("networks:\n  front")
    service, resources = EXTRA.split("secrets:\n", 1)
    (tmp_path / "compose.yaml").write_text(text[:networks] + service + text[networks:] + "secrets:\n" + resources)
    (tmp_path / "pw.txt").write_text("x")

    assert printed(tmp_path, "1", fmt) == printed(tmp_path, "2", fmt) == printed(tmp_path, "3", fmt)
