"""``serialize.indented_json`` prints exactly what ``json.dumps(indent=2, sort_keys=sort_keys,
ensure_ascii=False)`` prints, for any tree of JSON values (it only exists to be faster)."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.compose.serialize import indented_json


def stdlib(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
trees = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_any_json_tree_prints_like_the_stdlib(tree):
    assert indented_json(tree) == stdlib(tree)


def test_special_floats_unicode_and_escapes_print_like_the_stdlib():
    tree = {"é": ["\u2028", "\x00\"\\\n", math.inf, -math.inf, 1e100, -0.0, 2**70], "": {}, "a": [[], {}]}
    assert indented_json(tree) == stdlib(tree)


def test_trees_with_other_types_are_left_to_the_stdlib():
    tree = {"ports": (1, 2), "ints": {3: "three", 1: "one"}, "nested": {None: True}}
    assert indented_json(tree) == json.dumps(tree, indent=2, sort_keys=True, ensure_ascii=False)


@settings(max_examples=200, deadline=None)
@given(trees)
def test_any_json_tree_prints_like_the_stdlib_in_its_own_key_order_too(tree):
    assert indented_json(tree, sort_keys=False) == json.dumps(tree, indent=2, ensure_ascii=False)
