"""parse_yaml: go-yaml v3 typing, positions, merge keys, hostile input, !reset / !override."""

from __future__ import annotations

import gc
import os
import math

import pytest

from tests.conftest import load_oracle
from dockyard.compose.model import Location
from dockyard.compose.yamlload import parse_yaml
from dockyard.errors import YAMLError

SCALARS = load_oracle("compose-spec/yaml_scalars.json")["cases"]
GO_TYPES = {"string": str, "int": int, "float64": float, "bool": bool, "<nil>": type(None), "time.Time": str}


def as_oracle_json(value):
    """The oracle writes +Inf/-Inf/NaN as strings (JSON cannot hold them)."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return value


@pytest.mark.parametrize("case", SCALARS, ids=[c["scalar"] or "<empty>" for c in SCALARS])
def test_plain_scalar_is_typed_like_go_yaml(case):
    value = parse_yaml(f"k: {case['scalar']}\n", "t.yaml").data["k"]
    assert type(value) is GO_TYPES[case["go_type"]]
    assert as_oracle_json(value) == case["value"]


@pytest.mark.parametrize(("scalar", "value"), [
    ("30s", "30s"), ("512M", "512M"), ("1h30m", "1h30m"), ("10k", "10k"), ("8080", 8080),
    ("123456789012345678", 123456789012345678), ("9223372036854775807", 9223372036854775807),
    ("18446744073709551615", 18446744073709551615), ("18446744073709551616", 1.8446744073709552e19),
    ("0x1F", 31), ("1e3", 1000.0), ("./config", "./config"), (".5", 0.5),
])
def test_durations_sizes_and_long_ints_are_typed_like_go_yaml_as_values_and_items(scalar, value):
    data = parse_yaml(f"k: {scalar}\nl: [{scalar}]\n", "t.yaml").data
    assert type(data["k"]) is type(value) and data["k"] == value
    assert type(data["l"][0]) is type(value) and data["l"] == [value]


def test_quoted_scalars_are_always_strings():
    data = parse_yaml("a: '12'\nb: \"true\"\nc: |\n  0400\n", "t.yaml").data
    assert data == {"a": "12", "b": "true", "c": "0400\n"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1: x\n", "non-string key at top level: 1"),
        ("s:\n  w:\n    true: x\n", "non-string key in s.w: true"),
        ("s:\n  - ~: x\n", r"non-string key in s\[0\]: <nil>"),
    ],
)
def test_non_string_keys_are_rejected_like_compose_go(text, message):
    with pytest.raises(YAMLError, match=message):
        parse_yaml(text, "t.yaml")


def test_quoted_and_word_keys_are_strings():
    assert parse_yaml("'1': a\n\"true\": b\non: c\nyes: d\n", "t.yaml").data == {"1": "a", "true": "b", "on": "c", "yes": "d"}


def test_duplicate_key_names_both_lines_and_the_file():
    with pytest.raises(YAMLError) as caught:
        parse_yaml("services:\n  web:\n    image: x\n    image: y\n", "compose.yaml")
    assert str(caught.value) == 'compose.yaml:4:5: mapping key "image" already defined at line 3'
    assert caught.value.path == "services.web"


def test_positions_point_at_every_value_and_item():
    parsed = parse_yaml("services:\n  web:\n    ports:\n      - 80\n      - '443'\n", "c.yaml")
    assert parsed.positions[("services", "web", "ports", 1)] == Location("c.yaml", 5, 9)
    assert parsed.positions[("services", "web")] == Location("c.yaml", 3, 5)
    assert set(parsed.positions) == {("services",), ("services", "web"), ("services", "web", "ports"),
                                     ("services", "web", "ports", 0), ("services", "web", "ports", 1)}


def test_anchor_alias_and_merge_key_expand_with_explicit_keys_winning():
    text = "x-base: &base {image: a, restart: always}\nservices:\n  web:\n    <<: *base\n    image: b\n"
    assert parse_yaml(text, "t.yaml").data["services"]["web"] == {"image": "b", "restart": "always"}


def test_merge_key_list_gives_earlier_maps_precedence_even_when_written_after_keys():
    text = "a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  y: 3\n  <<: [*a, *b]\n"
    assert parse_yaml(text, "t.yaml").data["c"] == {"x": 1, "y": 3, "z": 2}


def test_merge_key_accepts_an_alias_to_a_sequence_of_maps():
    text = "x-list: &l\n  - {image: a}\n  - {image: b, restart: always}\nservices:\n  s1:\n    <<: *l\n  s2:\n    <<: *l\n"
    assert parse_yaml(text, "t.yaml").data["services"] == {"s1": {"image": "a", "restart": "always"},
                                                           "s2": {"image": "a", "restart": "always"}}


def test_merge_of_a_scalar_is_rejected():
    with pytest.raises(YAMLError, match="map merge requires map or sequence of maps"):
        parse_yaml("a: &a 1\nb:\n  <<: *a\n", "t.yaml")


def test_aliases_give_independent_copies():
    data = parse_yaml("a: &a {k: [1]}\nb: *a\n", "t.yaml").data
    data["b"]["k"].append(2)
    assert data["a"] == {"k": [1]}


def test_billion_laughs_is_rejected_quickly():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    with pytest.raises(YAMLError, match="excessive aliasing"):
        parse_yaml("\n".join(lines) + "\n", "bomb.yaml")


@pytest.mark.parametrize(("text", "message"), [
    ("a: &x [*x]\n", "node at path a.0.0 references node at path a.0"),
    ("s:\n  web: &w\n    labels: *w\n", "node at path s.web.labels.labels references node at path s.web.labels"),
    ("x-hc: &hc\n  egress:\n    <<: *hc\n", "node at path x-hc.egress.egress references node at path x-hc.egress"),
])
def test_recursive_aliases_are_a_cycle_error_worded_like_compose_go(text, message):
    with pytest.raises(YAMLError, match=f"cycle detected: {message}$"):
        parse_yaml(text, "t.yaml")


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(YAMLError, match="max depth"):
        parse_yaml("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "deep.yaml")


def test_unknown_alias_is_an_error():
    with pytest.raises(YAMLError, match="unknown anchor 'nope'"):
        parse_yaml("a: *nope\n", "t.yaml")


def test_reset_removes_the_node_and_records_its_path():
    parsed = parse_yaml("services:\n  web:\n    ports: !reset []\n    dns: [a, !reset b, c]\n", "t.yaml")
    assert parsed.data == {"services": {"web": {"dns": ["a", "c"]}}}
    assert parsed.reset_paths == {("services", "web", "ports"), ("services", "web", "dns", 1)}


def test_override_keeps_the_value_and_records_its_path():
    parsed = parse_yaml("services:\n  web:\n    ports: !override ['80:80']\n", "t.yaml")
    assert parsed.data["services"]["web"]["ports"] == ["80:80"]
    assert parsed.override_paths == {("services", "web", "ports")}


def test_unknown_tag_is_a_clear_error():
    with pytest.raises(YAMLError, match=r"t.yaml:1:4: unsupported YAML tag !vault"):
        parse_yaml("a: !vault secret\n", "t.yaml")


@pytest.mark.parametrize(("text", "value"), [("!!str 12", "12"), ("!!int '12'", 12), ("!!float 1", 1.0),
                                             ("!!binary aGVsbG8=", "hello"), ("!!bool true", True)])
def test_standard_tags_convert_like_go_yaml(text, value):
    assert parse_yaml(f"a: {text}\n", "t.yaml").data["a"] == value


def test_tag_that_does_not_fit_its_value_is_an_error():
    with pytest.raises(YAMLError, match=r"cannot decode `abc` as a !!int"):
        parse_yaml("a: !!int abc\n", "t.yaml")


def test_syntax_error_names_file_line_and_column_without_traceback():
    with pytest.raises(YAMLError) as caught:
        parse_yaml("services:\n  web: {image: x\n", "compose.yaml")
    assert str(caught.value).startswith("compose.yaml:3:1: ")


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_file_is_an_empty_mapping(text):
    assert parse_yaml(text, "t.yaml").data == {}


@pytest.mark.parametrize("text", ["- a\n", "just text\n", "~\n", "---\n"])
def test_top_level_must_be_a_mapping(text):
    with pytest.raises(YAMLError, match="top-level object must be a mapping"):
        parse_yaml(text, "t.yaml")


def test_later_documents_are_kept_for_merging_in_order():
    parsed = parse_yaml("services:\n  a: {image: x}\n---\nservices:\n  b: {image: y}\n", "t.yaml")
    assert parsed.data == {"services": {"a": {"image": "x"}}}
    assert [doc.data for doc in parsed.more_documents] == [{"services": {"b": {"image": "y"}}}]
    assert parsed.more_documents[0].positions[("services", "b")].line == 5


def test_an_empty_later_document_is_rejected_like_compose_go():
    with pytest.raises(YAMLError, match="top-level object must be a mapping"):
        parse_yaml("a: 1\n---\n", "t.yaml")


def test_control_characters_are_a_yaml_error():
    with pytest.raises(YAMLError, match="t.yaml"):
        parse_yaml("a: \x00\n", "t.yaml")


def test_reset_and_override_on_an_anchor_apply_at_every_alias_site():
    parsed = parse_yaml("x-r: &r !reset []\nx-o: &o !override {}\ns:\n  a: {ports: *r, net: *o}\n  b: [*r, *o]\n", "t.yaml")
    assert parsed.data["s"] == {"a": {"net": {}}, "b": [{}]}
    assert parsed.reset_paths == {("x-r",), ("s", "a", "ports"), ("s", "b", 0)}
    assert parsed.override_paths == {("x-o",), ("s", "a", "net"), ("s", "b", 0)}


def test_parsing_with_the_collector_on_leaves_no_cyclic_garbage():
    gc.collect()
    parse_yaml("services:\n  web:\n    image: x\n    ports: ['80:80']\n", "t.yaml")
    assert gc.collect() == 0


def test_parsing_with_the_collector_off_leaves_no_cyclic_garbage_either():
    gc.collect()
    gc.disable()
    try:
        parse_yaml("services:\n  web:\n    image: x\n    ports: ['80:80']\n", "t.yaml")
    finally:
        gc.enable()
    assert gc.collect() == 0


def test_merged_keys_keep_the_order_of_their_source_in_every_process():
    import subprocess
    import sys

    script = ("from dockyard.compose.yamlload import parse_yaml; "
              "print(list(parse_yaml('a: &a {p: 1, q: 2, r: 3, s: 4, u: 5}\\nb: {t: 0, <<: *a, q: 9}\\n', 't.yaml').data['b']))")
    printed = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(4)}
    assert printed == {"['t', 'p', 'q', 'r', 's', 'u']\n"}
