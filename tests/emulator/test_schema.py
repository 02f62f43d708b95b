"""Custom resources are pruned, defaulted and validated by their CRD's structural schema."""

from __future__ import annotations

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
             "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object", "required": ["spec"], "properties": {
                               "spec": {"type": "object", "required": ["size"], "properties": {
                                   "size": {"type": "integer"},
                                   "mode": {"type": "string", "enum": ["fast", "safe"], "default": "safe"},
                                   "items": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                                   "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                                   "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}},
                               "status": {"type": "object", "properties": {"phase": {"type": "string"}}}}}}}]},
}
PATH = "/apis/example.com/v1/namespaces/default/widgets"


def create(kube, spec: dict):
    return kube.http("POST", PATH, json_body={"apiVersion": "example.com/v1", "kind": "Widget",
                                              "metadata": {"name": "w"}, "spec": spec})


def test_unknown_fields_are_dropped_and_defaults_filled_in(kube):
    kube.store_put(CRD)
    created = create(kube, {"size": 1, "typo": True, "labels": {"a": "b"}, "free": {"anything": [1]}}).json()
    assert created["spec"] == {"size": 1, "mode": "safe", "labels": {"a": "b"}, "free": {"anything": [1]}}


def test_schema_violations_are_422_with_field_paths(kube):
    kube.store_put(CRD)
    response = create(kube, {"size": "big", "mode": "slow", "items": []})
    assert response.status_code == 422
    causes = {c["field"]: c["message"] for c in response.json()["details"]["causes"]}
    assert causes["spec.size"] == 'Invalid value: "string": spec.size in body must be of type integer: "string"'
    assert causes["spec.mode"] == 'Unsupported value: "slow": supported values: "fast", "safe"'
    assert "should have at least 1 items" in causes["spec.items"]
    missing = kube.http("POST", PATH, json_body={"apiVersion": "example.com/v1", "kind": "Widget",
                                                 "metadata": {"name": "w"}})
    assert {c["field"] for c in missing.json()["details"]["causes"]} == {"spec"}
