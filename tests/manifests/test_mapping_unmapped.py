"""Nothing is silently dropped: every compose key dockyard cannot map is named in a warning."""

import dataclasses

import pytest

from dockyard.compose.model import (
    Build,
    Dependency,
    Deploy,
    DeviceRequest,
    EnvFile,
    FileObject,
    FileReference,
    Healthcheck,
    Network,
    Placement,
    Port,
    Resource,
    Resources,
    RestartPolicy,
    Service,
    ServiceNetwork,
    ServiceVolume,
    Ulimit,
    UpdateConfig,
    Volume,
)
from dockyard.manifests.serialize import to_yaml
from manifest_builders import env, render, service


@pytest.mark.parametrize(("fields", "path"), [
    ({"domainname": "corp"}, "services.web.domainname"),
    ({"init": True}, "services.web.init"),
    ({"stop_signal": "SIGINT"}, "services.web.stop_signal"),
    ({"ulimits": {"nofile": Ulimit(1024, 2048)}}, "services.web.ulimits"),
    ({"logging": {"driver": "syslog"}}, "services.web.logging"),
    ({"security_opt": ("no-new-privileges",)}, "services.web.security_opt"),
    ({"container_name": "my-web"}, "services.web.container_name"),
    ({"other": {"cgroup": "host", "blkio_config": {}}}, "services.web.blkio_config"),
    ({"network_mode": "service:db"}, "services.web.network_mode"),
    ({"pull_policy": "daily"}, "services.web.pull_policy"),
    ({"hostname": "Not_Valid"}, "services.web.hostname"),
    ({"group_add": ("audio",)}, "services.web.group_add"),
    ({"hostname": "web1.example.com"}, "services.web.hostname"),
    ({"pid": "service:db"}, "services.web.pid"),
    ({"ipc": "shareable"}, "services.web.ipc"),
    ({"healthcheck": Healthcheck(interval=5 * 10**9)}, "services.web.healthcheck.test"),
    ({"deploy": Deploy(restart_policy=RestartPolicy(condition="any", max_attempts=3))},
     "services.web.deploy.restart_policy.max_attempts"),
    ({"restart": "no", "deploy": Deploy(update_config=UpdateConfig(parallelism=2))}, "services.web.deploy.update_config"),
])
def test_an_unmapped_key_produces_a_warning_naming_it_and_the_service(fields, path):
    rendered = render(service(**fields))
    matching = [w for w in rendered.warnings if w.path == path]
    assert matching and matching[0].service == "web"
    assert matching[0].location and matching[0].location.startswith("/project/compose.yaml")


@pytest.mark.parametrize("fields", [{"ipc": "private"}, {"restart": "no", "deploy": Deploy(restart_policy=RestartPolicy(max_attempts=2))},
                                    {"healthcheck": Healthcheck(disable=True)}, {"hostname": "web1"}])
def test_keys_kubernetes_honours_as_written_give_no_warning(fields):
    assert render(service(**fields)).warnings == ()


# One non-default value per Service field. Each must change the rendered objects (or the per-service
# data the reconciler reads, such as depends_on) or produce a warning
# under its compose path; fields that only select or are mapped to Kubernetes' own default say why.
_ALL_POLICIES = frozenset({"privileged", "host-network", "host-pid", "host-ipc", "host-ports", "devices", "host-path"})
SAMPLES: dict[str, tuple[object, dict]] = {
    "image": ("nginx:1.28", {}),
    "build": (Build(context="."), {}),
    "command": (("serve",), {}),
    "entrypoint": (("/init",), {}),
    "environment": ({"A": "1"}, {}),
    "env_files": ((EnvFile(path="/project/a.env", values={"B": "2"}),), {}),
    "working_dir": ("/srv", {}),
    "user": ("1000", {}),
    "hostname": ("box", {}),
    "domainname": ("corp", {}),
    "ports": ((Port(target=80),), {}),
    "expose": (("3000",), {}),
    "volumes": ((ServiceVolume(type="tmpfs", target="/t"),), {}),
    "tmpfs": (("/run",), {}),
    "configs": ((FileReference(source="c"),), {"configs": {"c": FileObject(key="c", name="demo_c", content="x")}}),
    "secrets": ((FileReference(source="s"),), {"secrets": {"s": FileObject(key="s", name="demo_s", external=True)}}),
    "depends_on": ({"db": Dependency()}, {}),
    "links": (("db:database",), {}),
    "networks": ({"default": ServiceNetwork(aliases=("www",))}, {}),
    "network_mode": ("none", {}),
    "healthcheck": (Healthcheck(test=("CMD", "true")), {}),
    "deploy": (Deploy(replicas=2), {}),
    "scale": (3, {}),
    "restart": ("no", {}),
    "labels": ({"tier": "web"}, {}),
    "annotations": ({"a/b": "c"}, {}),
    "cap_add": (("NET_ADMIN",), {}),
    "cap_drop": (("ALL",), {}),
    "privileged": (True, {}),
    "read_only": (True, {}),
    "tty": (True, {}),
    "stdin_open": (True, {}),
    "init": (True, {}),
    "stop_grace_period": (10 * 10**9, {}),
    "stop_signal": ("SIGINT", {}),
    "dns": (("1.1.1.1",), {}),
    "dns_search": (("corp",), {}),
    "dns_opt": (("ndots:2",), {}),
    "extra_hosts": ({"db.local": ("10.0.0.1",)}, {}),
    "sysctls": ({"net.core.somaxconn": "1024"}, {}),
    "ulimits": ({"nofile": Ulimit(1, 2)}, {}),
    "devices": (({"source": "/dev/fuse", "target": "/dev/fuse"},), {}),
    "pull_policy": ("always", {}),
    "platform": ("linux/arm64", {}),
    "cpus": (0.5, {}),
    "mem_limit": (1 << 30, {}),
    "mem_reservation": (1 << 20, {}),
    "shm_size": (1 << 26, {}),
    "pid": ("host", {}),
    "ipc": ("host", {}),
    "group_add": (("100",), {}),
    "security_opt": (("no-new-privileges",), {}),
    "gpus": ((DeviceRequest(capabilities=("gpu",), count=1),), {}),
    "container_name": ("box", {}),
    "logging": ({"driver": "syslog"}, {}),
    "other": ({"cgroup": "host"}, {}),
}
NOT_RENDERED = {
    "name": "the service's identity (names every object)",
    "profiles": "selects services in the loader; a disabled service is not rendered at all",
    "extensions": "x- keys are the user's own; compose ignores them too",
}
_COMPOSE_KEY = {"env_files": "env_file"}


