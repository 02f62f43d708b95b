"""Hypothesis: any text given to parse_yaml ends in a ParsedFile or a YAMLError, never anything else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockyard.compose.yamlload import ParsedFile, parse_yaml
from dockyard.errors import YAMLError

FRAGMENTS = st.sampled_from([
    "a", "b", "services", ":", ": ", "- ", "\n", "\n  ", "\n    ", "  ", "&x ", "*x", "&y ", "*y", "<<: ",
    "!reset ", "!override ", "!!str ", "!!int ", "!!binary ", "!tag ", "[", "]", "{", "}", ",", "'", '"',
    "#", "---\n", "...\n", "? ", "|\n  ", ">\n  ", "0400", "1e3", "yes", "~", "null", "2001-12-14", "\t", "%YAML 1.2\n",
    "\x00", "é", "\\", "${X}",
])
YAML_ISH = st.lists(FRAGMENTS, max_size=40).map("".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parses_or_fails_cleanly(text: str) -> None:
    try:
        result = parse_yaml(text, "fuzz.yaml")
    except YAMLError as error:
        assert str(error).startswith("fuzz.yaml")
        return
    assert isinstance(result, ParsedFile)
    assert isinstance(result.data, dict)


@SETTINGS
@given(YAML_ISH)
def test_yaml_like_text_parses_or_raises_yaml_error(text):
    parses_or_fails_cleanly(text)


@SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_text_parses_or_raises_yaml_error(text):
    parses_or_fails_cleanly(text)


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10))
TREES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                     max_leaves=20)


@SETTINGS
@given(st.dictionaries(st.text(max_size=8), TREES, max_size=4))
def test_dumped_documents_round_trip_or_fail_cleanly(document):
    import yaml

    parses_or_fails_cleanly(yaml.safe_dump(document))
