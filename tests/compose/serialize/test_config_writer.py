"""``config``'s one-pass YAML writer prints what the two-pass path prints (a reordered printable copy,
``_yaml_shape``, written by ``_dump_yaml``), for any tree and whichever of them falls back to PyYAML."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.compose.serialize import _dump_yaml, _yaml_shape, config_tree, to_yaml

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
