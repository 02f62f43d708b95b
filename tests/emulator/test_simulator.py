"""The cluster simulator: Deployments roll out through ReplicaSets and Pods, Jobs complete, DaemonSets spread,
and pods fail the realistic ways dockyard's status messages must explain."""

from __future__ import annotations

import json
import time

import pytest
from lightkube.resources.apps_v1 import DaemonSet, Deployment, ReplicaSet, StatefulSet
from lightkube.resources.batch_v1 import Job
from lightkube.resources.core_v1 import Event, Pod

from tests.emulator.emulator import KubeEmulator


@pytest.fixture
def cluster(kube: KubeEmulator) -> KubeEmulator:
    kube.simulator.enabled = True
    yield kube
    assert kube.simulator.errors == []


def deployment(image: str = "nginx:1.27", replicas: int = 2, env: list | None = None, **strategy) -> Deployment:
    container = {"name": "web", "image": image, **({"env": env} if env else {})}
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}}
    if strategy:
        spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": strategy}
    return Deployment.from_dict({"apiVersion": "apps/v1", "kind": "Deployment",
                                 "metadata": {"name": "web", "namespace": "default"}, "spec": spec})


def test_a_deployment_gets_a_replicaset_and_ready_pods(cluster, kube_client):
    kube_client.apply(deployment(), field_manager="dockyard")
    cluster.settle()
    rs = list(kube_client.list(ReplicaSet, namespace="default"))
    assert len(rs) == 1 and rs[0].metadata.name.startswith("web-")
    assert rs[0].metadata.labels["pod-template-hash"] in rs[0].metadata.name
    pods = list(kube_client.list(Pod, namespace="default", labels={"app": "web"}))
    assert len(pods) == 2
    assert all(p.metadata.name.startswith(rs[0].metadata.name + "-") for p in pods)
    assert all(p.status.phase == "Running" and p.spec.nodeName for p in pods)
    status = kube_client.get(Deployment, "web", namespace="default").status
    assert (status.replicas, status.updatedReplicas, status.readyReplicas, status.availableReplicas) == (2, 2, 2, 2)
    assert status.observedGeneration == 1
    conditions = {c.type: (c.status, c.reason) for c in status.conditions}
    assert conditions == {"Available": ("True", "MinimumReplicasAvailable"),
                          "Progressing": ("True", "NewReplicaSetAvailable")}


def test_a_new_image_rolls_pods_one_at_a_time_within_max_surge(cluster, kube_client):
    kube_client.apply(deployment(replicas=3, maxSurge=1, maxUnavailable=0), field_manager="dockyard")
    cluster.settle()
    start = cluster.revision
    alive = {p["metadata"]["name"] for p in cluster.store_list("pods", "default")}
    kube_client.apply(deployment(image="nginx:1.28", replicas=3, maxSurge=1, maxUnavailable=0),
                      field_manager="dockyard")
    cluster.settle()
    pods_now = [p for p in kube_client.list(Pod, namespace="default")]
    assert {p.spec.containers[0].image for p in pods_now} == {"nginx:1.28"} and len(pods_now) == 3
    most = 0
    events = cluster.http("GET", "/api/v1/namespaces/default/pods",
                          params={"watch": "true", "resourceVersion": str(start), "timeoutSeconds": "0"}).text
    for line in events.splitlines():
        event = json.loads(line)
        name = event["object"]["metadata"]["name"]
        if event["type"] == "DELETED" or event["object"]["metadata"].get("deletionTimestamp"):
            alive.discard(name)
        else:
            alive.add(name)
        most = max(most, len(alive))
    assert most == 4, "with maxSurge=1 and maxUnavailable=0 there is one extra (non-terminating) pod at a time"
    status = kube_client.get(Deployment, "web", namespace="default").status
    assert status.updatedReplicas == 3 and status.observedGeneration == 2
    scaled = [e.message for e in kube_client.list(Event, namespace="default", fields={"reason": "ScalingReplicaSet"})]
    assert any("Scaled up replica set" in m and "from 1 to 2" in m for m in scaled)


def test_a_job_runs_a_pod_to_completion(cluster, kube_client):
    kube_client.create(Job.from_dict({"apiVersion": "batch/v1", "kind": "Job",
                                      "metadata": {"name": "migrate", "namespace": "default"},
                                      "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
                                          {"name": "migrate", "image": "busybox"}]}}}}))
    cluster.settle()
    job = kube_client.get(Job, "migrate", namespace="default")
    assert job.status.succeeded == 1
    assert any(c.type == "Complete" and c.status == "True" for c in job.status.conditions)
    pods = list(kube_client.list(Pod, namespace="default", labels={"job-name": "migrate"}))
    assert [p.status.phase for p in pods] == ["Succeeded"]


