"""An Environment under the controller: namespace and its guard rails, suspend/resume, deletion."""

from __future__ import annotations

from dockyard.controller.environments import ANNOTATION_SUSPENDED_REPLICAS, LABEL_CONNECTED
from tests.controller.conftest import (
    GROUP_VERSION,
    condition,
    put_composition,
    put_environment,
    quiet,
    reconciled,
    wait_until,
)

APP = """
services:
  web:
    image: nginx:1.25
    deploy:
      replicas: 3
  worker:
    image: shop/worker:1
"""


AGENT = """
  agent:
    image: shop/agent:1
    deploy:
      mode: global
"""


def pods(kube) -> dict[str, int]:
    """Running (not terminating) pods per compose service."""
    counts: dict[str, int] = {}
    for pod in kube.store_list("Pod", "env-dev"):
        if not pod["metadata"].get("deletionTimestamp"):
            service = (pod["metadata"].get("labels") or {}).get("dockyard.dev/service", "?")
            counts[service] = counts.get(service, 0) + 1
    return counts


def environment(kube, name: str = "dev") -> dict:
    return kube.store_get("Environment", name, None, GROUP_VERSION) or {}


def environment_ready(kube, name: str = "dev") -> dict | None:
    obj = environment(kube, name)
    cond = condition(obj, "Ready")
    fresh = cond.get("observedGeneration") == (obj.get("metadata") or {}).get("generation")
    return obj if fresh and cond.get("status") == "True" else None


def replicas(kube) -> dict[str, int]:
    return {d["metadata"]["name"]: d["spec"].get("replicas") for d in kube.store_list("Deployment", "env-dev")}


def test_an_environment_gets_its_namespace_values_quota_limits_and_network_policy(kube, controller):
    put_environment(kube, resourceQuota={"hard": {"pods": 20, "requests.memory": "8Gi"}},
                    limitRange={"default": {"memory": "256Mi"}, "defaultRequest": {"cpu": "100m"}})

    ready = wait_until(lambda: environment_ready(kube), what="Environment Ready")

    assert ready["status"]["namespace"] == "env-dev"
    namespace = kube.store_get("Namespace", "env-dev")
    assert namespace["metadata"]["labels"]["dockyard.dev/environment"] == "dev"
    assert kube.store_get("ConfigMap", "env-config", "env-dev") is not None
    assert kube.store_get("Secret", "env-secret", "env-dev") is not None
    quota = kube.store_get("ResourceQuota", "dockyard-quota", "env-dev")
    assert quota["spec"]["hard"] == {"pods": "20", "requests.memory": "8Gi"}
    limits = kube.store_get("LimitRange", "dockyard-limits", "env-dev")["spec"]["limits"]
    assert limits == [{"type": "Container", "default": {"memory": "256Mi"}, "defaultRequest": {"cpu": "100m"}}]
    policy = kube.store_get("NetworkPolicy", "dockyard-isolation", "env-dev")["spec"]
    assert policy["podSelector"] == {} and policy["policyTypes"] == ["Ingress"]
    admitted = policy["ingress"][0]["from"]
    assert {"podSelector": {}} in admitted
    assert {"namespaceSelector": {"matchLabels": {LABEL_CONNECTED: "dev"}}} in admitted
    assert {"namespaceSelector": {}, "podSelector": {"matchLabels": {LABEL_CONNECTED: "dev"}}} in admitted


def test_values_already_set_in_env_config_survive_the_environment_reconcile(kube, controller):
    kube.create_namespace("env-dev")
    kube.store_put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "env-config", "namespace": "env-dev"},
                    "data": {"GREETING": "hi"}})

    put_environment(kube)
    wait_until(lambda: environment_ready(kube), what="Environment Ready")

    assert kube.store_get("ConfigMap", "env-config", "env-dev")["data"] == {"GREETING": "hi"}


def test_dropping_isolation_and_quota_removes_the_network_policy_and_the_quota(kube, controller):
    put_environment(kube, resourceQuota={"hard": {"pods": 5}})
    wait_until(lambda: kube.store_get("ResourceQuota", "dockyard-quota", "env-dev"), what="quota")

    put_environment(kube, networkIsolation=False)
    wait_until(lambda: environment_ready(kube), what="Environment Ready after the edit")

    assert kube.store_get("NetworkPolicy", "dockyard-isolation", "env-dev") is None
    assert kube.store_get("ResourceQuota", "dockyard-quota", "env-dev") is None


