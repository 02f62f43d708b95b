"""``yaml_in_halves`` writes exactly what ``to_yaml(translate(...).objects)`` writes, with the same
warnings, or says None (the caller then runs ``translate``); an error is the one ``translate`` raises.

Every project below goes through both paths: the kompose oracle, the examples, the loader's
fixtures, and generated projects whose services share volumes, env files, aliases and names.
The second half crosses a ``marshal`` round trip, as it does between the two processes of
``dockyard render``, and one test runs it in a real forked child.
"""

from __future__ import annotations

import marshal
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockyard.cli._parallel import in_two_processes
from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions
from dockyard.errors import DockyardError
from dockyard.manifests import policy
from dockyard.manifests.render import load_project, translate_loaded, yaml_in_halves
from dockyard.manifests.result import Environment
from dockyard.manifests.serialize import to_yaml

REPO = Path(__file__).resolve().parents[2]
ORACLE = REPO.parent / "shared" / "oracle" / "kompose"


def in_turn(first, second):
    """Both calls here, the second's result carried as it is between processes."""
    return first(), marshal.loads(marshal.dumps(second()))


def both_paths(details: ConfigDetails, environment: Environment, run_both=in_turn) -> tuple:
    """(translate's text and warnings or its error, yaml_in_halves' text and warnings or None or its error)."""
    def outcome(make):
        try:
            return make()
        except DockyardError as error:
            return type(error), str(error)

    def sequential():
        project = load_project(details, LoadOptions(), environment)
        rendered = translate_loaded(details, project, environment)
        return to_yaml(rendered.objects), rendered.warnings

    def halves():
        project = load_project(details, LoadOptions(), environment)
        return yaml_in_halves(details, project, environment, run_both=run_both)

    return outcome(sequential), outcome(halves)


def assert_same(details: ConfigDetails, environment: Environment) -> bool:
    """Assert the halves agree with translate; True when the halves decided (not None)."""
    expected, got = both_paths(details, environment)
    if got is None:  # the halves left it to translate, whose outcome (text or error) is then the answer
        return False
    assert got == expected
    return True


def _kompose_cases() -> list[Path]:
    return sorted(p for p in ORACLE.iterdir() if p.is_dir() and any(p.glob("*.y*ml")))


@pytest.mark.parametrize("case", _kompose_cases(), ids=lambda p: p.name)
def test_every_kompose_fixture_gives_the_same_objects_and_warnings(case):
    files = [str(p) for p in sorted(case.glob("*.y*ml")) if "expected" not in p.name and "output" not in p.name][:1]
    details = ConfigDetails(working_dir=str(case), config_files=[ConfigFile(f) for f in files], environment={})
    assert_same(details, Environment("dev", composition="kompose", allow=frozenset(policy.NAMES)))


def test_the_shop_example_and_the_loader_fixtures_give_the_same_objects_and_warnings():
    paths = [REPO / "examples" / "shop" / "compose.yaml", *sorted((REPO / "tests" / "compose" / "testdata").rglob("compose.yaml"))]
    decided = 0
    for path in paths:
        details = ConfigDetails(working_dir=str(path.parent), config_files=[ConfigFile(str(path))], environment={"HOME": "/h"})
        environment = Environment("dev", secret_keys=frozenset({"DB_PASSWORD"}), composition="x", allow=frozenset(policy.NAMES))
        decided += assert_same(details, environment)
    assert decided >= 2  # the shop and the kitchen sink at least are decided by the halves


NAMES = st.sampled_from(["web", "db", "Cache_1", "api.v2", "worker", "a", "b", "c", "d", "e"] * 3 + ["cache-1", "env-config"])
SERVICE = st.fixed_dictionaries({"image": st.sampled_from(["img:1"] * 8 + ["img:${CONF}", "img:${SECRET}"])}, optional={
    "ports": st.lists(st.sampled_from(["80", "8080:80", "53:53/udp", "9000-9001:9000-9001"]), max_size=2, unique=True),
    "environment": st.dictionaries(st.sampled_from(["A", "B", "PASSWORD"]), st.sampled_from(["1", "${SECRET}", "${CONF}"]),
                                   max_size=2),
    "env_file": st.lists(st.sampled_from(["common.env", "other.env"]), max_size=2, unique=True),
    "volumes": st.lists(st.sampled_from(["data:/data", "logs:/logs:ro", "./files:/etc/files", "./files/a.conf:/etc/a.conf"]),
                        max_size=2, unique=True),
    "configs": st.lists(st.sampled_from(["app", "shared"]), max_size=2, unique=True),
    "secrets": st.lists(st.just("token"), max_size=1),
    "networks": st.sampled_from([["back"], {"back": {"aliases": ["search"]}}, {"back": {"aliases": ["db"]}}]),
    "deploy": st.fixed_dictionaries({}, optional={"replicas": st.integers(0, 3), "mode": st.sampled_from(["replicated", "global"])}),
    "restart": st.sampled_from(["no", "always", "on-failure:2"]),
    "stop_signal": st.just("SIGINT"),
    "healthcheck": st.just({"test": ["CMD", "true"], "interval": "5s"}),
})
PROJECT = st.dictionaries(NAMES, SERVICE, min_size=1, max_size=7)


