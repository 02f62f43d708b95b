"""The security baseline: node-access keys are errors naming the key and the safer alternative, unless allowed."""

import pytest

from dockyard.errors import PolicyError
from manifest_builders import container, env, one, render, service


@pytest.mark.parametrize(("fields", "policy", "key", "alternative"), [
    ({"privileged": True}, "privileged", "services.web.privileged", "cap_add"),
    ({"network_mode": "host"}, "host-network", "services.web.network_mode", "publish ports"),
    ({"pid": "host"}, "host-pid", "services.web.pid", "remove pid: host"),
    ({"ipc": "host"}, "host-ipc", "services.web.ipc", "remove ipc: host"),
    ({"devices": ({"source": "/dev/fuse", "target": "/dev/fuse", "permissions": "rwm"},)}, "devices", "services.web.devices", "device plugin"),
])
def test_the_baseline_refuses_node_access_naming_the_key_and_the_safer_alternative(fields, policy, key, alternative):
    with pytest.raises(PolicyError) as caught:
        render(service(**fields))
    message = str(caught.value)
    assert key in message and alternative in message and policy in message


@pytest.mark.parametrize(("fields", "policy", "check"), [
    ({"privileged": True}, "privileged", lambda pod: pod["containers"][0]["securityContext"]["privileged"]),
    ({"network_mode": "host"}, "host-network", lambda pod: pod["hostNetwork"]),
    ({"pid": "host"}, "host-pid", lambda pod: pod["hostPID"]),
    ({"ipc": "host"}, "host-ipc", lambda pod: pod["hostIPC"]),
    ({"devices": ({"source": "/dev/fuse", "target": "/dev/fuse"},)}, "devices", lambda pod: pod["volumes"][0]["hostPath"]),
])
def test_an_explicit_allow_lifts_a_rule(fields, policy, check, validate_objects):
    rendered = render(service(**fields), environment=env(allow=frozenset({policy})))
    assert check(one(rendered, "Deployment")["spec"]["template"]["spec"])
    validate_objects(rendered.objects)


def test_allowing_one_rule_does_not_lift_another():
    with pytest.raises(PolicyError, match="privileged"):
        render(service(privileged=True), environment=env(allow=frozenset({"host-network"})))
    assert container(render(service()))  # the plain service is fine
