"""The pure part: a Workspace spec becomes a home claim and a one-pod Deployment whose DNS searches the
connected environment first and whose labels the environment's NetworkPolicy admits."""

from __future__ import annotations

import pytest

from dockyard.controller.environments import LABEL_CONNECTED as CONTROLLER_LABEL
from dockyard.controller.environments import EnvironmentSpec, network_policy_object
from dockyard.manifests.workspace import (
    LABEL_CONNECTED,
    ClusterDNS,
    InvalidWorkspace,
    WorkspaceSpec,
    home_claim,
    label_selector_matches,
    network_policy_admits,
    reachable_services,
    workload,
    workspace_objects,
)


def ws(environment: str | None = "dev", **spec) -> WorkspaceSpec:
    return WorkspaceSpec.from_resource("alice", "ws-alice", {"environment": environment, **spec})


def pod_spec(obj: dict) -> dict:
    return obj["spec"]["template"]["spec"]


def test_a_connected_pod_searches_the_environment_namespace_first_through_the_cluster_dns():
    spec = pod_spec(workload(ws("dev"), ClusterDNS(nameserver="10.0.0.10", domain="cluster.local")))
    assert spec["dnsPolicy"] == "None"
    assert spec["dnsConfig"] == {
        "nameservers": ["10.0.0.10"],
        "searches": ["env-dev.svc.cluster.local", "ws-alice.svc.cluster.local", "svc.cluster.local", "cluster.local"],
        "options": [{"name": "ndots", "value": "5"}],
    }


def test_an_unconnected_pod_keeps_the_cluster_default_dns():
    spec = pod_spec(workload(ws(None)))
    assert spec["dnsPolicy"] == "ClusterFirst" and "dnsConfig" not in spec


def test_the_home_volume_is_its_own_claim_mounted_at_home_and_the_workload_recreates_rather_than_surges():
    claim, deployment = workspace_objects(ws("dev", home={"size": "20Gi", "storageClassName": "fast"}))
    assert claim["kind"] == "PersistentVolumeClaim" and claim["metadata"]["name"] == "alice-home"
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
                             "storageClassName": "fast"}
    assert "ownerReferences" not in claim["metadata"]
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert pod_spec(deployment)["volumes"] == [{"name": "home", "persistentVolumeClaim": {"claimName": "alice-home"}}]
    container = pod_spec(deployment)["containers"][0]
    assert container["volumeMounts"] == [{"name": "home", "mountPath": "/home/dev"}]
    assert {"name": "HOME", "value": "/home/dev"} in container["env"]


def test_switching_environments_changes_neither_the_claim_nor_the_selector():
    dev, prod, none = ws("dev"), ws("prod"), ws(None)
    assert home_claim(dev) == home_claim(prod) == home_claim(none)
    selectors = {str(workload(w)["spec"]["selector"]) for w in (dev, prod, none)}
    assert selectors == {"{'matchLabels': {'dockyard.dev/workspace': 'alice'}}"}
    assert workload(dev)["spec"]["template"]["metadata"]["labels"][LABEL_CONNECTED] == "dev"
    assert LABEL_CONNECTED not in workload(none)["spec"]["template"]["metadata"]["labels"]


def test_the_label_is_the_one_the_controller_network_policy_admits():
    assert LABEL_CONNECTED == CONTROLLER_LABEL


@pytest.mark.parametrize(("environment", "admitted"), [("dev", True), ("prod", False), (None, False)])
def test_the_environment_network_policy_admits_exactly_the_pods_connected_to_it(environment, admitted):
    policy = network_policy_object(EnvironmentSpec.from_resource("dev", {}))
    pod_labels = workload(ws(environment))["spec"]["template"]["metadata"]["labels"]
    assert network_policy_admits(policy, source_namespace="ws-alice",
                                 namespace_labels={"kubernetes.io/metadata.name": "ws-alice"},
                                 pod_labels=pod_labels, target_labels={"dockyard.dev/service": "db"}) is admitted


def test_the_policy_still_admits_the_environment_itself_and_denies_other_namespaces():
    policy = network_policy_object(EnvironmentSpec.from_resource("dev", {}))
    same = dict(source_namespace="env-dev", namespace_labels={"dockyard.dev/environment": "dev"}, pod_labels={})
    other = dict(source_namespace="team-x", namespace_labels={"team": "x"}, pod_labels={"app": "x"})
    assert network_policy_admits(policy, **same, target_labels={}) is True
    assert network_policy_admits(policy, **other, target_labels={}) is False


