"""The Composition CRD: its API surface, and the engine's status documents fit its schema."""

import jsonschema

from dockyard.reconcile.composition import CompositionInput, build, crd
from dockyard.reconcile.status import STATES, ServiceStatus, composition_status


def _version():
    return crd()["spec"]["versions"][0]


def _openapi_to_jsonschema(node):
    """Drop the Kubernetes-only keywords so jsonschema can check a document against the schema."""
    if isinstance(node, dict):
        return {k: _openapi_to_jsonschema(v) for k, v in node.items() if not k.startswith("x-kubernetes")}
    if isinstance(node, list):
        return [_openapi_to_jsonschema(v) for v in node]
    return node


def test_the_crd_is_namespaced_in_dockyard_dev_with_a_status_subresource_and_columns():
    definition = crd()
    assert definition["metadata"]["name"] == "compositions.dockyard.dev"
    assert (definition["spec"]["group"], definition["spec"]["scope"]) == ("dockyard.dev", "Namespaced")
    assert "comp" in definition["spec"]["names"]["shortNames"]
    version = _version()
    assert version["name"] == "v1alpha1" and version["subresources"] == {"status": {}}
    assert [c["name"] for c in version["additionalPrinterColumns"]][:2] == ["Ready", "Services"]
    assert version["additionalPrinterColumns"][-1]["name"] == "Age"


def test_a_built_composition_and_every_status_the_engine_writes_fit_the_schema():
    schema = _openapi_to_jsonschema(_version()["schema"]["openAPIV3Schema"])
    cr, _ = build(CompositionInput(name="shop", environment="dev", compose_files=[("compose.yaml", "services: {}")],
                                   files={"a.bin": b"\xff"}, dotenv="A=1\n", variables={"A": "2"}))
    services = [ServiceStatus(name=f"s{i}", state=state, ports=("80/TCP",), dns_names=("s",), message="m")
                for i, state in enumerate(STATES)]
    cr["status"] = composition_status(services, generation=3, now="2026-01-01T00:00:00Z", error="bad")
    jsonschema.validate(cr, schema)
    assert cr["status"]["phase"] == "Invalid"
