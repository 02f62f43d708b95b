"""Which pod and port a forward goes to: the Service's targetPort against the pod's containers, readiness."""

from __future__ import annotations

import pytest

from dockyard.reconcile.portforward import container_port, is_ready, port_targets
from tests.connect.conftest import service

POD = {"metadata": {"name": "db-1"},
       "spec": {"containers": [{"name": "sidecar", "ports": [{"name": "metrics", "containerPort": 9187}]},
                               {"name": "db", "ports": [{"name": "postgres", "containerPort": 5432}]}]}}


@pytest.mark.parametrize(("target", "port"), [(5432, 5432), ("6543", 6543), ("postgres", 5432), ("metrics", 9187),
                                              ("nope", None)])
def test_a_target_port_is_a_number_or_a_container_port_name(target, port):
    assert container_port(POD, target) == port


def pod_with(phase: str, ready: str, deleting: bool = False) -> dict:
    meta = {"name": "p", **({"deletionTimestamp": "2026-01-01T00:00:00Z"} if deleting else {})}
    return {"metadata": meta, "status": {"phase": phase, "conditions": [{"type": "Ready", "status": ready}]}}


def test_only_running_ready_pods_that_are_not_terminating_take_connections():
    assert is_ready(pod_with("Running", "True")) is True
    assert is_ready(pod_with("Running", "False")) is False
    assert is_ready(pod_with("Pending", "True")) is False
    assert is_ready(pod_with("Running", "True", deleting=True)) is False


def test_services_without_a_selector_are_skipped_with_a_note(kube, client, dev):
    kube.store_put(service("external", [{"port": 443}], selector={}))
    kube.store_put(service("db", [{"port": 5432, "targetPort": "postgres"}]))
    notes: list[str] = []
    targets = port_targets(client, "dev", skipped=notes.append)
    assert [(t.service, t.port, t.target) for t in targets] == [("db", 5432, "postgres")]
    assert notes == ["external: skipped, the Service has no pod selector to forward to"]
