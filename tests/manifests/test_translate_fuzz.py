"""Generated compose projects: render either succeeds with schema-valid, marker-free,
deterministic objects, or fails with a dockyard error (never another exception)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_schemas import schema_errors
from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions
from dockyard.errors import DockyardError
from dockyard.manifests import secretrefs
from dockyard.manifests.render import render
from dockyard.manifests.result import Environment
from dockyard.manifests.serialize import to_yaml

NAMES = st.sampled_from(["web", "db", "Cache_1", "api.v2", "worker"])
WORD = st.text("abcxyz019-_./", min_size=1, max_size=8)
VALUE = st.one_of(WORD, st.just("${SECRET}"), st.just("x-${SECRET}-$(y)"), st.just("${CONF}"), st.just("$$HOME"))
PORT = st.one_of(
    st.integers(1, 65535).map(str),
    st.builds("{}:{}".format, st.integers(1024, 65535), st.integers(1, 65535)),
    st.builds("{}:{}/udp".format, st.integers(1024, 65535), st.integers(1, 65535)),
    st.builds("{0}-{1}:{0}-{1}".format, st.integers(2000, 2100), st.integers(2101, 2103)),
    st.fixed_dictionaries({"target": st.integers(1, 65535)}, optional={
        "published": st.integers(1024, 65535).map(str), "protocol": st.sampled_from(["tcp", "udp", "sctp"]),
        "mode": st.sampled_from(["host", "ingress"]), "name": st.sampled_from(["http", "metrics", "Bad_Name"])}),
)
VOLUME = st.one_of(
    st.just("data:/data"), st.just("data:/ro:ro"), st.just("/anon"), st.just("./files:/etc/files:ro"),
    st.just("./files/a.conf:/etc/a.conf"), st.just("/host/path:/mnt"),
    st.fixed_dictionaries({"type": st.just("tmpfs"), "target": st.just("/tmp/t")}),
)
SERVICE = st.fixed_dictionaries({"image": st.builds("img:{}".format, st.sampled_from(["1"] * 8 + ["${CONF}", "${SECRET}"]))}, optional={
    "ports": st.lists(PORT, max_size=3),
    "expose": st.lists(st.sampled_from(["3000", "4000-4001/udp"]), max_size=2, unique=True),
    "environment": st.one_of(st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,5}", fullmatch=True), VALUE, max_size=4),
                             st.lists(st.sampled_from(["A=1", "${SECRET}=x", "B=${SECRET}", "C", "D=$(x)"]), max_size=3, unique=True)),
    "command": st.one_of(st.just("run --flag ${SECRET}"), st.lists(VALUE, max_size=3)),
    "healthcheck": st.fixed_dictionaries({"test": st.one_of(st.just(["CMD", "true"]), st.just("check ${SECRET}"),
                                                            st.just(["NONE"]), st.just(["CMD", "x", "${SECRET}"]))},
                                         optional={"interval": st.sampled_from(["500ms", "10s"]), "start_period": st.just("30s")}),
    "volumes": st.lists(VOLUME, max_size=3),
    "deploy": st.fixed_dictionaries({}, optional={
        "replicas": st.integers(0, 4), "mode": st.sampled_from(["replicated", "global"]),
        "update_config": st.fixed_dictionaries({}, optional={"parallelism": st.integers(0, 3), "order": st.sampled_from(["start-first", "stop-first"])}),
        "resources": st.fixed_dictionaries({}, optional={
            "limits": st.fixed_dictionaries({}, optional={"cpus": st.sampled_from(["0.001", "0.5", "2"]), "memory": st.sampled_from(["1000", "64M", "1G"])}),
            "reservations": st.fixed_dictionaries({}, optional={"memory": st.sampled_from(["32M", "2G"])})}),
    }),
    "restart": st.sampled_from(["no", "always", "on-failure:2", "unless-stopped"]),
    "labels": st.dictionaries(st.sampled_from(["tier", "com.example/desc", "dockyard.dev/service", "bad key"]),
                              st.sampled_from(["front"] * 4 + ["has spaces", "${SECRET}"]), max_size=3),
    "user": st.sampled_from(["1000", "1000:1000", "nobody"]),
    "privileged": st.booleans(),
    "hostname": st.sampled_from(["box", "Bad_Host"]),
    "extra_hosts": st.just(["db.local=10.0.0.1"]),
    "cap_add": st.just(["NET_ADMIN"]),
})
PROJECT = st.dictionaries(NAMES, SERVICE, min_size=1, max_size=3)
ALLOW = st.frozensets(st.sampled_from(["privileged", "host-ports", "host-path"]))


def _write(directory: Path, services: dict) -> Path:
    (directory / "files").mkdir(exist_ok=True)
    (directory / "files" / "a.conf").write_text("a = 1\n")
    (directory / "files" / "b.bin").write_bytes(b"\xff\xfe")
    document = {"name": "fuzz", "services": services, "volumes": {"data": {}}}
    path = directory / "compose.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(PROJECT, ALLOW)
def test_render_succeeds_with_valid_objects_or_fails_with_a_dockyard_error(services, allow):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), services)
        details = ConfigDetails(working_dir=tmp, config_files=[ConfigFile(str(path))], environment={})
        environment = Environment("dev", config={"CONF": "7"}, secret_keys=frozenset({"SECRET"}), composition="fuzz", allow=allow)
        try:
            rendered = render(details, LoadOptions(), environment)
        except DockyardError as error:
            assert secretrefs.OPEN not in str(error) and secretrefs.CLOSE not in str(error)
            assert "internal error" not in str(error)  # bad input is the user's error, located, never ours
            return
        text = to_yaml(rendered.objects)
        assert secretrefs.OPEN not in text and secretrefs.CLOSE not in text
        assert all(secretrefs.OPEN not in str(w) for w in rendered.warnings)
        problems = [p for obj in rendered.objects for p in schema_errors(obj)]
        assert not problems, problems[:5]
        assert text == to_yaml(render(details, LoadOptions(), environment).objects)
