"""Server-side apply: creation, field ownership, conflicts, force, removal of dropped fields, list merging."""

from __future__ import annotations

import pytest
from lightkube import ApiError
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import ConfigMap, Service
from lightkube.types import PatchType


def owned(obj, manager: str) -> dict:
    for entry in obj.metadata.managedFields:
        if entry.manager == manager:
            return entry.fieldsV1
    raise AssertionError(f"{manager} owns nothing")


def cm(name: str = "a", **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}, "data": data}


def deployment(containers: list[dict], replicas: int | None = None, labels: dict | None = None) -> dict:
    spec: dict = {"selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers}}}
    if replicas is not None:
        spec["replicas"] = replicas
    meta: dict = {"name": "web", "namespace": "default"}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}


def test_apply_creates_an_absent_object_with_an_apply_manager(kube, kube_client):
    created = kube_client.apply(ConfigMap.from_dict(cm(k="v")), field_manager="dockyard")
    assert created.data == {"k": "v"}
    entry = created.metadata.managedFields[0]
    assert (entry.manager, entry.operation) == ("dockyard", "Apply")
    assert entry.fieldsV1 == {"f:data": {"f:k": {}}}
    assert kube.requests[-1].status == 201


def test_apply_without_field_manager_is_rejected(kube):
    response = kube.http("PATCH", "/api/v1/namespaces/default/configmaps/a", json_body=cm(k="v"),
                         content_type="application/apply-patch+yaml")
    assert response.status_code == 422 and "fieldManager" in response.json()["message"]


def test_reapplying_the_same_configuration_is_a_no_op(kube_client):
    first = kube_client.apply(ConfigMap.from_dict(cm(k="v")), field_manager="dockyard")
    second = kube_client.apply(ConfigMap.from_dict(cm(k="v")), field_manager="dockyard")
    assert second.metadata.resourceVersion == first.metadata.resourceVersion


def test_fields_a_manager_stops_applying_are_removed(kube_client):
    kube_client.apply(ConfigMap.from_dict(cm(a="1", b="2")), field_manager="dockyard")
    after = kube_client.apply(ConfigMap.from_dict(cm(a="1")), field_manager="dockyard")
    assert after.data == {"a": "1"}


def test_fields_another_manager_also_owns_survive_removal(kube_client):
    kube_client.apply(ConfigMap.from_dict(cm(a="1", b="2")), field_manager="dockyard")
    kube_client.apply(ConfigMap.from_dict(cm(b="2")), field_manager="other")
    after = kube_client.apply(ConfigMap.from_dict(cm(a="1")), field_manager="dockyard")
    assert after.data == {"a": "1", "b": "2"}
    assert owned(after, "other") == {"f:data": {"f:b": {}}}


def test_fields_set_by_an_update_manager_are_not_removed_by_apply(kube_client):
    kube_client.apply(ConfigMap.from_dict(cm(a="1")), field_manager="dockyard")
    kube_client.patch(ConfigMap, "a", {"data": {"extra": "x"}}, namespace="default", field_manager="kubectl-edit")
    after = kube_client.apply(ConfigMap.from_dict(cm(a="2")), field_manager="dockyard")
    assert after.data == {"a": "2", "extra": "x"}


def test_applying_a_field_owned_by_another_manager_with_another_value_conflicts(kube_client):
    kube_client.apply(Deployment.from_dict(deployment([{"name": "web", "image": "nginx:1"}], replicas=2)),
                      field_manager="dockyard")
    kube_client.patch(Deployment, "web", {"spec": {"replicas": 5}}, namespace="default",
                      field_manager="hpa-controller")
    with pytest.raises(ApiError) as e:
        kube_client.apply(Deployment.from_dict(deployment([{"name": "web", "image": "nginx:1"}], replicas=3)),
                          field_manager="dockyard")
    status = e.value.status
    assert status.code == 409 and status.reason == "Conflict"
    assert status.message == 'Apply failed with 1 conflict: conflict with "hpa-controller" using apps/v1: .spec.replicas'
    assert status.details.causes[0].field == ".spec.replicas"
    assert status.details.causes[0].reason == "FieldManagerConflict"


