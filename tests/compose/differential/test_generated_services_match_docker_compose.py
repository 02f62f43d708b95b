"""Hypothesis-generated compose files load in dockyard exactly as in docker compose.

Documents are compose-shaped on purpose (services with short and long ports, environment as a
list or a mapping with ``${VAR:-x}``, healthchecks, volumes, deploy resources, labels,
depends_on on other services ...), so most are valid and the comparison bites on the output;
when docker compose rejects one, dockyard must reject it too. ``derandomize`` keeps CI stable
and ``max_examples`` keeps the reference binary's cost (~0.1 s a call) within the suite budget.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diffkit import Case, assert_same_config

pytestmark = pytest.mark.differential

NAMES = st.sampled_from(["web", "db", "cache", "api", "worker", "proxy"])
VAR = st.sampled_from(["HOME_PORT", "TAG", "UNSET_VAR_X", "LEVEL"])
WORD = st.text("abcxyz019-_./", min_size=1, max_size=8)
DURATION = st.sampled_from(["5s", "1m", "1m30s", "500ms", "2h", "10s"])
TEMPLATE = st.one_of(
    WORD,
    st.builds("${{{}:-{}}}".format, VAR, WORD),
    st.builds("${{{}-{}}}".format, VAR, WORD),
    st.builds("pre-${{{}}}-post".format, VAR),
    st.just("literal $$ dollar"),
)

SHORT_PORT = st.one_of(
    st.integers(1, 65535).map(str),
    st.builds("{}:{}".format, st.integers(1024, 65535), st.integers(1, 65535)),
    st.builds("127.0.0.1:{}:{}/udp".format, st.integers(1024, 65535), st.integers(1, 65535)),
    st.builds("{0}-{1}:{0}-{1}".format, st.integers(2000, 2100), st.integers(2101, 2103)),
)
LONG_PORT = st.fixed_dictionaries(
    {"target": st.integers(1, 65535)},
    optional={
        "published": st.integers(1024, 65535).map(str),
        "protocol": st.sampled_from(["tcp", "udp"]),
        "mode": st.sampled_from(["host", "ingress"]),
        "host_ip": st.sampled_from(["0.0.0.0", "127.0.0.1", "::1"]),
    },
)
ENVIRONMENT = st.one_of(
    st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True), st.one_of(TEMPLATE, st.integers(0, 99), st.booleans(), st.none()), max_size=4),
    st.lists(st.builds("{}={}".format, st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True), TEMPLATE), max_size=4, unique=True),
)
LABELS = st.one_of(
    st.dictionaries(st.from_regex(r"com\.example\.[a-z]{1,5}", fullmatch=True), WORD, max_size=3),
    st.lists(st.builds("com.example.{}={}".format, st.from_regex(r"[a-z]{1,5}", fullmatch=True), WORD), max_size=3, unique_by=lambda s: s.split("=")[0]),
)
HEALTHCHECK = st.fixed_dictionaries(
    {"test": st.one_of(st.just(["CMD", "true"]), st.just("curl -f http://localhost || exit 1"), st.just(["NONE"]))},
    optional={"interval": DURATION, "timeout": DURATION, "retries": st.integers(0, 5), "start_period": DURATION},
)
VOLUME = st.one_of(
    st.builds("data:/srv/{}".format, st.from_regex(r"[a-z]{1,6}", fullmatch=True)),
    st.builds("./{}:/mnt/{}:ro".format, st.from_regex(r"[a-z]{1,6}", fullmatch=True), st.from_regex(r"[a-z]{1,6}", fullmatch=True)),
    st.fixed_dictionaries({"type": st.just("volume"), "source": st.just("data"), "target": st.just("/data")}, optional={"read_only": st.booleans()}),
    st.fixed_dictionaries({"type": st.just("tmpfs"), "target": st.just("/tmp/t")}),
)
DEPLOY = st.fixed_dictionaries(
    {},
    optional={
        "replicas": st.integers(0, 5),
        "resources": st.fixed_dictionaries(
            {},
            optional={
                "limits": st.fixed_dictionaries({}, optional={"cpus": st.sampled_from(["0.5", "1", "2"]), "memory": st.sampled_from(["64M", "1G", "512m"])}),
                "reservations": st.fixed_dictionaries({}, optional={"memory": st.sampled_from(["32M", "128m"])}),
            },
        ),
    },
)


@st.composite
def compose_documents(draw):
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    services = {}
    for index, name in enumerate(names):
        service = {"image": draw(st.one_of(st.just("nginx:1.27"), st.builds("app:${{{}:-latest}}".format, VAR)))}
        extras = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "ports": st.lists(st.one_of(SHORT_PORT, LONG_PORT), min_size=1, max_size=3, unique_by=json.dumps),
                    "environment": ENVIRONMENT,
                    "labels": LABELS,
                    "healthcheck": HEALTHCHECK,
                    "volumes": st.lists(VOLUME, max_size=2, unique_by=lambda v: json.dumps(v) if isinstance(v, dict) else v.split(":")[1]),
                    "deploy": DEPLOY,
                    "command": st.one_of(st.just("echo hello"), st.just(["sh", "-c", "echo $$HOME"])),
                    "restart": st.sampled_from(["no", "always", "on-failure", "unless-stopped"]),
                    "expose": st.lists(st.sampled_from(["80", "8080-8081", "9000/udp", 3000]), max_size=2, unique=True),
                    "extra_hosts": st.one_of(
                        st.just(["db.local:10.0.0.2"]), st.just({"api.local": "10.0.0.3"}), st.just(["v6:::1"]),
                        st.lists(st.sampled_from(["zz=1.2.3.4", "h2:::1", "aa:10.0.0.1", "h=1.1.1.1"]), min_size=2, unique=True),
                    ),
                    "sysctls": st.one_of(st.just({"net.core.somaxconn": 1024}), st.just(["net.ipv4.ip_forward=1"])),
                    "blkio_config": st.just({"weight": 300, "device_read_bps": [{"path": "/dev/sda", "rate": "12mb"}]}),
                    "logging": st.just({"driver": "json-file", "options": {"max-size": "10m"}}),
                    "x-meta": st.dictionaries(st.sampled_from(["owner", "tier"]), WORD, max_size=2),
                    "ulimits": st.one_of(st.just({"nofile": {"soft": 1024, "hard": 2048}}), st.just({"nproc": 512})),
                    "cap_add": st.lists(st.sampled_from(["NET_ADMIN", "SYS_TIME"]), max_size=2, unique=True),
                    "tmpfs": st.one_of(st.just("/run"), st.just(["/run", "/tmp:size=64m"])),
                    "dns": st.one_of(st.just("8.8.8.8"), st.just(["1.1.1.1", "9.9.9.9"])),
                    "stop_grace_period": DURATION,
                    "user": st.sampled_from(["1000", "1000:1000", "app"]),
                    "working_dir": st.just("/srv"),
                    "entrypoint": st.one_of(st.just("/bin/sh -c"), st.just(["/entry.sh", "--flag"])),
                    "secrets": st.just(["pw"]),
                    "configs": st.just([{"source": "conf", "target": "/etc/conf"}]),
                    "networks": st.one_of(st.just(["front"]), st.just({"front": {"aliases": ["alias1"]}})),
                    "read_only": st.booleans(),
                    "init": st.booleans(),
                    "shm_size": st.sampled_from(["64m", "1g"]),
                    "mem_limit": st.sampled_from(["128m", "1g"]),
                },
            )
        )
        service.update(extras)
        earlier = names[:index]
        if earlier and draw(st.booleans()):
            deps = draw(st.lists(st.sampled_from(earlier), min_size=1, unique=True))
            if draw(st.booleans()):
                service["depends_on"] = deps
            else:
                service["depends_on"] = {
                    d: {
                        "condition": draw(st.sampled_from(["service_started", "service_healthy"])),
                        **draw(st.fixed_dictionaries({}, optional={"required": st.booleans(), "restart": st.booleans()})),
                    }
                    for d in deps
                }
        services[name] = service
    document = {"services": services}
    if any("secrets" in s for s in services.values()):
        document["secrets"] = {"pw": {"file": "./pw.txt"}}
    if any("configs" in s for s in services.values()):
        document["configs"] = {"conf": {"content": "hello ${TAG}"}}
    if any("networks" in s for s in services.values()):
        document["networks"] = {"front": {"driver": "bridge"}}
    if any(v == "data" or (isinstance(v, str) and v.startswith("data:")) or (isinstance(v, dict) and v.get("source") == "data") for s in services.values() for v in s.get("volumes", [])):
        document["volumes"] = {"data": {}}
    return document


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=compose_documents())
def test_a_generated_compose_file_loads_like_docker_compose(document, tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("generated")
    (folder / "compose.yaml").write_text(json.dumps(document, indent=1))
    with monkeypatch.context() as patch:
        patch.setenv("TAG", "1.2")
        patch.setenv("LEVEL", "debug")
        assert_same_config(Case("generated", folder, ("compose.yaml",), unset=("UNSET_VAR_X", "HOME_PORT")), patch)


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(base=compose_documents(), override=compose_documents())
def test_two_generated_files_merge_like_docker_compose(base, override, tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("merged")
    (folder / "compose.yaml").write_text(json.dumps(base, indent=1))
    (folder / "override.yaml").write_text(json.dumps(override, indent=1))
    with monkeypatch.context() as patch:
        patch.setenv("TAG", "1.2")
        patch.setenv("LEVEL", "debug")
        case = Case("merged", folder, ("compose.yaml", "override.yaml"), unset=("UNSET_VAR_X", "HOME_PORT"))
        assert_same_config(case, patch)
