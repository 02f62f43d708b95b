"""``include`` with real files under ``tests/compose/testdata/include``."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions, load
from dockyard.errors import ComposeError

TESTDATA = Path(__file__).resolve().parents[1] / "testdata"


def load_dir(name: str):
    directory = TESTDATA / name
    return load(
        ConfigDetails(str(directory), [ConfigFile(str(directory / "compose.yaml"))], {}),
        LoadOptions(project_name="test"),
    )


def test_included_services_use_their_own_env_and_project_directory():
    project = load_dir("include")
    db = project.services["db"]
    assert db.image == "postgres:16"
    assert db.volumes[0].source == str(TESTDATA / "include" / "sub" / "init")
    assert set(project.services) == {"web", "db"}


def test_an_include_cycle_is_reported():
    with pytest.raises(ComposeError, match="include cycle detected"):
        load_dir("include_cycle")


def test_redefining_an_included_service_is_a_conflict():
    from attribute_helpers import load as load_inline

    with pytest.raises(ComposeError, match="services.db conflicts with imported resource"):
        load_inline(
            "include: [other.yaml]\nservices:\n  db:\n    image: mine\n",
            files={"other.yaml": "services:\n  db:\n    image: theirs\n"},
        )


def test_a_missing_included_file_is_reported_at_its_include_entry():
    from attribute_helpers import load as load_inline

    with pytest.raises(ComposeError, match="compose file /project/nope.yaml not found") as caught:
        load_inline("include:\n  - other.yaml\n  - nope.yaml\n", files={"other.yaml": "services: {}\n"})
    assert (caught.value.file, caught.value.line, caught.value.column) == ("/project/compose.yaml", 3, 5)
