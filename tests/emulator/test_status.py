"""The status subresource is separate from the main resource, exactly like on a real server."""

from __future__ import annotations

from lightkube.resources.apps_v1 import Deployment
from lightkube.types import PatchType

DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
              "spec": {"selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}}}


def test_status_in_a_create_is_dropped(kube_client):
    created = kube_client.create(Deployment.from_dict({**DEPLOYMENT, "status": {"replicas": 7}}))
    assert created.status is None or created.status.replicas is None


def test_writes_to_the_main_resource_ignore_status(kube_client):
    kube_client.create(Deployment.from_dict(DEPLOYMENT))
    kube_client.patch(Deployment.Status, "web", {"status": {"replicas": 1}}, namespace="default",
                      patch_type=PatchType.MERGE)
    after = kube_client.patch(Deployment, "web", {"status": {"replicas": 9}, "metadata": {"labels": {"a": "b"}}},
                              namespace="default", patch_type=PatchType.MERGE)
    assert after.status.replicas == 1
    assert after.metadata.labels == {"a": "b"}


def test_writes_to_status_change_only_status(kube_client):
    kube_client.create(Deployment.from_dict(DEPLOYMENT))
    after = kube_client.patch(Deployment.Status, "web", {"spec": {"replicas": 5}, "status": {"replicas": 2},
                                                         "metadata": {"labels": {"a": "b"}}},
                              namespace="default", patch_type=PatchType.MERGE)
    assert after.status.replicas == 2
    assert after.spec.replicas == 1
    assert after.metadata.labels is None
    assert after.metadata.generation == 1, "status writes never bump generation"


def test_status_apply_is_tracked_as_a_status_subresource_manager(kube_client):
    kube_client.create(Deployment.from_dict(DEPLOYMENT))
    applied = kube_client.apply(Deployment.Status.from_dict({**DEPLOYMENT, "status": {"observedGeneration": 1}}),
                                field_manager="dockyard-status")
    assert applied.status.observedGeneration == 1
    entry = next(e for e in applied.metadata.managedFields if e.manager == "dockyard-status")
    assert entry.subresource == "status" and entry.operation == "Apply"
    assert entry.fieldsV1 == {"f:status": {"f:observedGeneration": {}}}


def test_replace_of_status_needs_the_current_resource_version(kube, kube_client):
    created = kube_client.create(Deployment.from_dict(DEPLOYMENT))
    kube_client.patch(Deployment, "web", {"spec": {"replicas": 2}}, namespace="default")
    body = {**DEPLOYMENT, "status": {"replicas": 2},
            "metadata": {**DEPLOYMENT["metadata"], "resourceVersion": created.metadata.resourceVersion}}
    path = "/apis/apps/v1/namespaces/default/deployments/web/status"
    assert kube.http("PUT", path, json_body=body).status_code == 409
    body["metadata"]["resourceVersion"] = kube.store_get("Deployment", "web", "default")["metadata"]["resourceVersion"]
    assert kube.http("PUT", path, json_body=body).json()["status"] == {"replicas": 2}
