"""Cross-reference and consistency checks on the canonical merged tree (compose-go checkConsistency).

Messages were checked against the ``docker-compose`` v2.40.3 binary; the differences are
documented in ``dockyard.compose.validation`` (index instead of ``[]``, no ``: invalid compose
project`` suffix, compose-go's garbled container_name messages written out properly).
"""

from __future__ import annotations

import pytest
import yaml

from dockyard.compose import validation
from dockyard.compose.model import Location
from dockyard.errors import ValidationError


def messages(document: str, **kwargs) -> list[str]:
    return [e.message for e in validation.check(yaml.safe_load(document), file="compose.yaml", positions={}, **kwargs)]


SINGLE_PROBLEMS = [
    ("services: {a: {image: x, depends_on: {zz: {condition: service_started}}}}", 'service "a" depends on undefined service "zz"'),
    ("services: {a: {image: x, links: ['zz:alias']}}", 'service "a" depends on undefined service "zz"'),
    ("services: {a: {image: x, volumes_from: ['zz:ro']}}", 'service "a" depends on undefined service "zz"'),
    ("services: {a: {image: x, network_mode: 'service:zz'}}", 'service "a" depends on undefined service "zz"'),
    ("services: {a: {image: x, volumes: [{type: volume, source: vv, target: /x}]}}", 'service "a" refers to undefined volume vv'),
    ("services: {a: {image: x, networks: {nn: null}}}", 'service "a" refers to undefined network nn'),
    ("services: {a: {image: x, secrets: [{source: s}]}}", 'service "a" refers to undefined secret s'),
    ("services: {a: {image: x, configs: [{source: c}]}}", 'service "a" refers to undefined config c'),
    ("services: {a: {image: x, build: {context: ., secrets: [{source: zz}]}}}", 'service "a" refers to undefined build secret zz'),
    ("services: {a: {}}", 'service "a" has neither an image nor a build context specified'),
    ("services: {a: {image: x, network_mode: host, networks: {default: null}}}", "service a declares mutually exclusive `network_mode` and `networks`"),
    ("services: {a: {image: x, healthcheck: {test: [FOO]}}}", 'healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"'),
    ("services: {a: {image: x, scale: 2, deploy: {replicas: 3}}}", "services.a: can't set distinct values on 'scale' and 'deploy.replicas'"),
    (
        "services: {a: {image: x, mem_limit: 1g, deploy: {resources: {limits: {memory: 2g}}}}}",
        "services.a: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'",
    ),
    (
        "services: {a: {image: x, cpus: 1, deploy: {resources: {limits: {cpus: 2}}}}}",
        "services.a: can't set distinct values on 'cpus' and 'deploy.resources.limits.cpus'",
    ),
    (
        "services: {a: {image: x, container_name: cc, deploy: {replicas: 2}}}",
        "services.a: can't set container_name and deploy.replicas as container name must be unique",
    ),
    (
        "services: {a: {image: x, container_name: cc}, b: {image: x, container_name: cc}}",
        'services.b: container name "cc" is already in use by service a',
    ),
    (
        "services: {a: {image: x, develop: {watch: [{path: ./x, action: sync}]}}}",
        "services.a.develop.watch: target is required for non-rebuild actions",
    ),
    (
        "services: {a: {image: x, build: {context: ., dockerfile: a, dockerfile_inline: b}}}",
        'service "a" declares mutualy exclusive dockerfile and dockerfile_inline',
    ),
    (
        "services: {a: {image: x, platform: linux/amd64, build: {context: ., platforms: [linux/arm64]}}}",
        'service.build.platforms MUST include service.platform "linux/amd64"',
    ),
    (
        "services: {a: {image: x, mem_limit: 1g, deploy: {resources: {limits: {cpus: '1'}}}}}",
        "services.a: can't set distinct values on 'mem_limit' and 'deploy.resources.limits.memory'",
    ),
    (
        "services: {a: {image: x, pids_limit: 5, deploy: {resources: {limits: {}}}}}",
        "services.a: can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids'",
    ),
    ("services: {a: {image: x, depends_on: {a: {condition: service_started}}}}", "dependency cycle detected: a -> a"),
    ("volumes: {v: {external: true, driver: foo}}", 'volumes.v: conflicting parameters "external" and "driver" specified'),
    ("secrets: {s: {driver: d}}", 'secret "s" must declare either `file` or `environment`'),
    ("services: {a: {image: x, ports: [{target: 80, host_ip: nope}]}}", "services.a.ports.0: invalid ip address: nope"),
]


