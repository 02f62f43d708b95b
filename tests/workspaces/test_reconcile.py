"""``reconcile.workspaces`` against the emulated API: the objects, the status (connected environment,
reachable services, NetworkPolicy admission) and the home volume surviving reconnects and switches."""

from __future__ import annotations

import pytest

from dockyard.manifests.workspace import WorkspaceSpec
from dockyard.reconcile import workspaces
from tests.workspaces.conftest import make_environment, put_service

GV = "dockyard.dev/v1alpha1"


def create(client, environment: str | None = "dev", **spec) -> dict:
    return workspaces.create(client, WorkspaceSpec.from_resource("alice", "ws-alice",
                                                                 {"environment": environment, **spec}))


def run(client, kube) -> dict:
    live = kube.store_get("Workspace", "alice", "ws-alice", GV)
    return workspaces.reconcile(client, "alice", "ws-alice", live["spec"], live["metadata"]["generation"],
                                previous=live.get("status"))


def condition(status: dict, type_: str) -> dict:
    return next(c for c in status["conditions"] if c["type"] == type_)


def test_a_connected_workspace_runs_with_the_environment_dns_and_reports_its_reachable_services(kube, client):
    make_environment(kube, client, "dev")
    put_service(kube, "postgres", "dev", [5432])
    put_service(kube, "api", "dev", [80, 9090])
    create(client, "dev")
    status = run(client, kube)

    pod = kube.store_get("Deployment", "alice", "ws-alice")["spec"]["template"]["spec"]
    assert pod["dnsConfig"]["searches"][0] == "env-dev.svc.cluster.local"
    assert kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice") is not None
    assert status["connectedEnvironment"] == "dev"
    assert status["services"] == [
        {"name": "api", "dns": "api.env-dev.svc.cluster.local",
         "ports": [{"port": 80, "protocol": "TCP", "name": "tcp-80"},
                   {"port": 9090, "protocol": "TCP", "name": "tcp-9090"}]},
        {"name": "postgres", "dns": "postgres.env-dev.svc.cluster.local", "ports": [{"port": 5432, "protocol": "TCP"}]},
    ]
    assert condition(status, "Connected")["status"] == "True"
    admitted = condition(status, "Admitted")
    assert (admitted["status"], admitted["message"]) == ("True", "admitted by NetworkPolicy dockyard-isolation")
    assert kube.store_get("Workspace", "alice", "ws-alice", GV)["status"]["services"] == status["services"]


