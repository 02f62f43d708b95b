"""The engine over real HTTP: first apply, no-op, one change, config roll, prune, gates, invalid edits."""

import json

import pytest

from dockyard.errors import TerminalError
from dockyard.reconcile import environments
from dockyard.reconcile.engine import reconcile
from dockyard.reconcile.status import PROGRESSING, READY, WAITING

from .factory import Svc

NS = "env-dev"


def run(client, project):
    return reconcile(client, NS, "shop", renderer=project.renderer)


def object_writes(kube):
    return [(r.verb, r.kind or r.plural, r.name) for r in kube.requests.writes() if r.plural != "compositions"]


def status_writes(kube):
    return [r for r in kube.requests.writes() if r.plural == "compositions" and r.subresource == "status"]


def test_the_first_reconcile_creates_every_object_and_records_status(kube, client, env, project):
    result = run(client, project)
    assert sorted((r.kind, r.name) for r in kube.requests.writes() if r.verb == "apply" and not r.subresource) == [
        ("Deployment", "db"), ("Deployment", "web"), ("PersistentVolumeClaim", "data"),
        ("Service", "db"), ("Service", "web")]
    assert all(r.field_manager == "dockyard" for r in kube.requests.writes())
    assert len(status_writes(kube)) == 1
    stored = kube.store_get("Composition", "shop", NS)
    assert [s["name"] for s in stored["status"]["services"]] == ["db", "web"]
    assert {c["type"] for c in stored["status"]["conditions"]} == {"Ready", "Progressing", "Degraded", "Reconciled"}
    assert result.requeue_after is not None


def test_a_no_op_reconcile_makes_zero_write_requests(kube, client, env, project):
    run(client, project)
    kube.requests.clear()
    run(client, project)
    assert kube.requests.writes() == []


def test_changing_one_image_writes_exactly_one_workload(kube, client, env, project):
    run(client, project)
    project.set([Svc("web", image="nginx:1.28"), Svc("db", port=5432, volume="data")])
    kube.requests.clear()
    run(client, project)
    assert object_writes(kube) == [("apply", "Deployment", "web")]


def test_a_config_value_change_rolls_only_the_services_that_reference_it(kube, client, env):
    from .conftest import Project

    environments.set_config(client, "dev", {"TAG": "1", "OTHER": "x"})
    project = Project([Svc("web", config_keys=["TAG"]), Svc("api", port=8080, config_keys=["OTHER"]),
                       Svc("worker", port=None)])
    run(client, project)
    digest = kube.store_get("Deployment", "web", NS)["spec"]["template"]["metadata"]["annotations"]
    environments.set_config(client, "dev", {"TAG": "2"})
    kube.requests.clear()
    run(client, project)
    assert object_writes(kube) == [("apply", "Deployment", "web")]
    after = kube.store_get("Deployment", "web", NS)["spec"]["template"]["metadata"]["annotations"]
    assert after["dockyard.dev/config-digest"] != digest["dockyard.dev/config-digest"]


def test_a_secret_value_never_reaches_objects_status_or_digest(kube, client, env):
    from .conftest import Project

    environments.set_secret(client, "dev", "DB_PASSWORD", "hunter2-very-secret")
    project = Project([Svc("web", secret_keys=["DB_PASSWORD"])])
    run(client, project)
    environments.set_secret(client, "dev", "DB_PASSWORD", "another-secret-value")
    kube.requests.clear()
    run(client, project)
    assert object_writes(kube) == [("apply", "Deployment", "web")]
    everything = json.dumps([kube.store_get("Deployment", "web", NS), kube.store_get("Composition", "shop", NS)])
    assert "hunter2" not in everything and "another-secret" not in everything


def test_services_no_longer_desired_are_pruned_and_volumes_are_kept(kube, client, env, project):
    run(client, project)
    project.set([Svc("web")])
    kube.requests.clear()
    run(client, project)
    assert sorted(object_writes(kube)) == [("delete", "Deployment", "db"), ("delete", "Service", "db")]
    assert kube.store_get("PersistentVolumeClaim", "data", NS) is not None