def test_label_selectors_follow_the_kubernetes_rules():
    labels = {"a": "1", "b": "2"}
    assert label_selector_matches({}, labels) is True
    assert label_selector_matches(None, labels) is False
    assert label_selector_matches({"matchLabels": {"a": "1"}, "matchExpressions": [
        {"key": "b", "operator": "In", "values": ["2", "3"]},
        {"key": "c", "operator": "DoesNotExist"},
        {"key": "a", "operator": "Exists"},
        {"key": "b", "operator": "NotIn", "values": ["9"]}]}, labels) is True
    assert label_selector_matches({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]},
                                  labels) is False


def test_reachable_services_list_name_dns_and_ports_sorted_by_name():
    services = [
        {"metadata": {"name": "web"}, "spec": {"ports": [{"port": 80, "name": "http"}]}},
        {"metadata": {"name": "db"}, "spec": {"ports": [{"port": 5432, "protocol": "TCP"}]}},
    ]
    assert reachable_services("dev", services) == [
        {"name": "db", "dns": "db.env-dev.svc.cluster.local", "ports": [{"port": 5432, "protocol": "TCP"}]},
        {"name": "web", "dns": "web.env-dev.svc.cluster.local",
         "ports": [{"port": 80, "protocol": "TCP", "name": "http"}]},
    ]


@pytest.mark.parametrize(("spec", "message"), [
    ({"environment": "Dev!"}, "Workspace ws-alice/alice: spec.environment must be an environment name, not 'Dev!'"),
    ({"home": {"size": "lots"}},
     "Workspace ws-alice/alice: spec.home.size must be a quantity such as 10Gi, not 'lots'"),
    ({"home": {"mountPath": "home"}}, "Workspace ws-alice/alice: spec.home.mountPath must be an absolute path"),
    ({"command": "sleep infinity"}, "Workspace ws-alice/alice: spec.command must be a list of strings"),
    ({"env": {"1X": "y"}}, "Workspace ws-alice/alice: spec.env.1X is not a valid environment variable name"),
    ({"resources": {"limits": {"cpu": "two"}}},
     "Workspace ws-alice/alice: spec.resources.limits.cpu must be a quantity, not 'two'"),
])
def test_a_bad_spec_names_the_workspace_and_the_field(spec, message):
    with pytest.raises(InvalidWorkspace) as caught:
        WorkspaceSpec.from_resource("alice", "ws-alice", spec)
    assert str(caught.value) == message


def test_the_container_runs_the_image_command_env_and_resources_of_the_spec():
    spec = pod_spec(workload(ws("dev", image="devbox:2", command=["bash", "-lc"], args=["sleep 1d"],
                                env={"EDITOR": "vim", "A": 1}, workingDir="/src",
                                resources={"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": 2}})))
    [container] = spec["containers"]
    assert (container["name"], container["image"], container["command"], container["args"]) == (
        "workspace", "devbox:2", ["bash", "-lc"], ["sleep 1d"])
    assert container["workingDir"] == "/src"
    assert container["env"] == [{"name": "A", "value": "1"}, {"name": "EDITOR", "value": "vim"},
                                {"name": "HOME", "value": "/home/dev"},
                                {"name": "DOCKYARD_ENVIRONMENT", "value": "dev"}]
    assert container["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2"}}


def test_the_defaults_are_a_devcontainer_image_that_sleeps_with_a_ten_gigabyte_home():
    claim, deployment = workspace_objects(ws(None))
    [container] = pod_spec(deployment)["containers"]
    assert (container["image"], container["command"]) == ("mcr.microsoft.com/devcontainers/base:ubuntu",
                                                          ["sleep", "infinity"])
    assert "args" not in container and "resources" not in container and "workingDir" not in container
    assert claim["spec"]["resources"] == {"requests": {"storage": "10Gi"}}


def test_the_stored_resource_reads_back_as_the_same_spec():
    from dockyard.manifests.workspace import workspace_resource

    original = ws("dev", image="devbox:2", args=["-l"], env={"EDITOR": "vim"}, workingDir="/src",
                  home={"size": "5Gi", "storageClassName": "fast", "mountPath": "/home/me"},
                  resources={"limits": {"memory": "2Gi"}})
    stored = workspace_resource(original)
    assert WorkspaceSpec.from_resource("alice", "ws-alice", stored["spec"]) == original
