"""The config digest rolls only referencing services and reveals nothing about values."""

from dockyard.reconcile.digest import config_digest


def test_the_digest_changes_only_when_a_referenced_value_changes():
    key = b"k" * 32
    base = config_digest(key, {"A": "1", "B": "2"}, {"S": "x"}, {"A"}, {"S"})
    assert config_digest(key, {"A": "1", "B": "changed"}, {"S": "x"}, {"A"}, {"S"}) == base
    assert config_digest(key, {"A": "2", "B": "2"}, {"S": "x"}, {"A"}, {"S"}) != base
    assert config_digest(key, {"A": "1", "B": "2"}, {"S": "y"}, {"A"}, {"S"}) != base


def test_the_digest_depends_on_the_key_and_contains_no_value():
    one = config_digest(b"a" * 32, {}, {"S": "hunter2"}, set(), {"S"})
    two = config_digest(b"b" * 32, {}, {"S": "hunter2"}, set(), {"S"})
    assert one != two
    assert "hunter2" not in one


def test_a_missing_key_digests_differently_from_an_empty_value():
    key = b"k" * 32
    assert config_digest(key, {}, {}, {"A"}, set()) != config_digest(key, {"A": ""}, {}, {"A"}, set())


def test_a_mounted_compose_secret_rolls_its_pods_through_the_keyed_digest_only():
    from dockyard.compose.model import FileObject, FileReference, Project, Service
    from dockyard.manifests.result import ANNOTATION_CONFIG_DIGEST, Environment
    from dockyard.manifests.translate import translate
    from dockyard.reconcile.engine import stamp_digests
    from dockyard.reconcile.environments import EnvironmentState

    def digest(content: bytes, key: bytes = b"k" * 32) -> str:
        project = Project(name="demo", working_dir="/p", services={"web": Service(
            name="web", image="nginx", secrets=(FileReference(source="api_key"),))},
            secrets={"api_key": FileObject(key="api_key", name="demo_api_key", file="/p/key.txt")}, files={"/p/key.txt": content})
        rendered = stamp_digests(translate(project, Environment("dev", composition="demo")), EnvironmentState("dev", digest_key=key))
        deployment = next(o for o in rendered.objects if o["kind"] == "Deployment")
        return deployment["spec"]["template"]["metadata"]["annotations"][ANNOTATION_CONFIG_DIGEST]

    assert digest(b"hunter2") == digest(b"hunter2") != digest(b"hunter3")
    assert digest(b"hunter2") != digest(b"hunter2", key=b"x" * 32)
