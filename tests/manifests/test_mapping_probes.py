"""Healthchecks to readiness, liveness and startup probes (CMD, CMD-SHELL, NONE, durations, start_period)."""

import pytest

from dockyard.compose.model import Healthcheck
from manifest_builders import container, render, service

S = 1_000_000_000


def test_cmd_healthcheck_becomes_exec_readiness_and_liveness_probes(validate_objects):
    check = Healthcheck(test=("CMD", "curl", "-f", "http://localhost"), interval=10 * S, timeout=2 * S, retries=5)
    rendered = render(service(healthcheck=check))
    spec = container(rendered)
    expected = {"exec": {"command": ["curl", "-f", "http://localhost"]}, "periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 5}
    assert spec["readinessProbe"] == expected == spec["livenessProbe"]
    assert "startupProbe" not in spec
    assert rendered.services["web"].has_healthcheck
    validate_objects(rendered.objects)


def test_cmd_shell_runs_through_sh_c():
    spec = container(render(service(healthcheck=Healthcheck(test=("CMD-SHELL", "redis-cli ping | grep PONG")))))
    assert spec["livenessProbe"]["exec"]["command"] == ["/bin/sh", "-c", "redis-cli ping | grep PONG"]


def test_compose_defaults_apply_when_unset():
    probe = container(render(service(healthcheck=Healthcheck(test=("CMD", "true")))))["readinessProbe"]
    assert (probe["periodSeconds"], probe["timeoutSeconds"], probe["failureThreshold"]) == (30, 30, 3)


@pytest.mark.parametrize("check", [Healthcheck(test=("NONE",)), Healthcheck(test=("CMD", "true"), disable=True)])
def test_none_and_disable_give_no_probes(check):
    rendered = render(service(healthcheck=check))
    assert not {"readinessProbe", "livenessProbe", "startupProbe"} & set(container(rendered))
    assert not rendered.services["web"].has_healthcheck


def test_durations_round_up_to_whole_seconds_with_a_minimum_of_one():
    probe = container(render(service(healthcheck=Healthcheck(test=("CMD", "true"), interval=1_500_000_000, timeout=100_000_000))))["livenessProbe"]
    assert (probe["periodSeconds"], probe["timeoutSeconds"]) == (2, 1)


def test_start_period_becomes_a_startup_probe_covering_the_grace_time():
    check = Healthcheck(test=("CMD", "true"), start_period=60 * S, start_interval=2 * S, retries=3)
    startup = container(render(service(healthcheck=check)))["startupProbe"]
    assert startup["periodSeconds"] == 2
    assert startup["failureThreshold"] == 30 + 3
