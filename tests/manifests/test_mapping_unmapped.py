"""Nothing is silently dropped: every compose key dockyard cannot map is named in a warning."""

import pytest

from dockyard.compose.model import Ulimit
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
])
def test_an_unmapped_key_produces_a_warning_naming_it_and_the_service(fields, path):
    rendered = render(service(**fields))
    matching = [w for w in rendered.warnings if w.path == path]
    assert matching and matching[0].service == "web"
    assert matching[0].location and matching[0].location.startswith("/project/compose.yaml")
