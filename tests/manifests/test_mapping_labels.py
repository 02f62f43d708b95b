"""Labels and annotations: dockyard's standard labels, compose labels split by Kubernetes syntax, reserved keys."""

from dockyard.compose.model import ServiceVolume, Volume
from dockyard.manifests.labels import split_user_labels
from manifest_builders import env, one, render, service

STANDARD = {"app.kubernetes.io/managed-by": "dockyard", "app.kubernetes.io/part-of": "shop",
            "dockyard.dev/composition": "shop", "dockyard.dev/environment": "dev"}


def test_every_object_carries_the_standard_labels_and_service_objects_their_service():
    rendered = render(service("Web_App", volumes=(ServiceVolume(type="volume", source="d", target="/d"),)),
                      volumes={"d": Volume(key="d", name="shop_d")}, environment=env(composition="shop"))
    for obj in rendered.objects:
        labels = obj["metadata"]["labels"]
        assert STANDARD.items() <= labels.items()
        if obj["kind"] != "PersistentVolumeClaim":
            assert labels["app.kubernetes.io/name"] == labels["dockyard.dev/service"] == "web-app"


def test_valid_compose_labels_become_labels_and_the_rest_annotations():
    rendered = render(service(labels={"tier": "front", "com.example/description": "A web server, with spaces"},
                              annotations={"example.com/owner": "team a"}))
    deployment = one(rendered, "Deployment")
    assert deployment["metadata"]["labels"]["tier"] == "front"
    assert deployment["metadata"]["annotations"] == {"com.example/description": "A web server, with spaces",
                                                     "example.com/owner": "team a"}
    template = deployment["spec"]["template"]["metadata"]
    assert template["labels"]["tier"] == "front"
    assert template["annotations"]["example.com/owner"] == "team a"


def test_deploy_labels_go_on_the_workload():
    from dockyard.compose.model import Deploy

    deployment = one(render(service(deploy=Deploy(labels={"team": "payments"}))), "Deployment")
    assert deployment["metadata"]["labels"]["team"] == "payments"


def test_user_labels_cannot_override_dockyards_labels():
    rendered = render(service(labels={"dockyard.dev/service": "evil", "app.kubernetes.io/managed-by": "me"}))
    labels = one(rendered, "Deployment")["metadata"]["labels"]
    assert labels["dockyard.dev/service"] == "web" and labels["app.kubernetes.io/managed-by"] == "dockyard"
    assert sum("reserved" in w.message for w in rendered.warnings) == 2


def test_split_user_labels_rejects_keys_that_are_not_even_annotation_keys():
    labels, annotations, rejected = split_user_labels({"ok": "1", "bad key": "x", "long": "v" * 80})
    assert labels == {"ok": "1"} and annotations == {"long": "v" * 80} and rejected == ["bad key"]