def test_a_daemonset_runs_one_pod_per_node(cluster, kube_client):
    kube_client.create(DaemonSet.from_dict({"apiVersion": "apps/v1", "kind": "DaemonSet",
                                            "metadata": {"name": "agent", "namespace": "default"},
                                            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                                                     "template": {"metadata": {"labels": {"app": "agent"}},
                                                                  "spec": {"containers": [
                                                                      {"name": "a", "image": "agent:1"}]}}}}))
    cluster.settle()
    pods = list(kube_client.list(Pod, namespace="default", labels={"app": "agent"}))
    assert sorted(p.spec.nodeName for p in pods) == ["node-1", "node-2", "node-3"]
    assert kube_client.get(DaemonSet, "agent", namespace="default").status.numberReady == 3


def test_a_daemonset_runs_only_on_nodes_its_node_selector_matches(cluster, kube_client):
    def agent(node_selector: dict) -> DaemonSet:
        return DaemonSet.from_dict({"apiVersion": "apps/v1", "kind": "DaemonSet",
                                    "metadata": {"name": "agent", "namespace": "default"},
                                    "spec": {"selector": {"matchLabels": {"app": "agent"}},
                                             "template": {"metadata": {"labels": {"app": "agent"}},
                                                          "spec": {"nodeSelector": node_selector, "containers": [
                                                              {"name": "a", "image": "agent:1"}]}}}})

    def nodes() -> list[str]:
        return sorted(p.spec.nodeName for p in kube_client.list(Pod, namespace="default", labels={"app": "agent"}))

    kube_client.apply(agent({"kubernetes.io/hostname": "node-2"}), field_manager="test")
    cluster.settle()
    assert nodes() == ["node-2"]
    assert kube_client.get(DaemonSet, "agent", namespace="default").status.desiredNumberScheduled == 1

    kube_client.apply(agent({"example.com/no-such-node": "true"}), field_manager="test")
    cluster.settle()
    assert nodes() == []
    assert kube_client.get(DaemonSet, "agent", namespace="default").status.desiredNumberScheduled == 0


def test_a_statefulset_gets_ordered_pods_and_claims(cluster, kube_client):
    kube_client.create(StatefulSet.from_dict({
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "default"},
        "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                 "template": {"metadata": {"labels": {"app": "db"}},
                              "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}},
                 "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                     "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}))
    cluster.settle()
    assert sorted(p["metadata"]["name"] for p in cluster.store_list("pods", "default")) == ["db-0", "db-1"]
    claims = cluster.store_list("persistentvolumeclaims", "default")
    assert sorted(c["metadata"]["name"] for c in claims) == ["data-db-0", "data-db-1"]
    assert {c["status"]["phase"] for c in claims} == {"Bound"}
    assert kube_client.get(StatefulSet, "db", namespace="default").status.readyReplicas == 2


def test_image_pull_failures_name_the_image(cluster, kube_client):
    cluster.simulator.add_unpullable_image("nginx:nope")
    kube_client.apply(deployment(image="nginx:nope", replicas=1), field_manager="dockyard")
    cluster.settle()
    pod = next(iter(kube_client.list(Pod, namespace="default")))
    waiting = pod.status.containerStatuses[0].state.waiting
    assert waiting.reason == "ImagePullBackOff" and '"nginx:nope"' in waiting.message
    events = kube_client.list(Event, namespace="default", fields={"involvedObject.name": pod.metadata.name})
    assert any('Failed to pull image "nginx:nope"' in e.message for e in events)
    status = kube_client.get(Deployment, "web", namespace="default").status
    assert status.readyReplicas is None and status.unavailableReplicas == 1


def test_crash_loops_report_exit_code_and_leave_a_log_line(cluster, kube_client):
    cluster.simulator.fail_pods({"app": "web"}, "crash-loop", exit_code=3, log_line="panic: no database")
    kube_client.apply(deployment(replicas=1), field_manager="dockyard")
    cluster.settle()
    pod = next(iter(kube_client.list(Pod, namespace="default")))
    status = pod.status.containerStatuses[0]
    assert status.state.waiting.reason == "CrashLoopBackOff"
    assert status.lastState.terminated.exitCode == 3 and status.restartCount >= 1
    assert list(kube_client.log(pod.metadata.name, namespace="default")) == ["panic: no database\n"]
    previous = cluster.http("GET", f"/api/v1/namespaces/default/pods/{pod.metadata.name}/log",
                            params={"previous": "true"})   # lightkube's Client.log has no `previous`
    assert previous.text == "panic: no database\n"


