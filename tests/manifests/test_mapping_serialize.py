"""The YAML emitter: whatever it writes, a YAML reader reads back as the same objects."""

import json

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.manifests.serialize import dump, to_json, to_yaml, yaml_documents

scalars = st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none())
keys = st.text(min_size=1, max_size=20)
trees = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=20)
objects = st.lists(st.dictionaries(keys, trees, min_size=1, max_size=5), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(objects)
def test_yaml_output_reads_back_as_the_same_objects(docs):
    assert list(yaml.safe_load_all(to_yaml(docs))) == docs


@settings(max_examples=60, deadline=None)
@given(objects)
def test_json_output_is_a_list_of_the_same_objects(docs):
    assert json.loads(to_json(docs))["items"] == docs


json_scalars = scalars | st.floats() | st.sampled_from(["\u2028", "é", "\x00\"\\\n", "😀"])
json_trees = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=25
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(keys, json_trees, max_size=5), max_size=3))
def test_json_output_is_what_the_stdlib_prints_byte_for_byte(docs):
    expected = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}, indent=2, ensure_ascii=False) + "\n"
    assert to_json(docs) == expected


def test_json_output_of_other_types_is_left_to_the_stdlib():
    docs = [{"ports": (1, 2), "ids": {3: "three"}, "flag": {None: True}}]
    expected = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}, indent=2, ensure_ascii=False) + "\n"
    assert to_json(docs) == expected


def test_strings_that_look_like_other_types_are_quoted():
    text = to_yaml([{"v": ["yes", "on", "1.0", "0777", "1:20", "null", "~", "", "-", "a: b", "x #y", "nginx:1.27", "/bin/sh"]}])
    assert '"yes"' in text and '"0777"' in text and '"1:20"' in text and '"a: b"' in text
    assert "- nginx:1.27\n" in text and "- /bin/sh\n" in text


def test_documents_start_with_a_marker_and_keep_key_order():
    assert to_yaml([{"apiVersion": "v1", "kind": "Service"}, {"b": 1, "a": 2}]) == "---\napiVersion: v1\nkind: Service\n---\nb: 1\na: 2\n"


def test_dump_refuses_unknown_formats():
    import pytest

    with pytest.raises(ValueError):
        dump([], "toml")


@given(st.lists(st.dictionaries(keys, trees, max_size=5), max_size=4))
def test_the_documents_written_one_by_one_join_into_the_stream(docs):
    documents = yaml_documents(docs)
    assert len(documents) == len(docs) and all(d.startswith("---\n") for d in documents)
    assert "".join(documents) == to_yaml(docs)
