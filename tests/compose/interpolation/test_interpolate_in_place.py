"""interpolate(in_place=True): the loader's own tree is substituted where it lies, with the same result as a copy."""

from __future__ import annotations

import copy

from dockyard.compose.casts import COMPOSE_CASTS
from dockyard.compose.interpolate import interpolate

ENV = {"TAG": "1.2", "REPLICAS": "3", "PORT": "8080"}


def tree() -> dict:
    return {"services": {"web": {
        "image": "nginx:${TAG}",
        "deploy": {"replicas": "${REPLICAS}"},
        "ports": ["${PORT}:80", {"target": 80, "published": "${PORT}"}],
        "command": ["echo", "$$HOME"],
        "labels": {"plain": "value"},
    }}}


def run(data: dict, **options) -> dict:
    return interpolate(data, ENV.get, casts=COMPOSE_CASTS, file="c.yaml", positions={}, **options)


def test_in_place_substitutes_into_the_given_containers_with_the_same_result_as_a_copy():
    expected = run(tree())
    data = tree()
    web, ports = data["services"]["web"], data["services"]["web"]["ports"]
    result = run(data, in_place=True)
    assert result is data and result["services"]["web"] is web and web["ports"] is ports
    assert result == expected
    assert web["deploy"]["replicas"] == 3 and ports[0] == "8080:80"


def test_by_default_the_given_tree_is_left_untouched():
    data = tree()
    before = copy.deepcopy(data)
    result = run(data)
    assert data == before and result is not data
