"""Service states and messages computed from observed workloads, pods and events."""

from dockyard.reconcile import status
from dockyard.reconcile.status import Observed, composition_status, services_status

from .factory import Svc, rendered

R = rendered([Svc("web", image="shop/web:1"), Svc("db", port=5432, volume="data")])


def _deployment(name, desired=1, ready=1, updated=1, generation=1):
    return {"kind": "Deployment", "metadata": {"name": name, "generation": generation},
            "spec": {"replicas": desired, "template": {"spec": {"containers": [{"name": name, "image": "img"}]}}},
            "status": {"observedGeneration": generation, "readyReplicas": ready, "updatedReplicas": updated,
                       "availableReplicas": ready}}


def _pod(service, name, container_status=None, conditions=(), phase="Running"):
    return {"metadata": {"name": name, "labels": {"dockyard.dev/service": service}},
            "spec": {"containers": [{"name": service, "image": "shop/web:1"}]},
            "status": {"phase": phase, "conditions": list(conditions),
                       "containerStatuses": [dict(name=service, **(container_status or {}))]}}


def _state(observed, name="web"):
    return next(s for s in services_status(R, observed) if s.name == name)


def test_a_settled_deployment_is_ready_with_its_ports_and_dns_names():
    web = _state(Observed(workloads={("Deployment", "web"): _deployment("web")}))
    assert web.state == status.READY
    assert web.ports == ("80/TCP",)
    assert web.dns_names == ("web", "web.env-dev.svc.cluster.local")


def test_an_absent_workload_is_pending_and_a_gated_one_waits():
    assert _state(Observed()).state == status.PENDING
    waiting = _state(Observed(waiting={"web": "waiting for db to be healthy"}))
    assert (waiting.state, waiting.message) == (status.WAITING, "waiting for db to be healthy")


def test_an_image_pull_failure_names_the_image():
    pod = _pod("web", "web-1", {"image": "shop/web:1", "state": {"waiting": {"reason": "ImagePullBackOff",
                                                                             "message": "not found"}}})
    web = _state(Observed(workloads={("Deployment", "web"): _deployment("web", ready=0)}, pods=[pod]))
    assert web.state == status.FAILED
    assert "cannot pull image shop/web:1" in web.message


def test_a_crash_loop_reports_exit_code_and_last_log_line():
    pod = _pod("web", "web-1", {"state": {"waiting": {"reason": "CrashLoopBackOff"}},
                                "lastState": {"terminated": {"exitCode": 3}}})
    observed = Observed(workloads={("Deployment", "web"): _deployment("web", ready=0)}, pods=[pod],
                        last_log_lines={("web-1", "web"): "panic: no database"})
    web = _state(observed)
    assert web.state == status.FAILED
    assert "exit code 3" in web.message and "panic: no database" in web.message


def test_a_crash_with_other_replicas_ready_is_degraded():
    pod = _pod("web", "web-2", {"state": {"waiting": {"reason": "CrashLoopBackOff"}}})
    web = _state(Observed(workloads={("Deployment", "web"): _deployment("web", desired=2, ready=1)}, pods=[pod]))
    assert web.state == status.DEGRADED


def test_a_missing_secret_key_is_explained():
    message = "couldn't find key DB_PASSWORD in Secret env-dev/env-secret"
    pod = _pod("web", "web-1", {"state": {"waiting": {"reason": "CreateContainerConfigError", "message": message}}})
    web = _state(Observed(workloads={("Deployment", "web"): _deployment("web", ready=0)}, pods=[pod]))
    assert web.state == status.FAILED and message in web.message


def test_an_unschedulable_pod_says_which_resource():
    condition = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                 "message": "0/3 nodes are available: insufficient memory"}
    pod = _pod("web", "web-1", conditions=[condition], phase="Pending")
    pod["status"]["containerStatuses"] = []
    web = _state(Observed(workloads={("Deployment", "web"): _deployment("web", ready=0)}, pods=[pod]))
    assert web.state == status.PROGRESSING and "insufficient memory" in web.message


def test_an_unbound_claim_is_explained():
    db = _deployment("db", ready=0)
    db["spec"]["template"]["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    observed = Observed(workloads={("Deployment", "db"): db}, claims={"data": {"status": {"phase": "Pending"}}})
    assert "volume claim data is not bound (Pending)" in _state(observed, "db").message


def test_a_failing_probe_event_is_the_message():
    event = {"type": "Warning", "reason": "Unhealthy", "message": "Readiness probe failed: HTTP 500",
             "involvedObject": {"kind": "Pod", "name": "web-1"}, "lastTimestamp": "2026-01-01T00:00:00Z"}
    web = _state(Observed(workloads={("Deployment", "web"): _deployment("web", ready=0)},
                          pods=[_pod("web", "web-1", {"state": {"running": {}}})], events=[event]))
    assert web.state == status.PROGRESSING and "Readiness probe failed" in web.message


def test_scaled_to_zero_is_stopped():
    assert _state(Observed(workloads={("Deployment", "web"): _deployment("web", desired=0, ready=0)})).state == \
        status.STOPPED


def test_conditions_roll_up_and_keep_their_transition_time_while_unchanged():
    services = services_status(R, Observed(workloads={("Deployment", "web"): _deployment("web"),
                                                      ("Deployment", "db"): _deployment("db")}))
    first = composition_status(services, generation=2, now="T1")
    again = composition_status(services, generation=2, now="T2", previous=first)
    assert first == again
    ready = next(c for c in first["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["observedGeneration"], ready["lastTransitionTime"]) == ("True", 2, "T1")
    assert first["ready"] == "2/2" and first["phase"] == "Ready"


def test_an_invalid_edit_sets_reconciled_false_with_the_reason():
    result = composition_status([], generation=3, now="T", error="compose.yaml:3:5: bad port")
    reconciled = next(c for c in result["conditions"] if c["type"] == "Reconciled")
    assert (reconciled["status"], reconciled["reason"], reconciled["message"]) == (
        "False", "InvalidInput", "compose.yaml:3:5: bad port")


def test_a_succeeded_job_is_ready_without_an_observed_generation():
    r = rendered([Svc("migrate", job=True, port=None)])
    job = {"kind": "Job", "metadata": {"name": "migrate", "generation": 1}, "spec": {"template": {}},
           "status": {"succeeded": 1}}
    (migrate,) = services_status(r, Observed(workloads={("Job", "migrate"): job}))
    assert (migrate.state, migrate.message) == (status.READY, "completed")