def test_unschedulable_pods_stay_pending_with_a_failed_scheduling_event(cluster, kube_client):
    cluster.simulator.fail_pods({"app": "web"}, "unschedulable")
    kube_client.apply(deployment(replicas=1), field_manager="dockyard")
    cluster.settle()
    pod = next(iter(kube_client.list(Pod, namespace="default")))
    assert pod.status.phase == "Pending" and pod.spec.nodeName is None
    events = list(kube_client.list(Event, namespace="default", fields={"reason": "FailedScheduling"}))
    assert events and "0/3 nodes are available: 3 Insufficient memory." in events[0].message


def test_a_missing_secret_key_is_a_create_container_config_error(cluster, kube_client):
    cluster.store_put({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "default"},
                       "data": {"user": "YQ=="}})
    env = [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]
    kube_client.apply(deployment(replicas=1, env=env), field_manager="dockyard")
    cluster.settle()
    pod = next(iter(kube_client.list(Pod, namespace="default")))
    waiting = pod.status.containerStatuses[0].state.waiting
    assert waiting.reason == "CreateContainerConfigError"
    assert waiting.message == "couldn't find key password in Secret default/db"


def test_fixing_the_cause_lets_the_pods_start(cluster, kube_client):
    cluster.simulator.fail_pods({"app": "web"}, "not-ready")
    kube_client.apply(deployment(replicas=1), field_manager="dockyard")
    cluster.settle()
    assert kube_client.get(Deployment, "web", namespace="default").status.readyReplicas is None
    cluster.simulator.clear_faults()
    cluster.settle()
    assert kube_client.get(Deployment, "web", namespace="default").status.readyReplicas == 1


def test_deleting_a_deployment_collects_its_replicasets_and_pods(cluster, kube_client):
    kube_client.apply(deployment(), field_manager="dockyard")
    cluster.settle()
    kube_client.delete(Deployment, "web", namespace="default")
    cluster.settle()
    assert cluster.store_list("replicasets", "default") == []
    assert cluster.store_list("pods", "default") == []


def test_pods_on_a_node_terminate_gracefully_before_they_go(cluster, kube_client):
    kube_client.apply(deployment(replicas=1), field_manager="dockyard")
    cluster.settle()
    pod = next(iter(kube_client.list(Pod, namespace="default")))
    start = cluster.revision
    kube_client.delete(Pod, pod.metadata.name, namespace="default")
    cluster.settle()
    events = [json.loads(line) for line in cluster.http(
        "GET", "/api/v1/namespaces/default/pods",
        params={"watch": "true", "resourceVersion": str(start), "timeoutSeconds": "0"}).text.splitlines()]
    mine = [e for e in events if e["object"]["metadata"]["name"] == pod.metadata.name]
    assert mine[0]["type"] == "MODIFIED" and mine[0]["object"]["metadata"]["deletionGracePeriodSeconds"] == 30
    assert mine[-1]["type"] == "DELETED"
    replacement = [p for p in kube_client.list(Pod, namespace="default")]
    assert len(replacement) == 1 and replacement[0].metadata.name != pod.metadata.name


def test_a_rollout_that_cannot_finish_reports_progress_deadline_exceeded(cluster, kube_client):
    cluster.simulator.add_unpullable_image("nginx:nope")
    stuck = deployment(image="nginx:nope", replicas=1)
    stuck.spec.progressDeadlineSeconds = 1
    kube_client.apply(stuck, field_manager="dockyard")

    def progressing():
        status = kube_client.get(Deployment, "web", namespace="default").status
        return {c.type: c for c in (status.conditions or [])}.get("Progressing")

    condition = progressing()
    for _ in range(400):                  # polls for a state; the simulator re-checks deadlines every tick
        if condition is not None and condition.reason == "ProgressDeadlineExceeded":
            break
        time.sleep(0.05)
        condition = progressing()
    assert condition.status == "False" and condition.reason == "ProgressDeadlineExceeded"
    assert condition.message.endswith("has timed out progressing.")
