"""Hypothesis: substitute() and interpolate() end in a value or a dockyard InterpolationError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.compose.casts import COMPOSE_CASTS
from dockyard.compose.interpolate import interpolate
from dockyard.compose.template import extract_variables, substitute
from dockyard.errors import ComposeError, InterpolationError

PIECES = st.sampled_from(["$", "$$", "${", "}", "{", "FOO", "BAR", "UNSET", ":-", "-", ":?", "?", ":+", "+",
                          "x", " ", "\n", "_", "1", "é", '"', "#"])
TEMPLATES = st.one_of(st.lists(PIECES, max_size=25).map("".join), st.text(max_size=40))
ENV = {"FOO": "foo", "BAR": "", "DOLLAR": "$X"}


@settings(max_examples=400, deadline=None)
@given(TEMPLATES)
def test_substitute_returns_text_or_raises_interpolation_error(template):
    try:
        assert isinstance(substitute(template, ENV.get), str)
    except InterpolationError as error:
        assert error.message
    assert isinstance(extract_variables(template), dict)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["replicas", "cpus", "read_only", "image"]), TEMPLATES, max_size=4))
def test_interpolate_returns_a_tree_or_a_located_error(service):
    tree = {"services": {"web": {"deploy": dict(service), **service}}}
    try:
        assert isinstance(interpolate(tree, ENV.get, casts=COMPOSE_CASTS, file="c.yaml", positions={}), dict)
    except ComposeError as error:
        for each in getattr(error, "errors", [error]):
            assert isinstance(each, InterpolationError)
            assert each.path and each.path.startswith("services.web")
