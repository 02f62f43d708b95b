"""Crashes and replicas: a controller stopped mid-reconcile converges on restart; of two, one acts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.controller.conftest import (
    composition,
    put_composition,
    put_environment,
    reconciled,
    wait_until,
)

APP = """
services:
  web:
    image: nginx:1.25
  api:
    image: shop/api:1
  worker:
    image: shop/worker:1
"""


def deployment_images(kube) -> dict[str, str]:
    return {d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"]
            for d in kube.store_list("Deployment", "env-dev")}


def test_a_controller_stopped_mid_reconcile_converges_when_started_again(kube, start_controller):
    first = start_controller()
    put_environment(kube)
    wait_until(lambda: kube.store_get("Namespace", "env-dev"), what="namespace env-dev")
    # the API keeps refusing one Deployment: the first controller stops with the apply half done
    refused = kube.inject("apply", kind="Deployment", name="web", status=500, times=None)
    put_composition(kube, APP)
    wait_until(lambda: refused.hits >= 2, what="refused applies")
    first.stop()
    kube.clear_faults()
    assert kube.store_get("Deployment", "web", "env-dev") is None
    assert kube.store_get("Deployment", "api", "env-dev") is not None  # half done: api went before web
    assert not reconciled(kube)

    start_controller(identity="restarted")

    done = wait_until(lambda: reconciled(kube), what="Reconciled after the restart")
    assert deployment_images(kube) == {"web": "nginx:1.25", "api": "shop/api:1", "worker": "shop/worker:1"}
    assert {s["name"] for s in done["status"]["services"]} == {"web", "api", "worker"}


def test_a_controller_process_killed_mid_reconcile_converges_when_another_starts(kube, start_controller):
    # the API stalls on one Deployment, so the first controller is surely inside a reconcile when killed
    stalled = kube.inject("apply", kind="Deployment", name="web", delay=30, status=503, times=None)
    dockyard = str(Path(sys.executable).parent / "dockyard")
    victim = subprocess.Popen([dockyard, "controller", "--priority", "1", "--kubeconfig", str(kube.kubeconfig_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    try:
        put_environment(kube)
        wait_until(lambda: kube.store_get("Namespace", "env-dev"), timeout=120, what="the victim creating env-dev")
        put_composition(kube, APP)
        wait_until(lambda: stalled.hits >= 1, what="the stalled apply")
    finally:
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    kube.clear_faults()
    assert not reconciled(kube)

    start_controller(identity="successor")  # priority 100 outranks the dead peer's leftover keep-alive

    wait_until(lambda: reconciled(kube), what="Reconciled after the kill")
    assert deployment_images(kube) == {"web": "nginx:1.25", "api": "shop/api:1", "worker": "shop/worker:1"}


def test_of_two_controller_instances_only_one_acts_and_the_other_takes_over_when_it_stops(kube, start_controller):
    primary = start_controller(priority=200, identity="primary")
    wait_until(lambda: "primary" in (kube.store_get("ClusterKopfPeering", "dockyard") or {}).get("status", {}),
               what="the primary's keep-alive")
    standby = start_controller(priority=100, identity="standby")
    wait_until(lambda: "standby" in (kube.store_get("ClusterKopfPeering", "dockyard") or {}).get("status", {}),
               what="the standby's keep-alive")

    put_environment(kube)
    wait_until(lambda: kube.store_get("Namespace", "env-dev"), what="namespace env-dev")
    put_composition(kube, APP)
    wait_until(lambda: reconciled(kube), what="Reconciled")

    assert primary.state.reconciles > 0
    assert standby.state.reconciles == 0

    primary.stop()
    put_composition(kube, APP.replace("shop/api:1", "shop/api:2"))

    wait_until(lambda: reconciled(kube) and composition(kube)["metadata"]["generation"] == 2, what="the edit handled")
    assert standby.state.reconciles > 0
    assert deployment_images(kube)["api"] == "shop/api:2"
