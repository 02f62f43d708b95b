"""The two fast marker checks agree with the exact walk (``secretrefs.scan``).

``contains_marker`` decides whether a service needs the located walk; ``_assert_no_marker``
checks the rendered objects in one C-level pass. Both must find a marker wherever it hides.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockyard.compose.model import Deploy, Healthcheck, Port, Resources, ServiceVolume
from dockyard.errors import TranslationError
from dockyard.manifests import secretrefs
from dockyard.manifests.context import Context, RenderOptions
from dockyard.manifests.translate import _CHECKED_FIELDS, _SECRET_FIELDS, _assert_no_marker
from manifest_builders import env, project, secret, service

MARKED = secret("PW")


class Text(str):
    """A string subclass marshal refuses, so the exact walk must decide."""


@dataclasses.dataclass(frozen=True)
class Plain:
    """A dataclass without slots, which gc.get_referents does not list field by field."""

    text: str


@pytest.mark.parametrize("fields", [
    {"image": f"app:{MARKED}"},
    {"working_dir": MARKED},
    {"labels": {"token": MARKED}},
    {"labels": {MARKED: "key"}},
    {"ports": (Port(target=80, name=MARKED),)},
    {"volumes": (ServiceVolume(type="bind", source=MARKED, target="/x"),)},
    {"deploy": Deploy(resources=Resources(limits={"memory": MARKED}))},
    {"dns": ("1.1.1.1", MARKED)},
])
def test_a_marker_outside_the_secret_fields_is_found_wherever_it_is(fields):
    value = service(**fields)
    assert secretrefs.contains_marker(value, _SECRET_FIELDS)
    assert secretrefs.any_marker(_CHECKED_FIELDS(value))
    assert any(True for _ in secretrefs.scan(value, ("services", "web")))


@pytest.mark.parametrize("value", [
    MARKED, Text(f"x{MARKED}"), (1, None, (Port(target=80), {"k": [f"a{MARKED}"]})), {MARKED: 1}, {(1, MARKED): 2},
    frozenset({MARKED}), OrderedDict(a=MARKED), Plain(MARKED), [Deploy(labels={"x": MARKED})],
])
def test_the_many_values_check_finds_a_marker_in_any_container(value):
    assert secretrefs.any_marker(["plain", 3, value])


@pytest.mark.parametrize("value", ["plain", "\ue002", Text("plain"), {"a": ("b", 1.5)}, OrderedDict(a="b"), Plain("x"),
                                   Port(target=80), (None, True, b"bytes")])
def test_the_many_values_check_passes_values_without_markers(value):
    assert not secretrefs.any_marker(["plain", 3, value])


def test_markers_only_in_the_secret_fields_are_passed_over_when_skipped():
    value = service(environment={"A": MARKED}, command=(MARKED,), healthcheck=Healthcheck(test=("CMD-SHELL", MARKED)))
    assert not secretrefs.contains_marker(value, _SECRET_FIELDS)
    assert secretrefs.contains_marker(value)


def test_a_service_without_markers_has_none():
    assert not secretrefs.contains_marker(service(ports=(Port(target=80),), labels={"a": "b"}, privileged=False))




def _context() -> Context:
    return Context(project=project(service()), environment=env(), options=RenderOptions())


@pytest.mark.parametrize("value", [MARKED, f"x{MARKED}y", Text(MARKED)])
def test_a_marker_that_reached_a_rendered_object_is_an_internal_error_naming_its_path(value):
    objects = [{"kind": "ConfigMap", "metadata": {"name": "plain"}, "data": {"a": "b"}},
               {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"args": ["ok", value]}}]
    with pytest.raises(TranslationError, match="internal error") as caught:
        _assert_no_marker(_context(), objects)
    assert caught.value.path == "Deployment.web.spec.args.1"


@pytest.mark.parametrize("value", ["plain", "\ue002 other private use", Text("plain"), 1.5, None, True])
def test_rendered_objects_without_markers_pass(value):
    _assert_no_marker(_context(), [{"kind": "Service", "metadata": {"name": "web"}, "spec": {"x": [value]}}])


_texts = st.sampled_from(["", "plain", MARKED, f"a{MARKED}b", secretrefs.CLOSE, "\ue002", "é"])
_leaves = st.none() | st.booleans() | st.integers(-2, 2) | st.floats(allow_nan=False) | _texts | st.builds(Text, _texts)
_trees = st.recursive(_leaves, lambda inner: (
    st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(_texts | st.integers(0, 2), inner, max_size=3)
    | st.dictionaries(_texts, inner, max_size=3).map(MappingProxyType)
    | st.frozensets(_texts, max_size=2) | st.builds(Plain, _texts)
    | st.builds(lambda labels: Deploy(labels=labels), st.dictionaries(_texts, _texts, max_size=2))
), max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(st.lists(_trees, max_size=4))
def test_the_many_values_check_says_yes_wherever_the_exact_walk_finds_a_marker(values):
    if any(secretrefs.contains_marker(value) for value in values):
        assert secretrefs.any_marker(values)
