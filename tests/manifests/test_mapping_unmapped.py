"""Nothing is silently dropped: every compose key dockyard cannot map is named in a warning."""

import pytest

from dockyard.compose.model import Deploy, Healthcheck, RestartPolicy, Ulimit, UpdateConfig
from manifest_builders import render, service


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
