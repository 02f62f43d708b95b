"""``dockyard config --format json`` prints what ``docker-compose config --format json`` prints.

The reference binary, the controlled environment, the output cache and the table of
normalisations (each with its reason) are described in ``diffkit.py`` next to this file.
Corpus: every compose input of the kompose oracle, the repository's ``examples/``, files from
``bench/generate.py``, a few inputs docker compose rejects, and hypothesis-generated services.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from diffkit import REPO, Case, assert_same_config, example_cases, kompose_cases

pytestmark = pytest.mark.differential

sys.path.insert(0, str(REPO / "bench"))
from generate import generate_compose  # noqa: E402

KOMPOSE = kompose_cases()


@pytest.mark.parametrize("case", KOMPOSE, ids=[c.name for c in KOMPOSE])
def test_kompose_oracle_input_loads_like_docker_compose(case, monkeypatch):
    assert_same_config(case, monkeypatch)


@pytest.mark.parametrize("case", example_cases(), ids=lambda c: c.name)
def test_shipped_example_loads_like_docker_compose(case, monkeypatch):
    assert_same_config(case, monkeypatch)


@pytest.mark.parametrize(("services", "seed"), [(1, 0), (2, 1), (25, 2), (200, 3)])
def test_generated_file_loads_like_docker_compose(services, seed, tmp_path, monkeypatch):
    (tmp_path / "compose.yaml").write_text(generate_compose(services, seed))

    assert_same_config(Case(f"generated-{services}", tmp_path, ("compose.yaml",)), monkeypatch)


REJECTED = {
    "not-a-mapping": "services: [web]\n",
    "unknown-top-level-key": "helicopters: {}\nservices: {web: {image: x}}\n",
    "port-is-a-boolean": "services: {web: {image: x, ports: [true]}}\n",
    "environment-is-a-string": "services: {web: {image: x, environment: FOO=1}}\n",
    "unknown-dependency": "services: {web: {image: x, depends_on: [db]}}\n",
    "dependency-cycle": "services: {a: {image: x, depends_on: [b]}, b: {image: x, depends_on: [a]}}\n",
    "undefined-volume": "services: {web: {image: x, volumes: ['data:/data']}}\n",
    "undefined-network": "services: {web: {image: x, networks: [front]}}\n",
    "undefined-secret": "services: {web: {image: x, secrets: [pw]}}\n",
    "no-image-no-build": "services: {web: {}}\n",
    "invalid-host-ip": "services: {web: {image: x, ports: [{target: 80, host_ip: nope}]}}\n",
    "missing-required-variable": "services: {web: {image: '${IMAGE:?set IMAGE}'}}\n",
    "duplicate-key": "services:\n  web: {image: x}\n  web: {image: y}\n",
    "bad-yaml": "services: {web: [\n",
}


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_input_docker_compose_rejects_is_rejected(name, tmp_path, monkeypatch):
    (tmp_path / "compose.yaml").write_text(REJECTED[name])

    assert_same_config(Case(name, tmp_path, ("compose.yaml",), unset=("IMAGE",)), monkeypatch)
