"""``config``'s one-pass writers print what the two-pass path printed: YAML as a reordered printable copy
(``_yaml_shape``) written by ``_dump_yaml``, whichever of them falls back to PyYAML; JSON as
``json.dumps`` of a printable copy with Go's struct rules applied in place."""

from __future__ import annotations

import copy
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.compose.serialize import _dump_yaml, _printable, _yaml_shape, config_tree, to_json, to_yaml

texts = st.sampled_from(["web", "8080", "1.5", "no", "$HOME", "a$$b", "${X}", "a: b", "x\ny", "", "é", "a #b"]) | st.text(
    alphabet="ab$:\n #", max_size=5
)
scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([1.0, 2.5, -0.0, 1e20, float("inf")]) | texts
keys = st.sampled_from(
    ["test", "interval", "timeout", "target", "published", "mode", "limits", "cpus", "memory", "source", "type",
     "name", "x-note", "labels", "zeta", "alpha"]
) | texts
trees = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4), max_leaves=20
)
service_keys = st.sampled_from(
    ["image", "ports", "deploy", "healthcheck", "environment", "labels", "command", "x-custom", "build", "develop",
     "ulimits", "depends_on", "zz"]
)
services = st.dictionaries(st.sampled_from(["web", "db", "w$b"]), st.dictionaries(service_keys, trees, max_size=6),
                           max_size=3)
documents = st.fixed_dictionaries(
    {"services": services},
    optional={"name": texts, "secrets": st.dictionaries(keys, trees, max_size=2), "x-top": trees,
              "configs": st.dictionaries(keys, trees, max_size=2), "models": trees},
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_any_project_prints_like_the_two_pass_path(tree):
    assert to_yaml(tree) == _dump_yaml(_yaml_shape(config_tree(tree)), sort_keys=False)


def test_services_with_the_same_keys_in_different_orders_print_in_compose_order():
    tree = {"services": {"a": {"ports": [{"target": 1, "mode": "host"}], "image": "x", "build": {"context": "."}},
                         "b": {"image": "x", "build": {"context": "."}, "ports": [{"mode": "host", "target": 1}]}}}
    printed = to_yaml(tree)
    assert printed == _dump_yaml(_yaml_shape(config_tree(tree)), sort_keys=False)
    assert printed.count("build:\n      context: .\n    image: x\n    ports:\n      - mode: host\n        target: 1") == 2


def test_a_dollar_is_doubled_in_values_but_not_in_keys():
    tree = {"services": {"web": {"environment": {"A$B": "$x", "C": 1.0}}}}
    assert to_yaml(tree) == 'services:\n  web:\n    environment:\n      A$B: $$x\n      C: 1\n'


def go_struct_rules(tree: dict) -> dict:
    """The JSON rules as the two-pass path applied them, in place on a printable copy (the reference)."""
    for service in (tree.get("services") or {}).values():
        for key in [k for k in service if k.startswith("x-")]:
            del service[key]
        service.setdefault("command", None)
        service.setdefault("entrypoint", None)
        for port in service.get("ports") or []:
            for key in [k for k in port if k.startswith("x-")]:
                del port[key]
        for watch in (service.get("develop") or {}).get("watch") or []:
            if isinstance(watch, dict):
                watch.setdefault("exec", {"command": None})
        deploy = service.get("deploy")
        if isinstance(deploy, dict):
            deploy.setdefault("resources", {})
            deploy.setdefault("placement", {})
    for section in ("networks", "volumes", "secrets", "configs"):
        for resource in (tree.get(section) or {}).values():
            if isinstance(resource, dict):
                for key in [k for k in resource if k.startswith("x-")]:
                    del resource[key]
    for network in (tree.get("networks") or {}).values():
        if isinstance(network, dict):
            network.setdefault("ipam", {})
    return tree


json_services = st.dictionaries(
    st.sampled_from(["web", "db"]),
    st.fixed_dictionaries({}, optional={
        "image": texts, "x-a": trees, "command": trees,
        "ports": st.lists(st.dictionaries(st.sampled_from(["target", "x-p", "mode"]), scalars, max_size=3), max_size=2),
        "deploy": st.dictionaries(st.sampled_from(["resources", "placement", "replicas", "x-d"]), trees, max_size=3),
        "develop": st.fixed_dictionaries({}, optional={"watch": st.lists(
            st.dictionaries(st.sampled_from(["path", "exec", "x-w"]), trees, max_size=2) | texts, max_size=2)}),
        "environment": st.dictionaries(texts, scalars, max_size=3),
    }),
    max_size=2,
)
json_documents = st.fixed_dictionaries(
    {"services": json_services},
    optional={"name": texts, "x-top": trees,
              "networks": st.dictionaries(st.sampled_from(["front", "back"]),
                                          st.none() | st.dictionaries(st.sampled_from(["ipam", "x-n", "name"]), trees,
                                                                      max_size=2), max_size=2),
              "secrets": st.dictionaries(keys, st.dictionaries(keys, trees, max_size=2), max_size=2)},
)


@settings(max_examples=300, deadline=None)
@given(json_documents)
def test_any_project_prints_as_json_like_the_two_pass_path_and_stays_unchanged(tree):
    before = copy.deepcopy(tree)
    printed = to_json(tree)
    assert tree == before
    reference = go_struct_rules(_printable(config_tree(tree)))
    assert printed == json.dumps(reference, indent=2, sort_keys=True, ensure_ascii=False)


def test_a_long_lived_process_printing_many_projects_keeps_a_bounded_order_cache():
    from dockyard.compose.serialize import _OrderState

    for index in range(5000):
        to_yaml({"services": {f"svc{index}": {"image": "x", f"zz{index}": 1}}})
    assert all(len(state.children) <= 4096 and len(state.orders) <= 4096 for state in _OrderState.interned.values())
    assert to_yaml({"services": {"web": {"ports": [{"target": 1, "mode": "host"}], "image": "x"}}}) == (
        "services:\n  web:\n    image: x\n    ports:\n      - mode: host\n        target: 1\n")