def test_applying_the_same_value_as_another_owner_shares_ownership(kube_client):
    kube_client.apply(ConfigMap.from_dict(cm(k="v")), field_manager="one")
    shared = kube_client.apply(ConfigMap.from_dict(cm(k="v")), field_manager="two")
    assert owned(shared, "one") == owned(shared, "two") == {"f:data": {"f:k": {}}}


def test_force_takes_ownership_from_the_other_manager(kube_client):
    kube_client.apply(ConfigMap.from_dict(cm(k="v")), field_manager="one")
    forced = kube_client.apply(ConfigMap.from_dict(cm(k="w")), field_manager="two", force=True)
    assert forced.data == {"k": "w"}
    assert [e.manager for e in forced.metadata.managedFields] == ["two"]


def test_containers_env_and_ports_merge_by_their_keys(kube_client):
    kube_client.apply(Deployment.from_dict(deployment([
        {"name": "web", "image": "nginx:1", "env": [{"name": "A", "value": "1"}],
         "ports": [{"containerPort": 80}]}])), field_manager="dockyard")
    kube_client.apply(Deployment.from_dict(deployment([
        {"name": "sidecar", "image": "envoy:1"},
        {"name": "web", "env": [{"name": "B", "value": "2"}]}])), field_manager="injector")
    live = kube_client.get(Deployment, "web", namespace="default")
    containers = {c.name: c for c in live.spec.template.spec.containers}
    assert set(containers) == {"web", "sidecar"}
    assert [e.name for e in containers["web"].env] == ["A", "B"]
    assert containers["web"].image == "nginx:1"
    assert containers["web"].ports[0].containerPort == 80
    fields_v1 = owned(live, "dockyard")["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert fields_v1['k:{"name":"web"}']['f:ports'] == {'k:{"containerPort":80,"protocol":"TCP"}': {
        ".": {}, "f:containerPort": {}}}


