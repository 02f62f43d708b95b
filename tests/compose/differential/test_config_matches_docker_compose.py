"""``dockyard config --format json`` prints what ``docker-compose config --format json`` prints.

The reference binary, the controlled environment, the output cache and the table of
normalisations (each with its reason) are described in ``diffkit.py`` next to this file.
Corpus: every compose input of the kompose oracle, the repository's ``examples/``, the multi-file
projects under ``tests/compose/testdata`` (extends, include, profiles, ``--env-file``), files from
``bench/generate.py``, inputs at the edge of validity (rejected or barely accepted by docker
compose), and hypothesis-generated services (next file).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from diffkit import (
    REPO,
    Case,
    assert_same_config,
    docker_compose_config,
    dockyard_config,
    example_cases,
    kompose_cases,
    reference_reason,
)

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


TESTDATA = REPO / "tests" / "compose" / "testdata"
TESTDATA_CASES = [
    Case("extends", TESTDATA / "extends", ("compose.yaml",)),
    Case("extends-nested", TESTDATA / "extends" / "nested", ("compose.yaml",)),
    Case("include", TESTDATA / "include", ("compose.yaml",)),
    Case("include-env-file", TESTDATA / "include", ("compose.yaml",), options=("--env-file", "sub/.env")),
    Case("multi", TESTDATA / "printing" / "multi", ("compose.yaml", "override.yaml")),
    Case("kitchen", TESTDATA / "printing" / "kitchen", ("compose.yaml",)),
    Case("kitchen-every-profile", TESTDATA / "printing" / "kitchen", ("compose.yaml",), options=("--profile", "*")),
]


@pytest.mark.parametrize("case", TESTDATA_CASES, ids=lambda c: c.name)
def test_a_testdata_project_loads_like_docker_compose(case, monkeypatch):
    assert_same_config(case, monkeypatch)


def test_an_active_profile_selects_services_like_docker_compose(tmp_path, monkeypatch):
    (tmp_path / "compose.yaml").write_text(
        "services:\n  a: {image: x}\n  b: {image: x, profiles: [dbg]}\n"
        "  c: {image: x, profiles: [ops, dbg], depends_on: [b]}\n  d: {image: x, profiles: [ops]}\n"
    )
    assert_same_config(Case("profiles", tmp_path, ("compose.yaml",), options=("--profile", "dbg")), monkeypatch)


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
    "short-container-name": "services: {web: {image: x, container_name: c}}\n",
    "secret-with-content": "services: {web: {image: x}}\nsecrets: {s: {content: q}}\n",
    "unknown-healthcheck-test": "services: {web: {image: x, healthcheck: {test: [FOO]}}}\n",
    "bind-without-target": "services: {web: {image: x, volumes: [{type: bind}]}}\n",
    "scale-differs-from-replicas": "services: {web: {image: x, scale: 2, deploy: {replicas: 3}}}\n",
    "service-name-with-space": "services: {'a b': {image: x}}\n",
    "port-with-unknown-protocol": "services: {web: {image: x, ports: ['80/xyz']}}\n",
    "port-with-two-protocols": "services: {web: {image: x, ports: ['80/tcp/udp']}}\n",
    "port-protocol-checked-before-the-host": "services: {web: {image: x, ports: ['abc:80/xyz']}}\n",
    "port-with-a-bad-host-ip": "services: {web: {image: x, ports: ['1.2.3:80:80']}}\n",
    "port-host-ip-with-a-zone": "services: {web: {image: x, ports: ['[fe80::1%eth0]:81:81']}}\n",
    "extra-host-without-ip": "services: {web: {image: x, extra_hosts: ['nohost']}}\n",
    "build-extra-host-without-ip": "services: {web: {image: x, build: {context: ., extra_hosts: ['nohost']}}}\n",
    "device-with-too-many-fields": "services: {web: {image: x, devices: ['a:b:c:d']}}\n",
    "name-key-normalising-to-nothing": "name: '!!!'\nservices: {web: {image: x}}\n",
    "only-an-empty-document": "---\n",
    "a-later-empty-document": "services: {web: {image: x}}\n---\n",
    "empty-file": "",
    "only-a-comment": "# nothing here\n",
    "empty-mapping": "{}\n",
}
ACCEPTED_AT_THE_EDGE = {
    "duplicate-short-ports": "services: {web: {image: x, ports: [80, 80]}}\n",
    "default-network-named": "services: {web: {image: x, networks: [default]}}\n",
    "optional-dependency-on-disabled-service": (
        "services: {a: {image: x, depends_on: {b: {condition: service_started, required: false}}}, b: {image: x, profiles: [q]}}\n"
    ),
    "extension-keys-on-service-and-port": "services: {web: {image: x, x-foo: 1, ports: [{target: 80, x-p: 1}]}}\n",
    "obsolete-version-key": "version: '3'\nservices: {web: {image: x}}\n",
    "port-range-to-one-port": "services: {web: {image: x, ports: ['80-81:90']}}\n",
    "port-ranges": "services: {web: {image: x, ports: ['8080-8081:80-81']}}\n",
    "only-an-extension-key": "x-foo: 1\n",
    "empty-services": "services: {}\n",
    "extra-hosts-printed-sorted": "services: {web: {image: x, extra_hosts: ['zz=1.2.3.4', 'h2:::1', 'h=1.1.1.1'], build: {context: ., extra_hosts: {b: 2.2.2.2, a: [1.1.1.1, 0.0.0.0]}}}}\n",
    "blkio-rates-are-byte-sizes": (
        "services: {web: {image: x, blkio_config: {weight: 300, weight_device: [{path: /dev/sda, weight: 400}],"
        " device_read_bps: [{path: /dev/sda, rate: 12mb}], device_write_iops: [{path: /dev/sdb, rate: 30}]}}}\n"
    ),
    "port-protocol-in-capitals": "services: {web: {image: x, ports: ['80/UDP', '81/']}}\n",
    "extra-host-with-empty-ip": "services: {web: {image: x, extra_hosts: ['h=', 'g:']}}\n",
    "long-bind-options-as-written": (
        "services: {web: {image: x, volumes: [{type: bind, source: ., target: /a, bind: {selinux: z}},"
        " {type: bind, source: ., target: /b}, './c:/c']}}\n"
    ),
    "name-key-normalised": "name: My App!\nservices: {web: {image: x}}\n",
    "numeric-resource-keys": (
        "services: {web: {image: x, cpus: 1.5, cpu_count: 2, cpu_percent: 50, mem_swappiness: 10,"
        " oom_score_adj: -100, pids_limit: 100, shm_size: 64000000}}\n"
    ),
    "compose-project-name-in-the-file": "name: 'app-${SUFFIX:-dev}'\nservices: {web: {image: '${COMPOSE_PROJECT_NAME}-img'}}\n",
    "service-from-a-provider": "services: {db: {provider: {type: cloud, options: {type: mysql, size: 256, zone: [a, b]}}}}\n",
    "models-short-and-long": (
        "services: {a: {image: x, models: {m: {endpoint_var: URL}}}, b: {image: x, models: [m]}}\n"
        "models: {m: {model: ai/smollm2, context_size: 1024}}\n"
    ),
    "attach-false-is-kept": "services: {web: {image: x, attach: false, use_api_socket: true, annotations: [a=b]}}\n",
    "network-settings": (
        "services: {web: {image: x, networks: {n1: {ipv4_address: 172.16.238.10, link_local_ips: [57.123.22.11],"
        " mac_address: '02:42:ac:11:65:43', driver_opts: {a: b}, gw_priority: 1}}}}\n"
        "networks: {n1: {driver: bridge, enable_ipv6: true, internal: true, attachable: true, labels: {a: b},"
        " ipam: {driver: default, config: [{subnet: 172.16.238.0/24, ip_range: 172.16.238.0/25,"
        " gateway: 172.16.238.1, aux_addresses: {h: 172.16.238.5}}], options: {o: p}}}}\n"
    ),
    "lifecycle-hook-commands": "services: {web: {image: x, post_start: [{command: echo hi, user: root}], pre_stop: [{command: [a, b]}]}}\n",
    "extensions-inside-attributes": (
        "services: {web: {image: x, build: {context: ., x-b: 1}, healthcheck: {test: [CMD, x], x-h: 1},"
        " deploy: {x-d: 1, resources: {limits: {x-l: 1, cpus: '1'}}}, networks: {n: {x-n: 1}}}}\n"
        "networks: {n: {x-n: 1, ipam: {x-i: 1}}}\n"
    ),
}


@pytest.mark.parametrize("name", sorted(REJECTED) + sorted(ACCEPTED_AT_THE_EDGE))
def test_input_at_the_edge_of_validity_is_judged_like_docker_compose(name, tmp_path, monkeypatch):
    (tmp_path / "compose.yaml").write_text(REJECTED[name] if name in REJECTED else ACCEPTED_AT_THE_EDGE[name])

    assert_same_config(Case(name, tmp_path, ("compose.yaml",), unset=("IMAGE",)), monkeypatch)


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_a_rejected_input_is_explained_in_docker_compose_words(name, tmp_path, monkeypatch):
    (tmp_path / "compose.yaml").write_text(REJECTED[name])
    case = Case(name, tmp_path, ("compose.yaml",), unset=("IMAGE",))

    reference, ours = docker_compose_config(case), dockyard_config(case, monkeypatch)

    assert reference_reason(reference.error).search(ours.error), (reference.error, ours.error)
