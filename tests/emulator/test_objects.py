"""Object metadata, CRUD, optimistic concurrency, namespaces, selectors and discovery over real lightkube calls."""

from __future__ import annotations

import pytest
from lightkube import ApiError, operators
from lightkube.types import PatchType
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import ConfigMap, Event, Namespace, Service

from tests.emulator.emulator import KubeEmulator


def configmap(name: str, namespace: str = "default", labels: dict | None = None, **data: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, namespace=namespace, labels=labels), data=data)


def deployment(name: str, image: str = "nginx:1.27", replicas: int | None = None) -> dict:
    spec: dict = {"selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}},
                               "spec": {"containers": [{"name": name, "image": image}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
            "spec": spec}


def test_created_objects_get_uid_resource_version_timestamp_and_managed_fields(kube_client):
    created = kube_client.create(configmap("a", k="v"))
    assert created.metadata.uid
    assert int(created.metadata.resourceVersion) > 0
    assert created.metadata.creationTimestamp is not None
    assert created.metadata.managedFields[0].manager == "test"
    assert created.metadata.managedFields[0].operation == "Update"
    assert created.metadata.generation is None
    fetched = kube_client.get(ConfigMap, "a", namespace="default")
    assert fetched.metadata.resourceVersion == created.metadata.resourceVersion


def test_resource_versions_come_from_one_increasing_counter_across_kinds(kube_client):
    first = kube_client.create(configmap("a"))
    second = kube_client.create(Namespace(metadata=ObjectMeta(name="other")))
    third = kube_client.patch(ConfigMap, "a", {"data": {"x": "y"}}, namespace="default")
    assert int(first.metadata.resourceVersion) < int(second.metadata.resourceVersion) \
        < int(third.metadata.resourceVersion)


def test_creating_twice_is_already_exists(kube_client):
    kube_client.create(configmap("a"))
    with pytest.raises(ApiError) as e:
        kube_client.create(configmap("a"))
    assert e.value.status.code == 409 and e.value.status.reason == "AlreadyExists"


def test_get_of_a_missing_object_is_not_found_status(kube_client):
    with pytest.raises(ApiError) as e:
        kube_client.get(ConfigMap, "nope", namespace="default")
    assert e.value.status.code == 404
    assert e.value.status.reason == "NotFound"
    assert e.value.status.message == 'configmaps "nope" not found'
    assert e.value.status.details.name == "nope"


def test_creating_in_a_missing_namespace_is_not_found(kube_client):
    with pytest.raises(ApiError) as e:
        kube_client.create(configmap("a", namespace="ghost"))
    assert e.value.status.code == 404 and e.value.status.message == 'namespaces "ghost" not found'


def test_namespace_creation_adds_the_name_label_and_active_phase(kube_client):
    ns = kube_client.create(Namespace(metadata=ObjectMeta(name="env-a")))
    assert ns.metadata.labels["kubernetes.io/metadata.name"] == "env-a"
    assert ns.status.phase == "Active"


def test_update_with_a_stale_resource_version_is_a_conflict(kube_client):
    created = kube_client.create(configmap("a", k="1"))
    kube_client.patch(ConfigMap, "a", {"data": {"k": "2"}}, namespace="default")
    created.data = {"k": "3"}
    with pytest.raises(ApiError) as e:
        kube_client.replace(created)
    assert e.value.status.code == 409 and e.value.status.reason == "Conflict"
    assert "the object has been modified" in e.value.status.message


def test_patch_carrying_a_stale_resource_version_is_a_conflict(kube_client):
    created = kube_client.create(configmap("a", k="1"))
    kube_client.patch(ConfigMap, "a", {"data": {"k": "2"}}, namespace="default")
    with pytest.raises(ApiError) as e:
        kube_client.patch(ConfigMap, "a", {"metadata": {"resourceVersion": created.metadata.resourceVersion},
                                           "data": {"k": "3"}}, namespace="default")
    assert e.value.status.code == 409


def test_update_with_the_current_resource_version_succeeds(kube_client):
    created = kube_client.create(configmap("a", k="1"))
    created.data = {"k": "2"}
    replaced = kube_client.replace(created)
    assert replaced.data == {"k": "2"}
    assert int(replaced.metadata.resourceVersion) > int(created.metadata.resourceVersion)


def test_a_write_that_changes_nothing_keeps_the_resource_version(kube_client):
    created = kube_client.create(configmap("a", k="1"))
    same = kube_client.patch(ConfigMap, "a", {"data": {"k": "1"}}, namespace="default")
    assert same.metadata.resourceVersion == created.metadata.resourceVersion


def test_generation_is_bumped_by_spec_changes_only(kube_client):
    created = kube_client.apply(Deployment.from_dict(deployment("web")), field_manager="a")
    assert created.metadata.generation == 1
    labelled = kube_client.patch(Deployment, "web", {"metadata": {"labels": {"x": "y"}}}, namespace="default")
    assert labelled.metadata.generation == 1
    scaled = kube_client.patch(Deployment, "web", {"spec": {"replicas": 3}}, namespace="default")
    assert scaled.metadata.generation == 2


def test_server_defaults_are_filled_in_like_a_real_cluster(kube_client):
    dep = kube_client.apply(Deployment.from_dict(deployment("web")), field_manager="a")
    assert dep.spec.replicas == 1
    assert dep.spec.strategy.rollingUpdate.maxSurge == "25%"
    assert dep.spec.template.spec.containers[0].imagePullPolicy == "IfNotPresent"
    assert dep.spec.template.spec.restartPolicy == "Always"
    svc = kube_client.create(Service.from_dict({"apiVersion": "v1", "kind": "Service",
                                                "metadata": {"name": "web", "namespace": "default"},
                                                "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}))
    assert svc.spec.type == "ClusterIP"
    assert svc.spec.clusterIP.startswith("10.96.")
    assert svc.spec.ports[0].protocol == "TCP" and svc.spec.ports[0].targetPort == 80


def test_immutable_fields_are_rejected_as_invalid(kube_client):
    kube_client.apply(Deployment.from_dict(deployment("web")), field_manager="a")
    changed = deployment("web")
    changed["spec"]["selector"]["matchLabels"]["tier"] = "x"
    changed["spec"]["template"]["metadata"]["labels"]["tier"] = "x"
    with pytest.raises(ApiError) as e:
        kube_client.apply(Deployment.from_dict(changed), field_manager="a")
    assert e.value.status.code == 422 and "field is immutable" in e.value.status.message


def test_invalid_names_are_rejected(kube_client):
    with pytest.raises(ApiError) as e:
        kube_client.create(configmap("Bad_Name"))
    assert e.value.status.code == 422 and e.value.status.reason == "Invalid"


@pytest.mark.parametrize("selector, expected", [
    ("tier=web", ["a"]),
    ("tier==web", ["a"]),
    ("tier!=web", ["b", "c"]),
    ("tier in (web,db)", ["a", "b"]),
    ("tier notin (web,db)", ["c"]),
    ("tier", ["a", "b"]),
    ("!tier", ["c"]),
    ("tier=db,env=prod", ["b"]),
])
def test_list_filters_by_label_selector(kube, kube_client, selector, expected):
    kube_client.create(configmap("a", labels={"tier": "web"}))
    kube_client.create(configmap("b", labels={"tier": "db", "env": "prod"}))
    kube_client.create(configmap("c"))
    listed = kube.http("GET", "/api/v1/namespaces/default/configmaps", params={"labelSelector": selector}).json()
    assert [cm["metadata"]["name"] for cm in listed["items"]] == expected


def test_lightkube_selector_operators_reach_the_server(kube_client):
    kube_client.create(configmap("a", labels={"tier": "web"}))
    kube_client.create(configmap("b", labels={"tier": "db"}))
    chosen = kube_client.list(ConfigMap, namespace="default", labels={"tier": operators.not_in(["db"])})
    assert [cm.metadata.name for cm in chosen] == ["a"]
    assert [cm.metadata.name for cm in kube_client.list(ConfigMap, namespace="default",
                                                       labels={"tier": operators.exists()})] == ["a", "b"]


def test_list_across_namespaces_and_per_namespace(kube_client):
    kube_client.create(Namespace(metadata=ObjectMeta(name="other")))
    kube_client.create(configmap("a"))
    kube_client.create(configmap("b", namespace="other"))
    everywhere = kube_client.list(ConfigMap, namespace="*")
    assert sorted(cm.metadata.name for cm in everywhere) == ["a", "b"]
    assert [cm.metadata.name for cm in kube_client.list(ConfigMap, namespace="other")] == ["b"]
    assert int(everywhere.resourceVersion) >= 1


def test_field_selectors_on_name_namespace_and_event_involved_object(kube, kube_client):
    kube_client.create(configmap("a"))
    kube_client.create(configmap("b"))
    assert [c.metadata.name for c in kube_client.list(ConfigMap, namespace="*",
                                                      fields={"metadata.name": "b"})] == ["b"]
    cm = kube.store_get("ConfigMap", "a", "default")
    kube.emit_event(cm, "Changed", "something happened", type="Normal")
    events = list(kube_client.list(Event, namespace="default", fields={"involvedObject.name": "a",
                                                                          "involvedObject.kind": "ConfigMap"}))
    assert [e.reason for e in events] == ["Changed"]
    assert list(kube_client.list(Event, namespace="default", fields={"involvedObject.name": "b"})) == []


def test_unsupported_field_selector_is_a_bad_request(kube_client):
    with pytest.raises(ApiError) as e:
        list(kube_client.list(ConfigMap, namespace="default", fields={"data.k": "v"}))
    assert e.value.status.code == 400


def test_list_pages_with_limit_and_continue(kube, kube_client):
    for n in range(5):
        kube_client.create(configmap(f"cm{n}"))
    kube_client._client._client.timeout = 5
    response = kube.http("GET", "/api/v1/namespaces/default/configmaps", params={"limit": "2"})
    body = response.json()
    assert len(body["items"]) == 2 and body["metadata"]["continue"]
    rest = kube.http("GET", "/api/v1/namespaces/default/configmaps",
                     params={"limit": "10", "continue": body["metadata"]["continue"]}).json()
    assert [i["metadata"]["name"] for i in rest["items"]] == ["cm2", "cm3", "cm4"]


def test_unknown_resources_are_404_with_a_status_body(kube):
    response = kube.http("GET", "/apis/example.com/v1/widgets")
    assert response.status_code == 404
    assert response.json()["kind"] == "Status" and response.json()["reason"] == "NotFound"


def test_discovery_lists_core_groups_and_resources(kube):
    assert kube.http("GET", "/api").json()["versions"] == ["v1"]
    groups = {g["name"] for g in kube.http("GET", "/apis").json()["groups"]}
    assert {"apps", "batch", "networking.k8s.io", "coordination.k8s.io", "apiextensions.k8s.io"} <= groups
    apps = kube.http("GET", "/apis/apps/v1").json()
    names = {r["name"] for r in apps["resources"]}
    assert {"deployments", "deployments/status", "statefulsets", "daemonsets", "replicasets"} <= names


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
             "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object",
                                                          "x-kubernetes-preserve-unknown-fields": True}}}]},
}


