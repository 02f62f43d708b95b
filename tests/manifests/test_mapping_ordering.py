"""Apply order, depends_on kept for the reconciler, dependency cycles, byte-identical output."""

import pytest

from dockyard.compose.model import Dependency, FileObject, FileReference, ServiceVolume, Volume
from dockyard.errors import TranslationError
from dockyard.manifests.serialize import to_json, to_yaml
from manifest_builders import render, service


def _project():
    return dict(
        volumes={"data": Volume(key="data", name="demo_data")},
        secrets={"s": FileObject(key="s", name="demo_s", content=None, file="/project/s")},
        files={"/project/s": b"x"},
    )


def _services():
    return (
        service("web", depends_on={"api": Dependency()}),
        service("api", depends_on={"db": Dependency(condition="service_healthy"), "cache": Dependency()}),
        service("db", volumes=(ServiceVolume(type="volume", source="data", target="/d"),), secrets=(FileReference(source="s"),)),
        service("cache", environment={"A": "1"}, env_files=()),
        service("alone"),
    )


def test_objects_come_in_apply_order_and_workloads_in_dependency_order():
    rendered = render(*_services(), **_project())
    kinds = [o["kind"] for o in rendered.objects]
    assert kinds == sorted(kinds, key=["ConfigMap", "Secret", "PersistentVolumeClaim", "Service", "Deployment"].index)
    workloads = [o["metadata"]["name"] for o in rendered.objects if o["kind"] == "Deployment"]
    assert workloads == ["alone", "cache", "db", "api", "web"]


def test_depends_on_is_kept_on_the_rendered_services():
    rendered = render(*_services(), **_project())
    assert rendered.services["api"].depends_on["db"].condition == "service_healthy"


def test_a_dependency_cycle_is_an_error_naming_the_services():
    with pytest.raises(TranslationError, match="cycle among services a, b"):
        render(service("a", depends_on={"b": Dependency()}), service("b", depends_on={"a": Dependency()}))


def test_output_is_byte_identical_across_runs_and_input_order():
    first = render(*_services(), **_project())
    second = render(*reversed(_services()), **_project())
    assert to_yaml(first.objects) == to_yaml(second.objects)
    assert to_json(first.objects) == to_json(second.objects)


def test_yaml_output_has_no_anchors_and_keeps_kubernetes_key_order():
    from dockyard.compose.model import Healthcheck

    text = to_yaml(render(service(healthcheck=Healthcheck(test=("CMD", "true")))).objects)
    assert "&id" not in text and "*id" not in text
    assert text.startswith("---\napiVersion: v1\nkind: Service\nmetadata:\n")
