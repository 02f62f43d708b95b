from __future__ import annotations

from attribute_helpers import merged, round_trip

from dockyard.compose.model import Ulimit


def test_single_value_and_soft_hard_ulimits():
    def check(project):
        assert dict(project.services["web"].ulimits) == {"nproc": Ulimit(65535, 65535), "nofile": Ulimit(20000, 40000)}

    round_trip("services:\n  web:\n    image: x\n    ulimits:\n      nproc: 65535\n      nofile: {soft: 20000, hard: 40000}\n", check)


def test_override_replaces_a_ulimit_entry_wholesale():
    tree = merged(
        "services:\n  web:\n    image: x\n    ulimits: {nofile: {soft: 1, hard: 2}}\n",
        "services:\n  web:\n    ulimits: {nofile: {soft: 3, hard: 4}}\n",
    )
    assert tree["services"]["web"]["ulimits"] == {"nofile": {"soft": 3, "hard": 4}}