def test_every_service_field_has_a_sample_or_a_reason():
    assert set(SAMPLES) | set(NOT_RENDERED) == {f.name for f in dataclasses.fields(Service)}


@pytest.mark.parametrize("field", sorted(SAMPLES))
def test_every_service_field_changes_the_objects_or_warns(field):
    value, project_fields = SAMPLES[field]
    environment = env(allow=_ALL_POLICIES)
    baseline = render(service(), service("db"), environment=environment)
    rendered = render(service(**{field: value}), service("db"), environment=environment, **project_fields)
    key = _COMPOSE_KEY.get(field, field)
    warned = [w for w in rendered.warnings if w.path.startswith(f"services.web.{key}") or (field == "other" and w.path == "services.web.cgroup")]
    changed = (to_yaml(rendered.objects), rendered.services) != (to_yaml(baseline.objects), baseline.services)
    assert changed or warned, f"{field} was dropped silently"


DEPLOY_SAMPLES: dict[str, object] = {
    "mode": "global",
    "replicas": 2,
    "labels": {"team": "a"},
    "update_config": UpdateConfig(parallelism=2),
    "rollback_config": UpdateConfig(parallelism=2),
    "resources": Resources(limits=Resource(cpus=1.0)),
    "restart_policy": RestartPolicy(condition="none"),
    "placement": Placement(constraints=("node.labels.zone == a",)),
    "endpoint_mode": "dnsrr",
}


def test_every_deploy_field_has_a_sample_except_extensions():
    assert set(DEPLOY_SAMPLES) | {"extensions"} == {f.name for f in dataclasses.fields(Deploy)}


@pytest.mark.parametrize("field", sorted(DEPLOY_SAMPLES))
def test_every_deploy_field_changes_the_objects_or_warns(field):
    ports = (Port(target=80),)  # so that a headless Service (dnsrr) differs from the default
    rendered = render(service(ports=ports, deploy=Deploy(**{field: DEPLOY_SAMPLES[field]})))
    warned = [w for w in rendered.warnings if w.path.startswith(f"services.web.deploy.{field}")]
    baseline = render(service(ports=ports, deploy=Deploy()))
    assert to_yaml(rendered.objects) != to_yaml(baseline.objects) or warned, f"deploy.{field} was dropped silently"


@pytest.mark.parametrize(("fields", "path"), [
    ({"networks": {"back": Network(key="back", name="demo_back", other={"ipam": {"driver": "default"}})}}, "networks.back"),
    ({"networks": {"back": Network(key="back", name="demo_back", labels={"a": "b"})}}, "networks.back"),
    ({"volumes": {"data": Volume(key="data", name="demo_data", labels={"a": "b"})}}, "volumes.data.labels"),
    ({"configs": {"c": FileObject(key="c", name="demo_c", content="x", labels={"a": "b"})}}, "configs.c.labels"),
    ({"configs": {"c": FileObject(key="c", name="demo_c", content="x", template_driver="golang")}}, "configs.c.template_driver"),
    ({"secrets": {"s": FileObject(key="s", name="demo_s", external=True, driver="vault")}}, "secrets.s.driver"),
])
def test_an_unmapped_top_level_setting_produces_a_warning_naming_it(fields, path):
    assert path in [w.path for w in render(service(), **fields).warnings]
