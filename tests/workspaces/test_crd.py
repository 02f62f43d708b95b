"""The Workspace CRD against the code: what ``workspace create`` stores and every status the engine writes
fit its schema (nulls only where the schema says ``nullable``), and the printer columns point at fields
the status has."""

from __future__ import annotations

from importlib import resources

import jsonschema
import pytest
import yaml

from dockyard.manifests.workspace import WorkspaceSpec, workspace_resource
from dockyard.reconcile import workspaces
from tests.workspaces.conftest import make_environment, put_service

GV = "dockyard.dev/v1alpha1"


def crd() -> dict:
    return yaml.safe_load(resources.files("dockyard").joinpath("deploy", "crds", "workspace.yaml").read_text())


def as_jsonschema(node):
    """OpenAPI v3 as the API server reads it: ``nullable`` admits null; Kubernetes-only keywords dropped."""
    if isinstance(node, list):
        return [as_jsonschema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: as_jsonschema(v) for k, v in node.items() if not k.startswith("x-kubernetes") and k != "nullable"}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


@pytest.fixture
def schema() -> dict:
    return as_jsonschema(crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"])


def test_the_resource_workspace_create_stores_fits_the_schema(schema):
    ws = WorkspaceSpec.from_resource("alice", "ws-alice", {
        "environment": "dev", "image": "devbox:1", "command": ["sleep", "1d"], "args": ["-x"], "env": {"A": "1"},
        "workingDir": "/src", "home": {"size": "5Gi", "storageClassName": "fast"},
        "resources": {"requests": {"cpu": "500m"}, "limits": {"memory": "2Gi"}}})
    jsonschema.validate(workspace_resource(ws), schema)


def test_every_status_the_engine_writes_fits_the_schema(kube, client, schema):
    make_environment(kube, client, "dev")
    put_service(kube, "postgres", "dev", [5432])
    put_service(kube, "api", "dev", [80, 8080])
    workspaces.create(client, WorkspaceSpec.from_resource("alice", "ws-alice", {"environment": "dev"}))
    seen = []
    for change in (lambda: None, lambda: workspaces.disconnect(client, "alice", "ws-alice"),
                   lambda: workspaces.connect(client, "alice", "ws-alice", "dev"),
                   lambda: kube.store_delete("Namespace", "env-dev")):
        change()
        live = kube.store_get("Workspace", "alice", "ws-alice", GV)
        seen.append(workspaces.reconcile(client, "alice", "ws-alice", live["spec"], live["metadata"]["generation"],
                                         previous=live.get("status")))
    assert [s["connectedEnvironment"] for s in seen] == ["dev", None, "dev", None]
    assert seen[0]["pod"] is None  # no pod yet: a null the schema must admit
    for status in seen:
        jsonschema.validate({**workspace_resource(WorkspaceSpec.from_resource("alice", "ws-alice", {})),
                             "status": status}, schema)


def test_the_printer_columns_read_fields_the_status_has():
    columns = {c["name"]: c["jsonPath"] for c in crd()["spec"]["versions"][0]["additionalPrinterColumns"]}
    assert columns == {"Environment": ".status.connectedEnvironment",
                       "Ready": '.status.conditions[?(@.type=="Ready")].status',
                       "Image": ".spec.image", "Age": ".metadata.creationTimestamp"}
