from __future__ import annotations

import pytest
from attribute_helpers import load

from dockyard.compose import LoadOptions
from dockyard.errors import ComposeError

TEXT = (
    "services:\n  web:\n    image: x\n  debug:\n    image: y\n    profiles: [debug]\n"
    "  tools:\n    image: z\n    profiles: [tools, debug]\n"
)


def test_services_without_profiles_are_always_enabled():
    _, project = load(TEXT)
    assert set(project.services) == {"web"}
    assert set(project.disabled_services) == {"debug", "tools"}


def test_an_active_profile_enables_its_services():
    _, project = load(TEXT, options=LoadOptions(project_name="test", profiles=["tools"]))
    assert set(project.services) == {"web", "tools"}
    assert project.profiles == ("tools",)


def test_compose_profiles_variable_and_star():
    _, project = load(TEXT, env={"COMPOSE_PROFILES": "debug"})
    assert set(project.services) == {"web", "debug", "tools"}
    _, project = load(TEXT, options=LoadOptions(project_name="test", profiles=["*"]))
    assert set(project.services) == {"web", "debug", "tools"}


def test_depending_on_a_disabled_service_is_an_error_unless_not_required():
    with pytest.raises(ComposeError, match="depends on undefined service"):
        load("services:\n  web:\n    image: x\n    depends_on: [db]\n  db:\n    image: y\n    profiles: [db]\n")
    _, project = load(
        "services:\n  web:\n    image: x\n    depends_on: {db: {condition: service_started, required: false}}\n"
        "  db:\n    image: y\n    profiles: [db]\n"
    )
    assert set(project.services) == {"web"}