def _write(directory: Path, services: dict, depends: bool) -> Path:
    (directory / "files").mkdir(exist_ok=True)
    (directory / "files" / "a.conf").write_text("a = 1\n")
    (directory / "common.env").write_text("LEVEL=debug\n")
    (directory / "other.env").write_text("OTHER=${CONF}\n")
    (directory / "token.txt").write_text("t0ken\n")
    names = sorted(services)
    if depends:
        for before, after in zip(names, names[1:]):
            services[after] = {**services[after], "depends_on": [before]}
    document = {
        "name": "gen", "services": services, "volumes": {"data": {}, "logs": {}}, "networks": {"back": {}},
        "configs": {"app": {"file": "./files/a.conf"}, "shared": {"content": "shared=${CONF}\n"}},
        "secrets": {"token": {"file": "./token.txt"}},
    }
    path = directory / "compose.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(PROJECT, st.booleans(), st.frozensets(st.sampled_from(["host-ports", "privileged", "host-path"])))
def test_generated_projects_give_the_same_objects_warnings_or_error(services, depends, allow):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), services, depends)
        details = ConfigDetails(working_dir=tmp, config_files=[ConfigFile(str(path))], environment={})
        environment = Environment("dev", config={"CONF": "7"}, secret_keys=frozenset({"SECRET"}), composition="gen",
                                  allow=allow)
        expected, got = both_paths(details, environment)
        assert got is None or got == expected
        if len(services) >= 2 and not isinstance(expected[0], type):
            assert got is not None  # nothing in these projects needs translate to decide


def test_a_large_project_decided_in_a_forked_child_gives_the_same_text_and_warnings(tmp_path):
    services = {f"svc{i:03}": {"image": f"app:{i}", "ports": [f"{8000 + i}:80"], "env_file": ["common.env"],
                               "volumes": ["data:/data", "./files/a.conf:/etc/a.conf"], "stop_signal": "SIGINT",
                               "environment": {"PASSWORD": "${SECRET}"}} for i in range(120)}
    path = _write(tmp_path, services, depends=True)
    details = ConfigDetails(working_dir=str(tmp_path), config_files=[ConfigFile(str(path))], environment={})
    environment = Environment("dev", config={"CONF": "7"}, secret_keys=frozenset({"SECRET"}), composition="gen")
    expected, got = both_paths(details, environment, run_both=in_two_processes)
    assert got is not None and got == expected
    assert expected[0].count("\nkind: Deployment\n") == 120 and len(expected[1]) >= 120


def test_an_error_in_either_half_is_the_error_translate_raises(tmp_path):
    services = {f"s{i:02}": {"image": "app"} for i in range(10)}
    services["s07"] = {"image": "app", "privileged": True}  # refused by the policy baseline, in the second half
    path = _write(tmp_path, services, depends=False)
    details = ConfigDetails(working_dir=str(tmp_path), config_files=[ConfigFile(str(path))], environment={})
    for run_both in (in_turn, in_two_processes):
        expected, got = both_paths(details, Environment("dev", composition="gen"), run_both=run_both)
        assert got == expected and "privileged" in expected[1]


def _with_extra_objects(monkeypatch, extra):
    """Each service renders, besides its own objects, what ``extra(service name, workload)`` returns."""
    from dockyard.manifests import translate

    real = translate._render_service

    def render_service(ctx, service, alias_dns):
        owned, workload, secret_keys = real(ctx, service, alias_dns)
        return owned + extra(service.name, workload), workload, secret_keys

    monkeypatch.setattr(translate, "_render_service", render_service)


def _config_map(name: str, data: dict) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "env-dev", "labels": {}},
            "data": data}


@pytest.mark.parametrize("same", [True, False], ids=["identical", "different"])
def test_an_object_two_services_both_render_is_left_to_translate(tmp_path, monkeypatch, same):
    _with_extra_objects(monkeypatch, lambda name, _: [_config_map("shared", {"k": "v" if same else name})])
    path = _write(tmp_path, {f"s{i}": {"image": "app"} for i in range(4)}, depends=False)
    details = ConfigDetails(working_dir=str(tmp_path), config_files=[ConfigFile(str(path))], environment={})
    expected, got = both_paths(details, Environment("dev", composition="gen"))
    assert got is None
    assert isinstance(expected[0], str) == same  # identical copies are allowed, different ones refused


def test_a_config_map_of_the_other_half_used_by_a_pod_is_left_to_translate(tmp_path, monkeypatch):
    def extra(name, workload):
        if name == "s0":  # first half: its pods read a ConfigMap only s3 (second half) renders
            workload["spec"]["template"]["spec"]["containers"][0]["envFrom"] = [{"configMapRef": {"name": "from-s3"}}]
        return [_config_map("from-s3", {"k": "v"})] if name == "s3" else []

    _with_extra_objects(monkeypatch, extra)
    path = _write(tmp_path, {f"s{i}": {"image": "app"} for i in range(4)}, depends=False)
    details = ConfigDetails(working_dir=str(tmp_path), config_files=[ConfigFile(str(path))], environment={})
    expected, got = both_paths(details, Environment("dev", composition="gen"))
    assert got is None and "dockyard.dev/content-digest" in expected[0].split("name: s0\n", 1)[1]


def test_a_project_object_with_a_reserved_name_is_left_to_translate(tmp_path):
    path = _write(tmp_path, {f"s{i}": {"image": "app", "configs": ["config"]} for i in range(4)}, depends=False)
    document = yaml.safe_load(path.read_text())
    document["name"] = "env"  # project "env", config "config": the ConfigMap env-config
    document["configs"]["config"] = {"content": "x"}
    path.write_text(yaml.safe_dump(document))
    details = ConfigDetails(working_dir=str(tmp_path), config_files=[ConfigFile(str(path))], environment={})
    expected, got = both_paths(details, Environment("dev", composition="gen"))
    assert got is None and "reserves" in expected[1]
