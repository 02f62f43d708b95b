"""``config``'s YAML writer prints exactly what PyYAML prints with compose's dumper settings
(``serialize._pyyaml_dump``): it only exists to be faster."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.compose.serialize import _dump_yaml, _pyyaml_dump

words = st.sampled_from(
    ["web", "nginx:1.27", "8080", "0.5", "true", "no", "~", "null", "2001-12-14", "<<", "=", "-", "- x", "a: b",
     "a #b", "a#b", "#x", "x:", " lead", "trail ", "curl -f http://h/ || exit 1", "$$HOME", "é", "a\nb", "a\n",
     "\n", "", "'q'", '"q"', "a\\b", "[x]", "{y}", "*a", "&b", "!t", "%p", "@at", "`b`", "?q", "|l", ">f",
     "1e3", "0x1F", "0o17", "+1", ".5", "1_000", "NaN", ".inf", "Yes", "a  b", "\t", "x\u2028y", "\x85"]
)
texts = words | st.text(max_size=8) | st.text(alphabet="ab :#-\n'\"", max_size=6)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | texts
trees = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(texts, trees, max_size=5), st.booleans())
def test_any_tree_prints_like_pyyaml(document, sort_keys):
    assert _dump_yaml(document, sort_keys=sort_keys) == _pyyaml_dump(document, sort_keys=sort_keys)


def test_a_container_met_twice_gets_pyyaml_anchors():
    shared = {"a": 1}
    document = {"x": shared, "y": [shared], "z": []}
    assert _dump_yaml(document, sort_keys=False) == _pyyaml_dump(document, sort_keys=False)
    assert "&id001" in _dump_yaml(document, sort_keys=False)


def test_block_scalars_are_indented_at_every_depth():
    document = {"a": {"b": ["x\ny\n", {"c": "p\n\nq"}], "d": [["m\nn"]]}, "long": "k" * 130}
    assert _dump_yaml(document, sort_keys=False) == _pyyaml_dump(document, sort_keys=False)


def test_a_block_scalar_keeping_its_trailing_newlines_ends_the_document_only_when_it_is_last():
    for document in ({"web": ["\n", None]}, {"web": "x\n\n"}, {"a": {"b": "\n"}, "c": 1}):
        printed = _dump_yaml(document, sort_keys=False)
        assert printed == _pyyaml_dump(document, sort_keys=False)
        assert printed.count("...") == (1 if printed.endswith("...\n") else 0)