def test_creating_a_crd_makes_its_resource_servable_with_status_subresource(kube, kube_client):
    Widget = create_namespaced_resource("example.com", "v1", "Widget", "widgets")
    with pytest.raises(ApiError):
        kube_client.create(Widget.from_dict({"metadata": {"name": "w", "namespace": "default"}, "spec": {}}))
    kube.http("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json_body=CRD)
    names = {r["name"] for r in kube.http("GET", "/apis/example.com/v1").json()["resources"]}
    assert names == {"widgets", "widgets/status"}
    created = kube_client.create(Widget.from_dict({"metadata": {"name": "w", "namespace": "default"},
                                                  "spec": {"size": 1}, "status": {"ignored": True}}))
    assert created.metadata.generation == 1
    assert created.status is None or "ignored" not in created.status
    with pytest.raises(ApiError) as e:
        kube_client.patch(Widget.Status, "w", {"status": {"phase": "Ready"}}, namespace="default")
    assert e.value.status.code == 415, "custom resources do not take strategic merge patches"
    kube_client.patch(Widget.Status, "w", {"status": {"phase": "Ready"}}, namespace="default",
                      patch_type=PatchType.MERGE)
    assert kube_client.get(Widget, "w", namespace="default").status == {"phase": "Ready"}
    assert [w.metadata.name for w in kube_client.list(Widget, namespace="*")] == ["w"]


def test_deleting_a_crd_removes_its_objects_and_endpoints(kube, kube_client):
    kube.http("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json_body=CRD)
    kube.http("POST", "/apis/example.com/v1/namespaces/default/widgets",
              json_body={"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})
    kube.http("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
    assert kube.http("GET", "/apis/example.com/v1/namespaces/default/widgets/w").status_code == 404
    assert kube.http("GET", "/apis/example.com/v1").status_code == 404


def test_cluster_scoped_crd_objects_have_no_namespace(kube):
    crd = {**CRD, "metadata": {"name": "gadgets.example.com"},
           "spec": {**CRD["spec"], "scope": "Cluster",
                    "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"}}}
    kube.http("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", json_body=crd)
    created = kube.http("POST", "/apis/example.com/v1/gadgets",
                        json_body={"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}})
    assert created.status_code == 201 and "namespace" not in created.json()["metadata"]
    assert kube.http("GET", "/apis/example.com/v1/namespaces/default/gadgets").status_code == 404


def test_emulator_starts_with_an_empty_request_log_and_no_server_errors(kube: KubeEmulator):
    assert list(kube.requests) == []
    kube.http("GET", "/api/v1/namespaces")
    assert [r.verb for r in kube.requests] == ["list"]
    assert kube.server_errors == []


def test_headless_and_cluster_ip_services_cannot_switch_but_external_name_can(kube_client):
    def svc(**spec):
        return Service.from_dict({"apiVersion": "v1", "kind": "Service",
                                  "metadata": {"name": "web", "namespace": "default"},
                                  "spec": {"ports": [{"port": 80}], **spec}})
    kube_client.apply(svc(selector={"app": "web"}), field_manager="a")
    with pytest.raises(ApiError) as e:
        kube_client.apply(svc(selector={"app": "web"}, clusterIP="None"), field_manager="a")
    assert e.value.status.code == 422 and "may not change once set" in e.value.status.message
    external = kube_client.apply(Service.from_dict({"apiVersion": "v1", "kind": "Service",
                                                    "metadata": {"name": "web", "namespace": "default"},
                                                    "spec": {"type": "ExternalName", "externalName": "db.example"}}),
                                 field_manager="a")
    assert external.spec.clusterIP is None


def test_verbs_a_resource_path_does_not_take_are_405(kube):
    assert kube.http("POST", "/api/v1/namespaces/default/configmaps/a", json_body={}).status_code == 405
    assert kube.http("PUT", "/api/v1/namespaces/default/configmaps", json_body={}).status_code == 405
    assert kube.http("DELETE", "/apis/apps/v1/namespaces/default/deployments/web/status").status_code == 405


def test_validation_rejects_what_a_real_server_rejects(kube_client):
    with pytest.raises(ApiError) as e:
        kube_client.create(ConfigMap(metadata=ObjectMeta(name="a", namespace="default"), data={"bad key": "x"}))
    assert e.value.status.code == 422 and "a valid config key" in e.value.status.message
    mismatched = deployment("web")
    mismatched["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    with pytest.raises(ApiError) as e:
        kube_client.create(Deployment.from_dict(mismatched))
    assert "selector` does not match template `labels`" in e.value.status.message
    with pytest.raises(ApiError) as e:
        kube_client.create(Service.from_dict({"apiVersion": "v1", "kind": "Service",
                                              "metadata": {"name": "two", "namespace": "default"},
                                              "spec": {"ports": [{"port": 80}, {"port": 443}]}}))
    assert "spec.ports[0].name: Required value" in e.value.status.message


def test_size_limits_of_bodies_objects_and_config_maps(kube, kube_client):
    huge = kube.http("POST", "/api/v1/namespaces/default/configmaps",
                     json_body={"metadata": {"name": "a"}, "data": {"k": "x" * (3 * 1024 * 1024)}})
    assert huge.status_code == 413 and huge.json()["reason"] == "RequestEntityTooLarge"
    with pytest.raises(ApiError) as e:
        kube_client.create(ConfigMap(metadata=ObjectMeta(name="a", namespace="default"),
                                     data={"k": "x" * (1024 * 1024 + 1)}))
    assert e.value.status.code == 422 and "Too long" in e.value.status.message
    big = kube.http("POST", "/api/v1/namespaces/default/serviceaccounts",
                    json_body={"metadata": {"name": "a", "labels": {"x": "y"}},
                               "secrets": [{"name": "s" * 200}] * 9000})
    assert big.status_code == 500 and big.json()["message"] == "etcdserver: request is too large"


def test_unknown_fields_of_built_in_kinds_are_dropped_with_a_warning(kube):
    body = deployment("web")
    body["spec"]["replicaz"] = 3
    body["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    response = kube.http("POST", "/apis/apps/v1/namespaces/default/deployments", json_body=body)
    assert response.status_code == 201
    assert "replicaz" not in response.json()["spec"]
    assert sorted(response.headers.get_list("Warning")) == [
        '299 - "unknown field \\"spec.replicaz\\""',
        '299 - "unknown field \\"spec.template.spec.containers[0].imagePullPolicyy\\""']


def test_wrong_json_types_are_a_bad_request(kube):
    body = deployment("web")
    body["spec"]["replicas"] = "three"
    response = kube.http("POST", "/apis/apps/v1/namespaces/default/deployments", json_body=body)
    assert response.status_code == 400
    assert response.json()["message"].startswith('Deployment in version "v1" cannot be handled as a Deployment')
