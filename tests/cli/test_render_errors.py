"""Every bad input the translation issue names, through ``dockyard render``: exit 1, one clear
located error line on stderr (file:line, dotted path), no traceback, no secret marker."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from dockyard.cli.main import app

CASES = {
    "build without image": (
        "services:\n  app:\n    build: .\n", [], "3:", "services.app.build", "dockyard deploys images"),
    "names colliding after normalising": (
        "services:\n  front_end:\n    image: a\n  front.end:\n    image: b\n", [], "3:", "front-end", "rename one"),
    "one port mapped to two targets": (
        'services:\n  web:\n    image: a\n    ports: ["8080:80", "8080:81"]\n', [], "4:", "services.web.ports", "maps to both"),
    "a host path bind mount": (
        "services:\n  web:\n    image: a\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n", [],
        "5:", "services.web.volumes.0", "use a named volume"),
    "a secret in the image": (
        "services:\n  web:\n    image: app:${TOKEN}\n", ["--secret-keys", "TOKEN"], "3:", "services.web.image", "env-secret TOKEN"),
    "a secret in a label": (
        "services:\n  web:\n    image: a\n    labels:\n      token: ${TOKEN}\n", ["--secret-keys", "TOKEN"],
        "5:", "services.web.labels.token", "env-secret TOKEN"),
    "a secret in an environment variable name": (
        "services:\n  web:\n    image: a\n    environment:\n      - ${TOKEN}=x\n", ["--secret-keys", "TOKEN"],
        "5:", "services.web.environment", "cannot be used in a variable name"),
    "a secret in a service volume": (
        "services:\n  web:\n    image: a\n    volumes:\n      - data:${TOKEN}\nvolumes:\n  data: {}\n", ["--secret-keys", "TOKEN"],
        "5:", "services.web.volumes.0.target", "env-secret TOKEN"),
    "a secret in a volume option": (
        "services:\n  web:\n    image: a\n    volumes: [data:/d]\nvolumes:\n  data:\n    driver_opts:\n      size: ${TOKEN}\n",
        ["--secret-keys", "TOKEN"], "8:", "volumes.data.driver_opts.size", "env-secret TOKEN"),
    "a secret in a port": (
        'services:\n  web:\n    image: a\n    ports: ["${TOKEN}:80"]\n', ["--secret-keys", "TOKEN"], "4:", "services.web.ports", "env-secret TOKEN"),
    "a secret in an exec healthcheck": (
        'services:\n  web:\n    image: a\n    healthcheck:\n      test: ["CMD", "check", "${TOKEN}"]\n', ["--secret-keys", "TOKEN"],
        "5:", "services.web.healthcheck.test", "CMD-SHELL"),
    "privileged": ("services:\n  web:\n    image: a\n    privileged: true\n", [], "4:", "services.web.privileged", "cap_add"),
    "host network": ("services:\n  web:\n    image: a\n    network_mode: host\n", [], "4:", "services.web.network_mode", "publish ports"),
    "host pid": ("services:\n  web:\n    image: a\n    pid: host\n", [], "4:", "services.web.pid", "host-pid"),
    "host ipc": ("services:\n  web:\n    image: a\n    ipc: host\n", [], "4:", "services.web.ipc", "host-ipc"),
    "host ports": (
        "services:\n  web:\n    image: a\n    ports:\n      - target: 80\n        published: \"80\"\n        mode: host\n", [],
        "5:", "services.web.ports.0", "ingress mode"),
    "devices": ('services:\n  web:\n    image: a\n    devices: ["/dev/fuse:/dev/fuse"]\n', [], "4:", "services.web.devices", "device plugin"),
    "reservation above limit": (
        "services:\n  web:\n    image: a\n    deploy:\n      resources:\n        limits: {memory: 64M}\n"
        "        reservations: {memory: 128M}\n", [], "7:", "services.web.deploy.resources.reservations", "larger than the limit"),
    "a bad volume size": (
        "services:\n  web:\n    image: a\n    volumes: [data:/d]\nvolumes:\n  data:\n    x-dockyard: {size: lots}\n", [],
        "7:", "volumes.data", "is not a size"),
    "volumes normalising to one claim": (
        "services:\n  web:\n    image: a\n    volumes: [data_x:/a, data-x:/b]\nvolumes:\n  data_x: {}\n  data-x: {}\n", [],
        "6:", "volumes.data_x", "both become the Kubernetes claim"),
    "an alias that is another service's name": (
        "services:\n  web:\n    image: a\n    networks:\n      default:\n        aliases: [db]\n  db:\n    image: b\n", [],
        "5:", "services.web.networks", "service 'db'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_input_is_one_located_error_line_and_exit_1(case, tmp_path):
    text, extra, line, path, words = CASES[case]
    compose = tmp_path / "compose.yaml"
    compose.write_text(text)
    result = CliRunner().invoke(app, ["render", "-f", str(compose), *extra])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {compose}:{line}") and result.stderr.count("\n") == 1, result.stderr
    assert path in result.stderr and words in result.stderr, result.stderr
    assert "Traceback" not in result.output and "\ue000" not in result.output and result.stdout == ""


def test_a_big_bind_mounted_file_is_refused_past_the_configmap_limit(tmp_path):
    (tmp_path / "big.bin").write_bytes(b"x" * ((1 << 20) + 10))
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  web:\n    image: a\n    volumes:\n      - ./big.bin:/big.bin\n")
    result = CliRunner().invoke(app, ["render", "-f", str(compose)])
    assert result.exit_code == 1 and "limited to 1 MiB" in result.stderr and f"{compose}:5:" in result.stderr


def test_a_depends_on_cycle_is_refused(tmp_path):
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n")
    result = CliRunner().invoke(app, ["render", "-f", str(compose)])
    assert result.exit_code == 1 and "cycle" in result.stderr and "Traceback" not in result.output