def test_an_invalid_edit_changes_nothing_live_and_the_status_explains(kube, client, env, project):
    run(client, project)
    project.set([Svc("web", image="nginx:2", port=70000), Svc("db", port=5432, volume="data")])
    kube.requests.clear()
    with pytest.raises(TerminalError, match="70000"):
        run(client, project)
    assert object_writes(kube) == []
    assert kube.store_get("Deployment", "web", NS)["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "nginx:1.27"
    reconciled = {c["type"]: c for c in kube.store_get("Composition", "shop", NS)["status"]["conditions"]}["Reconciled"]
    assert reconciled["status"] == "False" and "70000" in reconciled["message"]


def test_an_object_of_the_same_name_owned_by_someone_else_is_never_touched(kube, client, env, project):
    kube.store_put({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": NS},
                    "spec": {"ports": [{"port": 1}]}})
    kube.requests.clear()
    with pytest.raises(TerminalError, match="Service env-dev/web already exists and is not owned"):
        run(client, project)
    assert object_writes(kube) == []


def test_a_missing_env_secret_key_fails_before_any_write(kube, client, env):
    from .conftest import Project

    with pytest.raises(TerminalError, match="secret set DB_PASSWORD --env dev"):
        run(client, Project([Svc("web", secret_keys=["DB_PASSWORD"])]))
    assert object_writes(kube) == []


def test_a_dependent_waits_until_its_dependency_is_healthy(kube, client, env):
    from .conftest import Project

    project = Project([Svc("db", port=5432), Svc("api", port=8080, depends_on={"db": "service_healthy"})])
    first = run(client, project)
    assert kube.store_get("Deployment", "api", NS) is None
    assert {s.name: s.state for s in first.services}["api"] == WAITING
    assert "waiting for db to be healthy" in {s.name: s.message for s in first.services}["api"]
    kube.store_patch_status("Deployment", "db", NS, {"readyReplicas": 1, "replicas": 1, "updatedReplicas": 1,
                                                     "availableReplicas": 1, "observedGeneration": 1})
    second = run(client, project)
    assert kube.store_get("Deployment", "api", NS) is not None
    assert {s.name: s.state for s in second.services}["db"] == READY
    assert {s.name: s.state for s in second.services}["api"] == PROGRESSING


def test_a_started_dependency_lets_the_dependent_start_in_the_same_reconcile(kube, client, env):
    from .conftest import Project

    run(client, Project([Svc("db", port=5432), Svc("api", port=8080, depends_on={"db": "service_started"})]))
    assert kube.store_get("Deployment", "api", NS) is not None


def test_a_service_type_change_deletes_and_recreates_the_service(kube, client, env, project):
    run(client, project)

    class NodePort(type(project)):
        def renderer(self, source, environment):
            result = super().renderer(source, environment)
            for obj in result.objects:
                if obj["kind"] == "Service" and obj["metadata"]["name"] == "web":
                    obj["spec"]["type"] = "NodePort"
            return result

    edited = NodePort(project.services)
    kube.requests.clear()
    run(client, edited)
    assert object_writes(kube) == [("delete", "Service", "web"), ("apply", "Service", "web")]
    assert kube.store_get("Service", "web", NS)["spec"]["type"] == "NodePort"


def test_status_is_not_rewritten_when_nothing_changed(kube, client, env, project):
    run(client, project)
    kube.requests.clear()
    run(client, project)
    assert status_writes(kube) == []


def test_a_field_changed_by_another_manager_is_taken_back(kube, client, env, project):
    run(client, project)
    live = kube.store_get("Deployment", "web", NS)
    live["spec"]["replicas"] = 5
    kube.store_put(live, manager="kubectl-edit")
    kube.requests.clear()
    run(client, project)
    assert object_writes(kube) == [("apply", "Deployment", "web")]
    assert kube.store_get("Deployment", "web", NS)["spec"]["replicas"] == 1


def test_a_changed_job_template_is_deleted_and_created_again(kube, client, env):
    from .conftest import Project

    run(client, Project([Svc("migrate", job=True, port=None, image="migrate:1")]))
    kube.requests.clear()
    run(client, Project([Svc("migrate", job=True, port=None, image="migrate:2")]))
    assert object_writes(kube) == [("delete", "Job", "migrate"), ("apply", "Job", "migrate")]
    assert kube.store_get("Job", "migrate", NS)["spec"]["template"]["spec"]["containers"][0]["image"] == "migrate:2"


def test_prune_volumes_in_the_composition_also_deletes_unused_claims(kube, client, env, project):
    run(client, project)
    stored = kube.store_get("Composition", "shop", NS)
    stored["spec"]["pruneVolumes"] = True
    kube.store_put(stored)
    project.set([Svc("web")])
    run(client, project)
    assert kube.store_get("PersistentVolumeClaim", "data", NS) is None


def test_a_deleted_composition_is_nothing_to_do(kube, client, env, project):
    kube.store_delete("Composition", "shop", NS)
    kube.requests.clear()
    result = run(client, project)
    assert result.deleted and kube.requests.writes() == []


def test_a_crash_looping_service_is_failed_with_exit_code_and_last_log_line(kube, client, env, project):
    run(client, project)
    labels = kube.store_get("Deployment", "web", NS)["spec"]["template"]["metadata"]["labels"]
    kube.store_put({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-x1", "namespace": NS,
                                                                      "labels": labels},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
    kube.store_patch_status("Pod", "web-x1", NS, {"phase": "Running", "containerStatuses": [{
        "name": "web", "image": "nginx:1.27", "imageID": "", "ready": False, "restartCount": 4,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}},
        "lastState": {"terminated": {"exitCode": 137, "reason": "Error"}}}]})
    kube.add_log_lines(NS, "web-x1", ["booting", "fatal: config missing"], previous=True)
    result = run(client, project)
    web = {s.name: s for s in result.services}["web"]
    assert web.state == "failed"
    assert "exit code 137" in web.message and "last log line: fatal: config missing" in web.message
    degraded = {c["type"]: c for c in kube.store_get("Composition", "shop", NS)["status"]["conditions"]}["Degraded"]
    assert degraded["status"] == "True" and "web: container web keeps crashing" in degraded["message"]