def test_the_home_volume_survives_reconnect_environment_switch_and_disconnect(kube, client):
    make_environment(kube, client, "dev")
    make_environment(kube, client, "prod")
    create(client, "dev")
    run(client, kube)
    claim = kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice")

    for step in (lambda: workspaces.connect(client, "alice", "ws-alice", "prod"),
                 lambda: workspaces.disconnect(client, "alice", "ws-alice"),
                 lambda: workspaces.connect(client, "alice", "ws-alice", "dev")):
        step()
        kube.requests.clear()
        run(client, kube)
        writes = [r for r in kube.requests if r.plural == "persistentvolumeclaims" and r.verb not in ("get", "list")]
        assert writes == []
        now = kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice")
        assert (now["metadata"]["uid"], now["metadata"]["resourceVersion"]) == (
            claim["metadata"]["uid"], claim["metadata"]["resourceVersion"])

    live = kube.store_get("Deployment", "alice", "ws-alice")
    assert live["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "alice-home"
    assert live["metadata"]["generation"] == 4  # created, then one template change per switch


def test_switching_environments_moves_the_dns_search_and_the_connected_label(kube, client):
    make_environment(kube, client, "dev")
    make_environment(kube, client, "prod")
    create(client, "dev")
    run(client, kube)
    workspaces.connect(client, "alice", "ws-alice", "prod")
    status = run(client, kube)
    template = kube.store_get("Deployment", "alice", "ws-alice")["spec"]["template"]
    assert template["spec"]["dnsConfig"]["searches"][0] == "env-prod.svc.cluster.local"
    assert template["metadata"]["labels"]["dockyard.dev/connected-environment"] == "prod"
    assert status["connectedEnvironment"] == "prod"


def test_disconnecting_drops_the_label_and_the_environment_dns(kube, client):
    make_environment(kube, client, "dev")
    create(client, "dev")
    run(client, kube)
    workspaces.disconnect(client, "alice", "ws-alice")
    status = run(client, kube)
    template = kube.store_get("Deployment", "alice", "ws-alice")["spec"]["template"]
    assert "dockyard.dev/connected-environment" not in template["metadata"]["labels"]
    assert template["spec"]["dnsPolicy"] == "ClusterFirst" and "dnsConfig" not in template["spec"]
    assert status["connectedEnvironment"] is None and status["services"] == []
    assert condition(status, "Connected")["reason"] == "NotConnected"


def test_a_vanished_environment_runs_the_workspace_unconnected_and_says_why(kube, client):
    make_environment(kube, client, "dev")
    create(client, "dev")
    kube.store_delete("Namespace", "env-dev")
    status = run(client, kube)
    assert status["connectedEnvironment"] is None
    assert condition(status, "Connected") | {"lastTransitionTime": None} == {
        "type": "Connected", "status": "False", "reason": "EnvironmentNotFound",
        "message": "environment 'dev' does not exist (no namespace env-dev)", "observedGeneration": 1,
        "lastTransitionTime": None}
    assert kube.store_get("Deployment", "alice", "ws-alice")["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


def test_a_network_policy_that_does_not_admit_the_workspace_is_reported(kube, client):
    make_environment(kube, client, "dev", isolated=False)
    put_service(kube, "postgres", "dev", [5432])
    kube.store_put({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": {"name": "same-namespace-only", "namespace": "env-dev"},
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                             "ingress": [{"from": [{"podSelector": {}}]}]}})
    create(client, "dev")
    admitted = condition(run(client, kube), "Admitted")
    assert (admitted["status"], admitted["reason"], admitted["message"]) == (
        "False", "DeniedByNetworkPolicy",
        "NetworkPolicy same-namespace-only does not admit this workspace to service postgres")


def test_ready_comes_from_the_running_pod_and_a_settled_resync_keeps_transition_times(kube, client):
    make_environment(kube, client, "dev")
    create(client, "dev")
    kube.simulator.enabled = True
    first = run(client, kube)
    kube.settle()
    status = run(client, kube)
    assert condition(status, "Ready")["status"] == "True"
    assert status["pod"].startswith("alice-")
    again = run(client, kube)
    assert again["conditions"] == status["conditions"]
    assert condition(first, "Connected")["lastTransitionTime"] == condition(again, "Connected")["lastTransitionTime"]


def test_deleting_a_workspace_keeps_its_home_unless_asked(kube, client):
    make_environment(kube, client, "dev")
    create(client, "dev")
    run(client, kube)
    assert workspaces.delete(client, "alice", "ws-alice") is True
    assert kube.store_get("Deployment", "alice", "ws-alice") is None
    assert kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice") is not None
    workspaces.delete_objects(client, "alice", "ws-alice", keep_home=False)
    assert kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice") is None


def test_connecting_to_a_missing_environment_or_workspace_is_refused_before_any_write(kube, client):
    from dockyard.errors import TerminalError

    with pytest.raises(TerminalError, match=r"^workspace 'alice' does not exist in namespace ws-alice; "
                                            r"run: dockyard workspace create alice$"):
        workspaces.connect(client, "alice", "ws-alice", "dev")
    create(client, None)
    kube.requests.clear()
    with pytest.raises(TerminalError, match=r"^environment 'nope' does not exist \(no namespace env-nope\); "
                                            r"run: dockyard env create nope$"):
        workspaces.connect(client, "alice", "ws-alice", "nope")
    assert [r for r in kube.requests if r.verb not in ("get", "list", "watch")] == []


def test_observing_reads_the_cluster_now_and_writes_nothing(kube, client):
    make_environment(kube, client, "dev")
    create(client, "dev")
    kube.simulator.enabled = True
    written = run(client, kube)
    kube.settle()
    kube.requests.clear()
    seen = workspaces.observe(client, kube.store_get("Workspace", "alice", "ws-alice", GV))
    assert kube.requests.writes() == []
    assert condition(written, "Ready")["status"] == "False"  # the stored status is a snapshot
    assert condition(seen, "Ready")["status"] == "True" and seen["pod"].startswith("alice-")
    assert condition(seen, "Connected")["lastTransitionTime"] == condition(written, "Connected")["lastTransitionTime"]


def test_a_switch_not_yet_applied_is_pending_and_still_shows_the_environment_that_runs(kube, client):
    make_environment(kube, client, "dev")
    make_environment(kube, client, "prod")
    put_service(kube, "postgres", "dev", [5432])
    create(client, "dev")
    run(client, kube)
    workspaces.connect(client, "alice", "ws-alice", "prod")
    seen = workspaces.observe(client, kube.store_get("Workspace", "alice", "ws-alice", GV))
    assert seen["connectedEnvironment"] == "dev"
    assert [s["name"] for s in seen["services"]] == ["postgres"]
    assert (condition(seen, "Connected")["reason"], condition(seen, "Connected")["message"]) == (
        "Pending", "waiting for the workspace to be restarted connected to prod")
    workspaces.disconnect(client, "alice", "ws-alice")
    seen = workspaces.observe(client, kube.store_get("Workspace", "alice", "ws-alice", GV))
    assert condition(seen, "Connected")["message"] == "waiting for the workspace to be restarted disconnected from dev"


def test_a_workspace_no_one_has_run_yet_says_so(kube, client):
    create(client, None)
    seen = workspaces.observe(client, kube.store_get("Workspace", "alice", "ws-alice", GV))
    assert condition(seen, "Ready")["message"] == "not started yet (no controller has run it)"
    assert condition(seen, "Connected")["reason"] == "NotConnected"


def test_a_rollout_not_yet_observed_is_not_ready(kube, client):
    make_environment(kube, client, "dev")
    make_environment(kube, client, "prod")
    create(client, "dev")
    kube.simulator.enabled = True
    run(client, kube)
    kube.settle()
    assert condition(run(client, kube), "Ready")["status"] == "True"
    kube.simulator.enabled = False
    workspaces.connect(client, "alice", "ws-alice", "prod")
    assert condition(run(client, kube), "Ready")["message"] == "the workspace pod is being replaced"


def test_a_spec_that_cannot_run_says_why_in_the_status_and_leaves_the_workload_alone(kube, client):
    from dockyard.manifests.workspace import InvalidWorkspace

    make_environment(kube, client, "dev")
    create(client, "dev")
    run(client, kube)
    before = kube.store_get("Deployment", "alice", "ws-alice")
    live = kube.store_get("Workspace", "alice", "ws-alice", GV)
    kube.store_put({**live, "spec": {**live["spec"], "home": {"size": "lots"}}})  # what kubectl apply could store
    with pytest.raises(InvalidWorkspace, match="spec.home.size must be a quantity"):
        run(client, kube)
    status = kube.store_get("Workspace", "alice", "ws-alice", GV)["status"]
    assert (condition(status, "Ready")["reason"], condition(status, "Ready")["message"]) == (
        "InvalidSpec", "Workspace ws-alice/alice: spec.home.size must be a quantity such as 10Gi, not 'lots'")
    assert status["observedGeneration"] == 2 and status["connectedEnvironment"] == "dev"
    assert condition(status, "Connected")["status"] == "True"
    after = kube.store_get("Deployment", "alice", "ws-alice")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
