"""Whatever the input, the loader ends in a ``Project`` or a ``ComposeError``, never another exception.

Three kinds of input, all through the whole pipeline (``dockyard.compose.load``), with an
in-memory file source so no fuzzed path ever touches the real disk:

- random text built from YAML's own punctuation (indentation, ``:``, ``-``, anchors, aliases,
  tags such as ``!reset``, flow collections, quotes, ``${...}``);
- random YAML documents (any nesting of scalars, lists and mappings);
- random compose-shaped documents: keys from the Compose schema, values of every type.
"""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions, MemorySource, Project, load
from dockyard.compose.loader import resolve_tree
from dockyard.compose.schema import schema_document
from dockyard.compose.serialize import to_format
from dockyard.errors import ComposeError

WORKDIR = "/fuzz/project"
SOURCE = MemorySource({f"{WORKDIR}/app.env": b"A=1\nB=${A}\n", f"{WORKDIR}/conf.txt": b"hello\n"})
ENVIRONMENT = {"TAG": "1.0", "EMPTY": ""}
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def load_text(text: str) -> Project | ComposeError:
    details = ConfigDetails(WORKDIR, [ConfigFile(f"{WORKDIR}/compose.yaml", content=text)], ENVIRONMENT, SOURCE)
    try:
        return load(details)
    except ComposeError as error:
        for each in getattr(error, "errors", [error]):
            assert each.message, "an error must say something"
            assert each.file, f"an error must name its file: {each.message}"
            assert "Traceback" not in str(each)
        return error


YAML_PIECES = st.sampled_from(
    [
        "services:", "\n", "  ", "    ", "web:", "image: x", "- ", ": ", "&a ", "*a", "<<: *a", "!reset ", "!override ",
        "!!str ", "!!int ", "{", "}", "[", "]", ", ", "'", '"', "${TAG}", "${X:?boom}", "$$", "#", "? ", "|", ">",
        "ports:", "- 80:80", "environment:", "depends_on:", "volumes:", "x-a:", "0400", "yes", "~", "null", "1e3",
        "---", "...", "%YAML 1.2", "\t", "\\", "\u00e9", "extends:", "include:", "- app.env", "env_file: app.env",
    ]
)  # fmt: skip
YAML_LIKE_TEXT = st.lists(YAML_PIECES, max_size=40).map("".join)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))
ANY_YAML = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)

SPEC = schema_document()
SERVICE_KEYS = sorted(SPEC["$defs"]["service"]["properties"])
COMPOSE_SCALARS = st.one_of(
    SCALAR,
    st.sampled_from(
        [
            "80:80", "127.0.0.1:8000-8001:80-81/udp", "data:/data", "./x:/y:ro", "1m30s", "512m", "service:web",
            "web", "db", "CMD", "NONE", "service_healthy", "${TAG:-1}", "${MISSING:?required}", "host", "a=b",
            "app.env", "conf.txt", "../../../etc/passwd", "container:abc", "0.5", "-1",
        ]
    ),
)  # fmt: skip
COMPOSE_VALUES = st.recursive(
    COMPOSE_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(SERVICE_KEYS), st.sampled_from(["web", "db", "x-y"])), inner, max_size=3),
    ),
    max_leaves=8,
)
SERVICES = st.dictionaries(
    st.sampled_from(["web", "db", "cache"]),
    st.dictionaries(st.sampled_from(SERVICE_KEYS), COMPOSE_VALUES, max_size=6).map(lambda s: {"image": "x", **s}),
    min_size=1,
    max_size=3,
)
COMPOSE_DOCUMENT = st.fixed_dictionaries(
    {"services": SERVICES},
    optional={
        "volumes": st.dictionaries(st.sampled_from(["data", "logs"]), st.one_of(st.none(), COMPOSE_VALUES), max_size=2),
        "networks": st.dictionaries(st.sampled_from(["front", "back", "default"]), st.one_of(st.none(), COMPOSE_VALUES), max_size=2),
        "secrets": st.dictionaries(st.sampled_from(["pw"]), COMPOSE_VALUES, max_size=1),
        "configs": st.dictionaries(st.sampled_from(["conf"]), COMPOSE_VALUES, max_size=1),
        "name": COMPOSE_SCALARS,
        "x-common": COMPOSE_VALUES,
    },
)


def ends_cleanly(outcome: object) -> None:
    assert isinstance(outcome, (Project, ComposeError))


@FUZZ
@given(text=YAML_LIKE_TEXT)
def test_random_yaml_like_text_ends_in_a_project_or_a_compose_error(text):
    ends_cleanly(load_text(text))


@FUZZ
@given(document=ANY_YAML)
def test_random_yaml_documents_end_in_a_project_or_a_compose_error(document):
    ends_cleanly(load_text(yaml.safe_dump(document)))


@FUZZ
@given(document=COMPOSE_DOCUMENT)
def test_random_compose_shaped_documents_end_in_a_project_or_a_compose_error(document):
    ends_cleanly(load_text(json.dumps(document, ensure_ascii=False)))


def print_text(text: str, *, interpolate: bool) -> None:
    """``dockyard config``'s path (no model binding): resolve, then print in both formats."""
    details = ConfigDetails(WORKDIR, [ConfigFile(f"{WORKDIR}/compose.yaml", content=text)], ENVIRONMENT, SOURCE)
    try:
        tree, _ = resolve_tree(details, LoadOptions(skip_interpolation=not interpolate, collect_files=False))
    except ComposeError as error:
        assert error.file and error.message
        return
    for fmt in ("yaml", "json"):
        assert to_format(tree, fmt, raw=not interpolate)


@FUZZ
@given(document=COMPOSE_DOCUMENT, interpolate=st.booleans())
def test_config_prints_random_compose_shaped_documents_or_a_compose_error(document, interpolate):
    print_text(json.dumps(document, ensure_ascii=False), interpolate=interpolate)


@FUZZ
@given(text=YAML_LIKE_TEXT)
def test_config_prints_random_yaml_like_text_or_a_compose_error(text):
    print_text(text, interpolate=True)


def test_an_alias_bomb_is_a_compose_error_not_a_hang():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    assert isinstance(load_text(bomb), ComposeError)


def test_deeply_nested_input_is_a_compose_error_not_a_recursion_error():
    nested_flow = "x-a: " + "[" * 5000 + "]" * 5000 + "\nservices: {a: {image: x}}\n"
    nested_block = "x-a:\n" + "".join("  " * i + "- \n" for i in range(1, 2000)) + "services: {a: {image: x}}\n"

    assert isinstance(load_text(nested_flow), ComposeError)
    assert isinstance(load_text(nested_block), ComposeError)
