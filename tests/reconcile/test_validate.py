"""Validation before the first write: every problem is found, and named."""

import copy

from dockyard.manifests.result import Rendered
from dockyard.reconcile.validate import problems

from .factory import Svc, rendered


def _with(r, mutate):
    objects = copy.deepcopy(list(r.objects))
    mutate(objects)
    return Rendered(r.environment, tuple(objects), r.services)


def test_a_valid_rendering_has_no_problems():
    r = rendered([Svc("web", secret_keys=["DB_PASSWORD"], config_keys=["TAG"])])
    assert problems(r, {"TAG": "1"}, {"DB_PASSWORD"}) == []


def test_missing_env_keys_are_named_with_the_command_that_sets_them():
    r = rendered([Svc("web", secret_keys=["DB_PASSWORD"], config_keys=["TAG"])])
    found = problems(r, {}, set())
    assert any("secret set DB_PASSWORD --env dev" in p for p in found)
    assert any("uses env config TAG" in p for p in found)


def test_bad_names_ports_and_namespaces_are_all_reported_at_once():
    def break_things(objects):
        objects[0]["metadata"]["name"] = "Web_1"
        objects[0]["spec"]["ports"][0]["port"] = 70000
        objects[1]["metadata"]["namespace"] = "kube-system"

    found = problems(_with(rendered([Svc("web")]), break_things), {}, set())
    assert len(found) == 3
    assert any("not a valid DNS label" in p for p in found)
    assert any("70000" in p for p in found)
    assert any("kube-system" in p for p in found)


def test_a_key_reference_missing_from_env_config_or_a_rendered_object_names_the_key_the_object_and_the_fix():
    def reference_keys(objects):
        container = objects[-1]["spec"]["template"]["spec"]["containers"][0]
        container["env"] = [
            {"name": "TAG", "valueFrom": {"configMapKeyRef": {"name": "env-config", "key": "TAG"}}},
            {"name": "SITE", "valueFrom": {"configMapKeyRef": {"name": "site", "key": "nginx.conf"}}},
            {"name": "OPT", "valueFrom": {"configMapKeyRef": {"name": "env-config", "key": "OPT", "optional": True}}},
        ]
        objects.insert(0, {"apiVersion": "v1", "kind": "ConfigMap", "data": {"other.conf": ""},
                           "metadata": {"name": "site", "namespace": "env-dev", "labels": objects[0]["metadata"]
                                        ["labels"]}})

    found = problems(_with(rendered([Svc("web")]), reference_keys), {}, set())
    assert found == [
        "Deployment web uses key TAG of ConfigMap env-config, which does not have it; "
        "set it with: dockyard vars set TAG --env dev",
        "Deployment web uses key nginx.conf of ConfigMap site, which does not have it",
    ]
    assert problems(_with(rendered([Svc("web")]), reference_keys), {"TAG": "1"}, set()) == [
        "Deployment web uses key nginx.conf of ConfigMap site, which does not have it"]
