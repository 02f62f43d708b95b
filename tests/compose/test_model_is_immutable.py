"""The typed model is immutable all the way down: no layer above the loader can change a project.

Every dataclass in a loaded ``Project`` is frozen, and no value anywhere inside is a mutable
container (``dict``, ``list``, ``set``): mappings are read-only views, sequences are tuples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions, load

KITCHEN = Path(__file__).resolve().parent / "testdata" / "printing" / "kitchen"


@pytest.fixture(scope="module")
def project():
    return load(
        ConfigDetails(str(KITCHEN), [ConfigFile(str(KITCHEN / "compose.yaml"))], {}),
        LoadOptions(profiles=("*",)),
    )


def mutable_places(value, where="project"):
    if dataclasses.is_dataclass(value):
        if not value.__dataclass_params__.frozen:
            yield f"{where} ({type(value).__name__} is not frozen)"
        for field in dataclasses.fields(value):
            yield from mutable_places(getattr(value, field.name), f"{where}.{field.name}")
    elif isinstance(value, (dict, list, set, bytearray)):
        yield f"{where} ({type(value).__name__})"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from mutable_places(item, f"{where}[{key!r}]")
    elif isinstance(value, (tuple, frozenset)):
        for index, item in enumerate(value):
            yield from mutable_places(item, f"{where}[{index}]")


def test_no_value_inside_a_loaded_project_is_a_mutable_container(project):
    assert len(project.services) > 1
    assert list(mutable_places(project)) == []


def test_changing_a_loaded_project_raises(project):
    service = next(iter(project.services.values()))
    with pytest.raises(FrozenInstanceError):
        service.image = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        project.services["new"] = service  # type: ignore[index]
    with pytest.raises(TypeError):
        service.environment["NEW"] = "1"  # type: ignore[index]
