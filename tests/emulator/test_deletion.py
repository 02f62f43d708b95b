"""Deletion: finalizers, deletionTimestamp, ownerReference garbage collection, namespace termination."""

from __future__ import annotations

import pytest
from lightkube import ApiError
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ConfigMap, Namespace, PersistentVolumeClaim
from lightkube.types import CascadeType, PatchType


def configmap(name: str, finalizers: list[str] | None = None, owner: dict | None = None,
              namespace: str = "default") -> ConfigMap:
    refs = None
    if owner is not None:
        refs = [{"apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]["name"],
                 "uid": owner["metadata"]["uid"], "controller": True}]
    return ConfigMap.from_dict({"metadata": {"name": name, "namespace": namespace, "finalizers": finalizers,
                                             "ownerReferences": refs}})


def test_delete_with_finalizers_only_marks_the_object(kube, kube_client):
    kube_client.create(configmap("a", finalizers=["dockyard.dev/cleanup"]))
    kube_client.delete(ConfigMap, "a", namespace="default")
    marked = kube_client.get(ConfigMap, "a", namespace="default")
    assert marked.metadata.deletionTimestamp is not None
    assert kube.requests[-2].status == 202


def test_removing_the_last_finalizer_deletes_the_object(kube_client):
    kube_client.create(configmap("a", finalizers=["one", "two"]))
    kube_client.delete(ConfigMap, "a", namespace="default")
    kube_client.patch(ConfigMap, "a", {"metadata": {"finalizers": ["two"]}}, namespace="default",
                      patch_type=PatchType.MERGE)
    assert kube_client.get(ConfigMap, "a", namespace="default").metadata.finalizers == ["two"]
    kube_client.patch(ConfigMap, "a", {"metadata": {"finalizers": None}}, namespace="default",
                      patch_type=PatchType.MERGE)
    with pytest.raises(ApiError) as e:
        kube_client.get(ConfigMap, "a", namespace="default")
    assert e.value.status.code == 404


def test_no_new_finalizers_on_an_object_being_deleted(kube_client):
    kube_client.create(configmap("a", finalizers=["one"]))
    kube_client.delete(ConfigMap, "a", namespace="default")
    with pytest.raises(ApiError) as e:
        kube_client.patch(ConfigMap, "a", {"metadata": {"finalizers": ["one", "two"]}}, namespace="default",
                          patch_type=PatchType.MERGE)
    assert e.value.status.code == 403


def test_dependents_are_collected_when_their_owner_goes(kube, kube_client):
    owner = kube.store_put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner",
                                                                                  "namespace": "default"}})
    kube_client.create(configmap("child", owner=owner))
    kube.store_put({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "data", "namespace": "default"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    kube_client.delete(ConfigMap, "owner", namespace="default")
    kube.settle()
    assert kube.store_get("ConfigMap", "child", "default") is None
    assert kube_client.get(PersistentVolumeClaim, "data", namespace="default").metadata.name == "data"


def test_orphan_propagation_keeps_dependents_and_drops_their_owner_reference(kube, kube_client):
    owner = kube.store_put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner",
                                                                                  "namespace": "default"}})
    kube_client.create(configmap("child", owner=owner))
    kube_client.delete(ConfigMap, "owner", namespace="default", cascade=CascadeType.ORPHAN)
    child = kube_client.get(ConfigMap, "child", namespace="default")
    assert child.metadata.ownerReferences is None


def test_foreground_deletion_waits_for_dependents(kube, kube_client):
    owner = kube.store_put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner",
                                                                                  "namespace": "default"}})
    kube_client.create(configmap("child", owner=owner, finalizers=["hold"]))
    kube_client.delete(ConfigMap, "owner", namespace="default", cascade=CascadeType.FOREGROUND)
    kube.settle()
    assert "foregroundDeletion" in kube.store_get("ConfigMap", "owner", "default")["metadata"]["finalizers"]
    kube_client.patch(ConfigMap, "child", {"metadata": {"finalizers": None}}, namespace="default",
                      patch_type=PatchType.MERGE)
    kube.settle()
    assert kube.store_get("ConfigMap", "owner", "default") is None


def test_deleting_a_namespace_terminates_it_and_removes_its_contents(kube, kube_client):
    kube_client.create(Namespace(metadata=ObjectMeta(name="env-a")))
    kube_client.create(configmap("a", namespace="env-a"))
    kube_client.delete(Namespace, "env-a")
    kube.settle()
    assert kube.store_get("ConfigMap", "a", "env-a") is None
    assert kube.store_get("Namespace", "env-a") is None


def test_a_terminating_namespace_refuses_new_content(kube, kube_client):
    kube_client.create(Namespace(metadata=ObjectMeta(name="env-a")))
    kube_client.create(configmap("held", namespace="env-a", finalizers=["hold"]))
    kube_client.delete(Namespace, "env-a")
    kube.settle()
    assert kube_client.get(Namespace, "env-a").status.phase == "Terminating"
    with pytest.raises(ApiError) as e:
        kube_client.create(configmap("new", namespace="env-a"))
    assert e.value.status.code == 403 and "being terminated" in e.value.status.message


def test_delete_preconditions_on_resource_version(kube):
    created = kube.store_put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a",
                                                                                    "namespace": "default"}})
    kube.store_put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "default"},
                    "data": {"k": "v"}})
    response = kube.http("DELETE", "/api/v1/namespaces/default/configmaps/a", json_body={
        "preconditions": {"resourceVersion": created["metadata"]["resourceVersion"]}})
    assert response.status_code == 409
