from __future__ import annotations

import pytest
from attribute_helpers import load, merged, round_trip

from dockyard.compose.model import Port
from dockyard.errors import ComposeError


def test_short_syntax_ports_with_ranges_protocols_and_host_ip():
    def check(project):
        assert project.services["web"].ports == (
            Port(target=80, published="8080"),
            Port(target=90, published="9000", host_ip="127.0.0.1", protocol="udp"),
            Port(target=91, published="9001", host_ip="127.0.0.1", protocol="udp"),
            Port(target=3000),
            Port(target=53, published="53", host_ip="::1", protocol="udp"),
        )

    round_trip(
        "services:\n  web:\n    image: x\n    ports:\n"
        "      - 8080:80\n      - 127.0.0.1:9000-9001:90-91/udp\n      - 3000\n      - '[::1]:53:53/udp'\n",
        check,
    )


def test_a_host_range_for_one_container_port_stays_a_range():
    _, project = load("services:\n  web:\n    image: x\n    ports: ['8000-8010:80']\n")
    assert project.services["web"].ports == (Port(target=80, published="8000-8010"),)


def test_long_syntax_port_with_integer_published_becomes_a_string():
    def check(project):
        assert project.services["web"].ports == (Port(target=80, published="8080", mode="host", name="http"),)

    round_trip(
        "services:\n  web:\n    image: x\n    ports:\n      - {target: 80, published: 8080, mode: host, name: http}\n",
        check,
    )


def test_mismatched_ranges_are_an_error_naming_the_entry():
    with pytest.raises(ComposeError, match="services.web.ports.0 invalid ranges"):
        load("services:\n  web:\n    image: x\n    ports: ['8000-8002:80-81']\n")


def test_override_ports_append_and_the_same_binding_is_kept_once():
    tree = merged(
        "services:\n  web:\n    image: x\n    ports: ['8080:80']\n",
        "services:\n  web:\n    ports: ['8080:80', '9090:90']\n",
    )
    assert [p["published"] for p in tree["services"]["web"]["ports"]] == ["8080", "9090"]
