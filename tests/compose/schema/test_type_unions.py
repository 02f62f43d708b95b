"""The compiled type checks (a set of accepted Python types, then the exact tests) agree with jsonschema."""

from __future__ import annotations

import pytest

from dockyard.compose import schema

SERVICE = schema.schema_document()["$defs"]["service"]["properties"]
UNION_TYPED = sorted(k for k, v in SERVICE.items() if isinstance(v.get("type"), list))
VALUES = [None, True, False, 0, 1, 2.0, 2.5, -1, "", "1", "x", [], ["a"], ["a", "a"], {}, {"a": 1}]


def test_the_service_schema_has_union_typed_properties_to_check():
    assert len(UNION_TYPED) > 10


@pytest.mark.parametrize("key", UNION_TYPED)
def test_a_union_typed_property_accepts_what_jsonschema_accepts(key):
    for value in VALUES:
        document = {"services": {"web": {"image": "nginx", key: value}}}
        reference = not any(True for _ in schema._explainer().iter_errors(document))

        assert schema._fast_check()(document) == reference, (key, value)


@pytest.mark.parametrize("items", [["a", "b"], ["a", "a"], [1, 1.0], [True, 1], [{"a": 1}, {"a": 1.0}], ["1", 1]])
def test_unique_items_follow_json_equality(items):
    assert schema._all_unique(items) == (len({schema.json_key(i) for i in items}) == len(items))
