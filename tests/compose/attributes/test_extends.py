"""``extends`` across files, with real files under ``tests/compose/testdata/extends``."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions, load
from dockyard.errors import ComposeError

TESTDATA = Path(__file__).resolve().parents[1] / "testdata"


def load_dir(name: str, file: str = "compose.yaml"):
    directory = TESTDATA / name
    return load(
        ConfigDetails(str(directory), [ConfigFile(str(directory / file))], {}),
        LoadOptions(project_name="test"),
    )


def test_a_service_extends_one_from_another_file_and_overrides_it():
    web = load_dir("extends").services["web"]
    assert web.image == "base:1"
    assert dict(web.environment) == {"LEVEL": "web"}
    assert web.volumes[0].source == str(TESTDATA / "extends" / "data")


def test_extends_chains_resolve_through_the_same_file():
    local = load_dir("extends").services["local"]
    assert (local.image, local.command) == ("base:1", ("run",))


def test_relative_paths_of_the_base_are_rebased_onto_its_directory():
    deep = load_dir("extends/nested").services["deep"]
    assert deep.build.context == str(TESTDATA / "extends")


def test_an_extends_cycle_is_reported_at_the_extends_that_closes_it():
    with pytest.raises(ComposeError, match="Circular reference") as caught:
        load_dir("cycle")
    assert (caught.value.file, caught.value.line, caught.value.column) == (str(TESTDATA / "cycle" / "compose.yaml"), 3, 14)


def test_extending_a_missing_service_names_it_at_its_line():
    from attribute_helpers import load as load_inline

    with pytest.raises(ComposeError, match='service "ghost" not found') as caught:
        load_inline("services:\n  web:\n    extends: ghost\n")
    assert str(caught.value).startswith("/project/compose.yaml:3:14: ")


def test_extending_from_a_missing_file_points_at_the_file_key():
    from attribute_helpers import load as load_inline

    with pytest.raises(ComposeError, match="compose file /project/nope.yaml not found") as caught:
        load_inline("services:\n  web:\n    image: x\n    extends:\n      file: nope.yaml\n      service: b\n")
    assert (caught.value.file, caught.value.line, caught.value.column) == ("/project/compose.yaml", 5, 13)
