"""The real operator (kopf, in a thread) running Workspaces against the emulated API, and the RBAC it needs.

The controller's two ClusterRoles (``deploy/rbac.yaml``) together must allow every call a workspace run
makes, and every rule of ``dockyard-controller-workspaces`` must be used by one.
"""

from __future__ import annotations

from dockyard.controller.install import manifests
from tests.controller.conftest import (  # noqa: F401  (fixtures: cluster, controller, start_controller)
    cluster,
    controller,
    put_environment,
    quiet,
    start_controller,
    wait_until,
)
from tests.controller.test_rbac import calls_made

GV = "dockyard.dev/v1alpha1"


def put_workspace(kube, environment: str | None, name: str = "alice") -> dict:
    kube.create_namespace(f"ws-{name}")
    return kube.store_put({"apiVersion": GV, "kind": "Workspace", "metadata": {"name": name, "namespace": f"ws-{name}"},
                           "spec": {"image": "devbox:1", **({"environment": environment} if environment else {})}})


def workspace_status(kube, name: str = "alice") -> dict:
    return (kube.store_get("Workspace", name, f"ws-{name}", GV) or {}).get("status") or {}


def rules(role_name: str | None = None) -> set[tuple[str, str, str]]:
    roles = [o for o in manifests() if o["kind"] == "ClusterRole" and role_name in (None, o["metadata"]["name"])]
    return {(verb, group, resource) for role in roles for rule in role["rules"] for group in rule["apiGroups"]
            for resource in rule["resources"] for verb in rule["verbs"]}


def test_the_controller_connects_switches_and_deletes_a_workspace_within_its_cluster_roles(kube, controller):
    put_environment(kube, "dev")
    put_environment(kube, "prod")
    wait_until(lambda: kube.store_get("NetworkPolicy", "dockyard-isolation", "env-prod"), what="environments")
    kube.store_put({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "postgres", "namespace": "env-dev"},
                    "spec": {"selector": {"app": "db"}, "ports": [{"port": 5432, "protocol": "TCP"}]}})

    put_workspace(kube, "dev")
    status = wait_until(lambda: workspace_status(kube).get("connectedEnvironment") == "dev" and workspace_status(kube),
                        what="the workspace connected to dev")
    assert status["services"] == [{"name": "postgres", "dns": "postgres.env-dev.svc.cluster.local",
                                   "ports": [{"port": 5432, "protocol": "TCP"}]}]
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "Ready": "False", "Connected": "True", "Admitted": "True"}
    claim_uid = kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice")["metadata"]["uid"]

    live = kube.store_get("Workspace", "alice", "ws-alice", GV)
    kube.store_put({**live, "spec": {**live["spec"], "environment": "prod"}})
    wait_until(lambda: workspace_status(kube).get("connectedEnvironment") == "prod", what="the switch to prod")
    template = kube.store_get("Deployment", "alice", "ws-alice")["spec"]["template"]
    assert template["spec"]["dnsConfig"]["searches"][0] == "env-prod.svc.cluster.local"
    assert kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice")["metadata"]["uid"] == claim_uid

    kube.store_delete("Workspace", "alice", "ws-alice", GV)
    wait_until(lambda: kube.store_get("Workspace", "alice", "ws-alice", GV) is None, what="the finalizer to finish")
    assert kube.store_get("Deployment", "alice", "ws-alice") is None
    assert kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice")["metadata"]["uid"] == claim_uid
    quiet(kube)

    made = calls_made(kube)
    assert sorted(made - rules()) == [], f"calls the ClusterRoles do not allow: {sorted(made - rules())}"
    unused = rules("dockyard-controller-workspaces") - made
    assert sorted(unused) == [], f"workspace permissions the controller never used: {sorted(unused)}"
