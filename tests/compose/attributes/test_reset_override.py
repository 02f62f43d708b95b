from __future__ import annotations

from attribute_helpers import merged


def test_reset_removes_the_earlier_value():
    tree = merged(
        "services:\n  web:\n    image: x\n    ports: ['80:80']\n    command: [a]\n",
        "services:\n  web:\n    ports: !reset []\n    command: !reset null\n",
    )
    assert "ports" not in tree["services"]["web"]
    assert "command" not in tree["services"]["web"]


def test_override_replaces_instead_of_merging():
    tree = merged(
        "services:\n  web:\n    image: x\n    environment: {A: '1', B: '2'}\n",
        "services:\n  web:\n    environment: !override {C: '3'}\n",
    )
    assert tree["services"]["web"]["environment"] == {"C": "3"}