def test_suspending_scales_every_workload_to_zero_and_resuming_restores_the_replicas(kube, controller):
    kube.simulator.enabled = True  # pods come and go as the Deployment and DaemonSet controllers would
    put_environment(kube)
    wait_until(lambda: environment_ready(kube), what="Environment Ready")
    put_composition(kube, APP + AGENT)
    wait_until(lambda: reconciled(kube), what="Reconciled")
    assert replicas(kube) == {"web": 3, "worker": 1}
    wait_until(lambda: pods(kube) == {"web": 3, "worker": 1, "agent": 3}, what="every pod running")

    put_environment(kube, suspended=True)
    wait_until(lambda: pods(kube) == {}, what="no pod left")
    quiet(kube, controller)

    web = kube.store_get("Deployment", "web", "env-dev")
    assert web["metadata"]["annotations"][ANNOTATION_SUSPENDED_REPLICAS] == "3"
    assert replicas(kube) == {"web": 0, "worker": 0}  # the composition's own reconciles left them alone
    assert pods(kube) == {}
    assert environment_ready(kube)["status"]["suspended"] is True

    put_environment(kube, suspended=False)
    wait_until(lambda: pods(kube) == {"web": 3, "worker": 1, "agent": 3}, what="every pod back")
    quiet(kube, controller)

    web = kube.store_get("Deployment", "web", "env-dev")
    assert ANNOTATION_SUSPENDED_REPLICAS not in (web["metadata"].get("annotations") or {})
    assert replicas(kube) == {"web": 3, "worker": 1}
    agent = kube.store_get("DaemonSet", "agent", "env-dev")
    assert not agent["spec"]["template"]["spec"].get("nodeSelector")  # a merge patch leaves {}
    assert ANNOTATION_SUSPENDED_REPLICAS not in (agent["metadata"].get("annotations") or {})


def test_a_job_is_suspended_with_its_environment_and_resumed_with_it(kube, controller):
    put_environment(kube)
    wait_until(lambda: environment_ready(kube), what="Environment Ready")
    put_composition(kube, "services:\n  migrate:\n    image: shop/migrate:1\n    restart: \"no\"\n")
    wait_until(lambda: reconciled(kube), what="Reconciled")

    put_environment(kube, suspended=True)
    wait_until(lambda: kube.store_get("Job", "migrate", "env-dev")["spec"].get("suspend") is True, what="suspended")
    put_environment(kube, suspended=False)

    wait_until(lambda: kube.store_get("Job", "migrate", "env-dev")["spec"].get("suspend") is False, what="resumed")
    job = kube.store_get("Job", "migrate", "env-dev")
    assert ANNOTATION_SUSPENDED_REPLICAS not in (job["metadata"].get("annotations") or {})


def test_deleting_an_environment_deletes_its_namespace_before_releasing_the_finalizer(kube, controller):
    put_environment(kube)
    wait_until(lambda: environment_ready(kube), what="Environment Ready")
    assert environment(kube)["metadata"]["finalizers"] == ["dockyard.dev/finalizer"]

    kube.store_delete("Environment", "dev")

    wait_until(lambda: not environment(kube), what="the Environment to go")
    assert kube.store_get("Namespace", "env-dev") is None
    deletes = [(r.plural, r.name) for r in kube.requests if r.verb == "delete"]
    assert ("namespaces", "env-dev") in deletes


def test_deleting_an_environment_with_a_running_composition_cleans_up_both(kube, controller):
    put_environment(kube)
    wait_until(lambda: environment_ready(kube), what="Environment Ready")
    put_composition(kube, APP)
    wait_until(lambda: reconciled(kube), what="Reconciled")

    kube.store_delete("Environment", "dev")

    wait_until(lambda: not environment(kube), what="the Environment to go")
    assert kube.store_get("Namespace", "env-dev") is None
    assert kube.store_list("Deployment", "env-dev") == []


def test_an_environment_the_api_refuses_reports_ready_false_with_the_refusal(kube, controller):
    kube.inject("apply", kind="Namespace", name="env-dev", status=403, times=None)

    put_environment(kube)

    def failed() -> dict | None:
        cond = condition(environment(kube), "Ready")
        return cond if cond.get("status") == "False" else None

    cond = wait_until(failed, what="Ready=False")
    assert cond["reason"] == "Failed"
    assert cond["message"].startswith("apply Namespace env-dev: forbidden") and "(HTTP 403)" in cond["message"]
    assert kube.store_get("Namespace", "env-dev") is None