def test_dropping_a_list_item_removes_it_when_nobody_else_owns_it(kube_client):
    kube_client.apply(Deployment.from_dict(deployment([
        {"name": "web", "image": "nginx:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}])),
        field_manager="dockyard")
    after = kube_client.apply(Deployment.from_dict(deployment([
        {"name": "web", "image": "nginx:1", "env": [{"name": "A", "value": "1"}]}])), field_manager="dockyard")
    assert [e.name for e in after.spec.template.spec.containers[0].env] == ["A"]


def test_atomic_lists_are_replaced_whole(kube_client):
    kube_client.apply(Deployment.from_dict(deployment([{"name": "web", "image": "x:1", "args": ["a", "b"]}])),
                      field_manager="dockyard")
    after = kube_client.apply(Deployment.from_dict(deployment([{"name": "web", "image": "x:1", "args": ["c"]}])),
                              field_manager="dockyard")
    assert after.spec.template.spec.containers[0].args == ["c"]


def test_service_ports_merge_by_port_and_protocol(kube_client):
    def svc(ports):
        return Service.from_dict({"apiVersion": "v1", "kind": "Service",
                                  "metadata": {"name": "web", "namespace": "default"},
                                  "spec": {"selector": {"app": "web"}, "ports": ports}})
    kube_client.apply(svc([{"name": "http", "port": 80}]), field_manager="dockyard")
    after = kube_client.apply(svc([{"name": "http", "port": 80}, {"name": "https", "port": 443}]),
                              field_manager="dockyard")
    assert [p.port for p in after.spec.ports] == [80, 443]
    assert after.spec.clusterIP, "the allocated clusterIP is kept across applies"


def test_apply_with_a_stale_resource_version_in_the_body_conflicts(kube_client):
    first = kube_client.apply(ConfigMap.from_dict(cm(k="1")), field_manager="dockyard")
    kube_client.apply(ConfigMap.from_dict(cm(k="2")), field_manager="dockyard")
    stale = cm(k="3")
    stale["metadata"]["resourceVersion"] = first.metadata.resourceVersion
    with pytest.raises(ApiError) as e:
        kube_client.apply(ConfigMap.from_dict(stale), field_manager="dockyard")
    assert e.value.status.code == 409


def test_dry_run_apply_returns_the_result_without_storing_it(kube, kube_client):
    kube_client.apply(ConfigMap.from_dict(cm(k="1")), field_manager="dockyard")
    before = kube.revision
    preview = kube_client.apply(ConfigMap.from_dict(cm(k="2")), field_manager="dockyard", dry_run=True)
    assert preview.data == {"k": "2"}
    assert kube_client.get(ConfigMap, "a", namespace="default").data == {"k": "1"}
    assert kube.revision == before
    assert kube.requests.writes()[-1].verb == "apply", "the real apply before is the last write"
    assert kube.requests[-2].dry_run and not kube.requests[-2].is_write


def test_dry_run_create_and_delete_store_nothing(kube, kube_client):
    kube.http("POST", "/api/v1/namespaces/default/configmaps", json_body=cm(k="1"), params={"dryRun": "All"})
    assert kube.store_get("ConfigMap", "a", "default") is None
    kube_client.create(ConfigMap.from_dict(cm(k="1")))
    kube.http("DELETE", "/api/v1/namespaces/default/configmaps/a", params={"dryRun": "All"})
    assert kube.store_get("ConfigMap", "a", "default") is not None


def test_merge_patch_strategic_patch_and_json_patch(kube_client):
    kube_client.apply(Deployment.from_dict(deployment([{"name": "web", "image": "nginx:1",
                                                        "env": [{"name": "A", "value": "1"}]}])),
                      field_manager="dockyard")
    strategic = kube_client.patch(Deployment, "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "env": [{"name": "B", "value": "2"}]}]}}}}, namespace="default")
    assert [e.name for e in strategic.spec.template.spec.containers[0].env] == ["A", "B"]
    merged = kube_client.patch(Deployment, "web", {"metadata": {"labels": {"x": "1"}}}, namespace="default",
                               patch_type=PatchType.MERGE)
    assert merged.metadata.labels == {"x": "1"}
    replaced = kube_client.patch(Deployment, "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "other", "image": "busybox"}]}}}}, namespace="default", patch_type=PatchType.MERGE)
    assert [c.name for c in replaced.spec.template.spec.containers] == ["other"], "merge patch replaces lists"
    patched = kube_client.patch(Deployment, "web", [{"op": "replace", "path": "/spec/replicas", "value": 4}],
                                namespace="default", patch_type=PatchType.JSON)
    assert patched.spec.replicas == 4


def test_update_takes_ownership_of_changed_fields(kube_client):
    kube_client.apply(ConfigMap.from_dict(cm(k="1", j="1")), field_manager="dockyard")
    after = kube_client.patch(ConfigMap, "a", {"data": {"k": "2"}}, namespace="default", field_manager="editor")
    assert owned(after, "dockyard") == {"f:data": {"f:j": {}}}
    assert owned(after, "editor") == {"f:data": {"f:k": {}}}


WIDGETS = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
             "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                 "type": "object", "properties": {"spec": {"type": "object", "properties": {
                     "files": {"type": "array", "items": {"type": "object", "properties": {
                         "name": {"type": "string"}}}},
                     "ports": {"type": "array", "x-kubernetes-list-type": "map",
                               "x-kubernetes-list-map-keys": ["name"], "items": {"type": "object", "properties": {
                                   "name": {"type": "string"}, "port": {"type": "integer"}}}}}}}}}}]},
}


def test_custom_resource_lists_are_atomic_unless_the_schema_says_map(kube):
    kube.store_put(WIDGETS)
    path = "/apis/example.com/v1/namespaces/default/widgets/w"

    def apply(manager: str, spec: dict, **params: str):
        body = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec}
        return kube.http("PATCH", path, json_body=body, content_type="application/apply-patch+yaml",
                         params={"fieldManager": manager, **params})

    apply("one", {"files": [{"name": "a"}], "ports": [{"name": "http", "port": 80}]})
    conflict = apply("two", {"files": [{"name": "b"}], "ports": [{"name": "https", "port": 443}]})
    assert conflict.status_code == 409 and conflict.json()["details"]["causes"][0]["field"] == ".spec.files"
    after = apply("two", {"files": [{"name": "b"}], "ports": [{"name": "https", "port": 443}]}, force="true").json()
    assert after["spec"]["ports"] == [{"name": "http", "port": 80}, {"name": "https", "port": 443}]
    assert after["spec"]["files"] == [{"name": "b"}], "an atomic list belongs to its last applier"
