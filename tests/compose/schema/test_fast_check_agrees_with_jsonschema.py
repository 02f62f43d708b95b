"""The compiled boolean validator accepts exactly what jsonschema (Draft 2020-12) accepts.

Random compose-shaped documents: keys taken from the schema itself (so most values hit a real
rule), values of every JSON type, nested a few levels. jsonschema is run with dockyard's Go-style
regex anchoring, the only intended difference from stock jsonschema.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.compose import schema

SPEC = schema.schema_document()
SERVICE_KEYS = sorted(SPEC["$defs"]["service"]["properties"])
TOP_KEYS = sorted(SPEC["properties"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 70000), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "x", "80:80", "1m", "${X}", "service_healthy", "always", "host", "tcp", "CMD", "a=b", "10M"]),
)  # fmt: skip
NAMES = st.sampled_from(["web", "db", "x-ext", "a b", "front", "data", "Web.1"])
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(NAMES, st.sampled_from(SERVICE_KEYS)), inner, max_size=3),
    ),
    max_leaves=6,
)
SERVICE = st.dictionaries(st.sampled_from(SERVICE_KEYS), VALUES, max_size=5)
DOCUMENT = st.dictionaries(
    st.sampled_from(TOP_KEYS + ["x-extra", "bogus"]),
    st.one_of(st.dictionaries(NAMES, st.one_of(SERVICE, VALUES), max_size=3), VALUES),
    max_size=4,
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(document=DOCUMENT)
def test_the_fast_pass_and_jsonschema_agree_on_validity(document):
    fast = schema._fast_check()(document)
    reference = not any(True for _ in schema._explainer().iter_errors(document))

    assert fast == reference


@settings(max_examples=200, deadline=None, derandomize=True)
@given(document=DOCUMENT)
def test_an_invalid_document_always_gets_one_worded_located_error(document):
    errors = schema.validate(document, file="compose.yaml", positions={})

    assert len(errors) <= 1
    for error in errors:
        assert error.file == "compose.yaml"
        assert error.message and "Traceback" not in error.message
    every = schema.validate(document, file="compose.yaml", positions={}, every=True)
    assert [str(e) for e in every[:1]] == [str(e) for e in errors]
    assert len({str(e) for e in every}) == len(every)


def test_the_vendored_schema_uses_only_keywords_the_compiler_knows():
    schema.check_keywords(SPEC)


def test_an_unknown_keyword_anywhere_fails_loudly():
    import pytest

    with pytest.raises(NotImplementedError, match="if"):
        schema.check_keywords({"$defs": {"x": {"items": {"oneOf": [{"if": {}}]}}}})