@pytest.mark.parametrize(("document", "message"), SINGLE_PROBLEMS)
def test_an_inconsistent_document_is_reported_in_compose_words(document, message):
    assert messages(document) == [message]


def test_equal_duplicate_settings_are_accepted():
    document = "services: {a: {image: x, mem_limit: 1g, cpus: 0.5, deploy: {resources: {limits: {memory: 1024m, cpus: '0.5'}}}}}"

    assert messages(document) == []


def test_a_cycle_is_named_along_its_edges_whatever_key_makes_the_edge():
    document = """
services:
  a: {image: x, depends_on: {b: {condition: service_started}}}
  b: {image: x, links: [c]}
  c: {image: x, volumes_from: [a]}
"""
    assert messages(document) == ["dependency cycle detected: a -> b -> c -> a"]


def test_a_very_long_dependency_chain_is_checked_without_recursion_limits():
    services = {f"s{i}": {"image": "x", "depends_on": {f"s{i + 1}": {"condition": "service_started"}}} for i in range(3000)}
    services["s3000"] = {"image": "x", "depends_on": {"s0": {"condition": "service_started"}}}

    [error] = validation.check({"services": services}, file="compose.yaml", positions={})

    assert error.message.startswith("dependency cycle detected: s0 -> s1 -> s2 -> ")
    assert error.message.endswith(" -> s3000 -> s0")


def test_every_problem_is_reported_not_only_the_first():
    document = """
services:
  a: {image: x, depends_on: {zz: {condition: service_started}}, volumes: [{type: volume, source: vv, target: /x}]}
  b: {}
configs: {c: {file: ./a, content: b}}
"""
    assert messages(document) == [
        "configs.c: file|environment|content attributes are mutually exclusive",
        'service "a" depends on undefined service "zz"',
        'service "a" refers to undefined volume vv',
        'service "b" has neither an image nor a build context specified',
    ]


def test_a_consistent_document_has_no_problem():
    document = """
services:
  web:
    image: nginx
    depends_on: {db: {condition: service_healthy, required: true}}
    links: [db]
    networks: {front: null, default: null}
    volumes: [{type: volume, source: data, target: /data}, {type: bind, source: /tmp, target: /tmp}, {type: volume, target: /anon}]
    secrets: [{source: pw}]
    configs: [{source: conf}]
    ports: [{target: 80, published: "8080", host_ip: "::1"}]
  db: {image: postgres, container_name: the-db, healthcheck: {test: [CMD-SHELL, pg_isready]}}
networks: {front: {}}
volumes: {data: {}}
secrets: {pw: {file: ./pw.txt}}
configs: {conf: {content: hello}}
"""
    assert messages(document) == []


def test_an_optional_dependency_on_a_service_disabled_by_profile_is_allowed():
    document = "services: {a: {image: x, depends_on: {b: {condition: service_started, required: false}}}}"

    assert messages(document, disabled={"b"}) == []
    assert messages(document) == ['service "a" depends on undefined service "b"']


def test_a_required_dependency_on_a_disabled_service_is_still_an_error():
    document = "services: {a: {image: x, depends_on: {b: {condition: service_started, required: true}}}}"

    assert messages(document, disabled={"b"}) == ['service "a" depends on undefined service "b"']


def test_each_problem_is_a_validation_error_located_where_the_reference_is_written():
    positions = {
        ("services", "a"): Location("compose.yaml", 2, 3),
        ("services", "a", "depends_on", "zz"): Location("override.yaml", 9, 7),
    }
    document = {"services": {"a": {"image": "x", "depends_on": {"zz": {"condition": "service_started"}}}}}

    [error] = validation.check(document, file="compose.yaml", positions=positions)

    assert isinstance(error, ValidationError)
    assert str(error) == 'override.yaml:9:7: service "a" depends on undefined service "zz"'
    assert error.path == "services.a.depends_on.zz"


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:10.0.0.1", "0.0.0.0"])
def test_host_ip_accepts_what_go_parses_as_an_ip(address):
    assert validation.is_ip(address)


@pytest.mark.parametrize("address", ["localhost", "10.0.0.256", "fe80::1%eth0", "[::1]", ""])
def test_host_ip_rejects_what_go_does_not_parse(address):
    assert not validation.is_ip(address)