def test_an_unschedulable_pod_is_explained_from_its_event(kube, client, env, project):
    run(client, project)
    labels = kube.store_get("Deployment", "db", NS)["spec"]["template"]["metadata"]["labels"]
    pod = kube.store_put({"apiVersion": "v1", "kind": "Pod",
                          "metadata": {"name": "db-x1", "namespace": NS, "labels": labels},
                          "spec": {"containers": [{"name": "db", "image": "nginx:1.27"}]}})
    kube.store_patch_status("PersistentVolumeClaim", "data", NS, {"phase": "Bound"})
    kube.emit_event(pod, "FailedScheduling", "0/3 nodes are available: 3 Insufficient memory.")
    db = {s.name: s for s in run(client, project).services}["db"]
    assert db.state == "progressing" and "cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory." \
        == db.message


def test_a_stored_project_that_no_longer_loads_keeps_the_last_version_running_and_says_where(kube, client, env):
    from dockyard.reconcile import composition

    compose = "name: shop\nservices:\n  web:\n    image: nginx:${TAG:?set it with dockyard vars set}\n"
    stored, _ = composition.build(composition.CompositionInput(
        name="shop", environment="dev", compose_files=[("compose.yaml", compose)]))
    composition.store(client, stored)
    environments.set_config(client, "dev", {"TAG": "1.27"})
    reconcile(client, NS, "shop")
    environments.unset_config(client, "dev", ["TAG"])
    kube.requests.clear()
    with pytest.raises(TerminalError, match="TAG"):
        reconcile(client, NS, "shop")
    assert object_writes(kube) == [] and len(status_writes(kube)) == 1
    assert kube.store_get("Deployment", "web", NS)["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "nginx:1.27"
    conditions = {c["type"]: c for c in kube.store_get("Composition", "shop", NS)["status"]["conditions"]}
    assert conditions["Reconciled"]["status"] == "False"
    assert "compose.yaml:4:" in conditions["Reconciled"]["message"]
    assert "set it with dockyard vars set" in conditions["Reconciled"]["message"]
    assert [s["name"] for s in kube.store_get("Composition", "shop", NS)["status"]["services"]] == ["web"]


def test_a_volume_change_the_server_cannot_make_is_refused_before_any_write_and_the_claim_kept(kube, client, env,
                                                                                           project):
    run(client, project)

    class SharedVolume(type(project)):
        def renderer(self, source, environment):
            result = super().renderer(source, environment)
            for obj in result.objects:
                if obj["kind"] == "PersistentVolumeClaim":
                    obj["spec"]["accessModes"] = ["ReadWriteMany"]
                if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "web":
                    obj["spec"]["replicas"] = 3
            return result

    kube.requests.clear()
    with pytest.raises(TerminalError, match="PersistentVolumeClaim env-dev/data: spec.accessModes cannot change"):
        run(client, SharedVolume(project.services))
    assert object_writes(kube) == []
    assert kube.store_get("PersistentVolumeClaim", "data", NS)["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert kube.store_get("Deployment", "web", NS)["spec"]["replicas"] == 1
