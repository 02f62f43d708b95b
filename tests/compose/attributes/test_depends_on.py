from __future__ import annotations

import pytest
from attribute_helpers import load, merged, round_trip

from dockyard.compose.model import Dependency
from dockyard.errors import ComposeError


def test_list_syntax_means_started_and_required():
    def check(project):
        assert dict(project.services["web"].depends_on) == {"db": Dependency()}

    round_trip("services:\n  web:\n    image: x\n    depends_on: [db]\n  db:\n    image: y\n", check)


def test_long_syntax_with_condition_required_and_restart():
    def check(project):
        assert dict(project.services["web"].depends_on) == {
            "db": Dependency("service_healthy", required=False, restart=True)
        }

    round_trip(
        "services:\n  web:\n    image: x\n    depends_on:\n      db: {condition: service_healthy, required: false,"
        " restart: true}\n  db:\n    image: y\n",
        check,
    )


def test_links_and_shared_namespaces_imply_dependencies():
    _, project = load(
        "services:\n  web:\n    image: x\n    links: [db:database]\n    network_mode: service:proxy\n"
        "  db:\n    image: y\n  proxy:\n    image: z\n"
    )
    assert dict(project.services["web"].depends_on) == {
        "db": Dependency(restart=True),
        "proxy": Dependency(restart=True),
    }


def test_depending_on_an_unknown_service_is_an_error():
    with pytest.raises(ComposeError, match='depends on undefined service "ghost"'):
        load("services:\n  web:\n    image: x\n    depends_on: [ghost]\n")


def test_override_mixes_list_and_mapping_syntax():
    tree = merged(
        "services:\n  web:\n    image: x\n    depends_on: [a]\n  a: {image: x}\n  b: {image: x}\n",
        "services:\n  web:\n    depends_on: {b: {condition: service_healthy}}\n",
    )
    assert tree["services"]["web"]["depends_on"] == {
        "a": {"condition": "service_started", "required": True},
        "b": {"condition": "service_healthy", "required": True},
    }
