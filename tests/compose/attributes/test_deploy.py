from __future__ import annotations

import pytest
from attribute_helpers import load, round_trip

from dockyard.compose.model import Resource, RestartPolicy
from dockyard.errors import ComposeError


def test_deploy_resources_restart_policy_and_replicas():
    def check(project):
        deploy = project.services["web"].deploy
        assert deploy.replicas == 3
        assert deploy.resources.limits == Resource(cpus=0.5, memory=512 * 1024 * 1024)
        assert deploy.resources.reservations == Resource(cpus=0.25, memory=64 * 1024 * 1024)
        assert deploy.restart_policy == RestartPolicy(condition="on-failure", delay=5 * 10**9, max_attempts=3)
        assert deploy.placement.constraints == ("node.role==worker",)
        assert dict(deploy.labels) == {"tier": "web"}

    round_trip(
        "services:\n  web:\n    image: x\n    deploy:\n      replicas: 3\n      labels: [tier=web]\n"
        "      resources:\n        limits: {cpus: '0.5', memory: 512m}\n"
        "        reservations: {cpus: 0.25, memory: 64M}\n"
        "      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3}\n"
        "      placement: {constraints: [node.role==worker]}\n",
        check,
    )


def test_memory_prints_as_a_string_of_bytes():
    tree, _ = load("services:\n  web:\n    image: x\n    deploy: {resources: {limits: {memory: 1g}}}\n")
    assert tree["services"]["web"]["deploy"]["resources"]["limits"]["memory"] == "1073741824"


def test_an_unparsable_size_names_the_path():
    with pytest.raises(ComposeError, match="memory"):
        load("services:\n  web:\n    image: x\n    deploy: {resources: {limits: {memory: lots}}}\n")
