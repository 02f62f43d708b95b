"""A Composition's life under the controller: create, edit, prune, config change, invalid edit, status."""

from __future__ import annotations

import base64
import logging

import pytest

from tests.controller.conftest import (
    composition,
    condition,
    events_about,
    put_composition,
    put_environment,
    ready_deployment,
    reconciled,
    quiet,
    wait_until,
)

SHOP = """
services:
  web:
    image: nginx:1.25
    ports: ["80"]
  api:
    image: shop/api:1
    environment:
      GREETING: ${GREETING:-hello}
  db:
    image: postgres:16
    volumes: [data:/var/lib/postgresql/data]
volumes:
  data: {}
"""


def deployments(kube) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in kube.store_list("Deployment", "env-dev")}


def claim_names(kube) -> list[str]:
    return [c["metadata"]["name"] for c in kube.store_list("PersistentVolumeClaim", "env-dev")]


def workload_writes(kube) -> list[tuple[str, str]]:
    return [(r.verb, r.name) for r in kube.requests.writes() if r.plural in ("deployments", "jobs", "daemonsets")]


def settle(kube, controller):
    wait_until(lambda: reconciled(kube), what="Reconciled")
    quiet(kube, controller)


def not_reconciled(kube, generation: int | None = None) -> dict | None:
    """The Reconciled condition once it is False (for ``generation``, when given)."""
    cond = condition(composition(kube), "Reconciled")
    fresh = generation is None or cond.get("observedGeneration") == generation
    return cond if cond.get("status") == "False" and fresh else None


def new_environment(kube) -> None:
    put_environment(kube)
    wait_until(lambda: kube.store_get("Namespace", "env-dev"), what="namespace env-dev")


def deploy(kube, controller, compose: str = SHOP, **options) -> None:
    """A new environment with the composition reconciled and the controller done with it."""
    new_environment(kube)
    put_composition(kube, compose, **options)
    settle(kube, controller)


FIRST_PASSWORD, SECOND_PASSWORD = "pw-7f3a9c-first", "pw-51e0d2-second"


def env_secret(**data: str) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "env-secret", "namespace": "env-dev"},
            "type": "Opaque", "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def deploy_reading_a_secret(kube, controller) -> None:
    """SHOP with the api reading env secret DB_PASSWORD (value FIRST_PASSWORD)."""
    put_environment(kube)
    wait_until(lambda: kube.store_get("Secret", "env-secret", "env-dev"), what="env-secret")
    kube.store_put(env_secret(DB_PASSWORD=FIRST_PASSWORD))
    put_composition(kube, SHOP.replace("      GREETING: ${GREETING:-hello}", "      PASSWORD: ${DB_PASSWORD}"))
    settle(kube, controller)


def test_a_new_composition_creates_its_objects_and_reports_reconciled(kube, controller):
    new_environment(kube)
    put_composition(kube, SHOP)

    done = wait_until(lambda: reconciled(kube), what="Reconciled")

    assert set(deployments(kube)) == {"web", "api", "db"}
    assert kube.store_get("Service", "web", "env-dev") is not None
    assert claim_names(kube) == ["shop-data"]
    assert {s["name"] for s in done["status"]["services"]} == {"web", "api", "db"}
    wait_until(lambda: ("RolloutStarted", "Rolling out 3 services: api, db, web") in events_about(kube),
               what="RolloutStarted naming the 3 services")
    assert "Applied" in [reason for reason, _ in events_about(kube)]


def test_editing_one_service_writes_only_that_services_workload(kube, controller):
    deploy(kube, controller)
    kube.requests.clear()

    put_composition(kube, SHOP.replace("shop/api:1", "shop/api:2"))
    wait_until(lambda: reconciled(kube), what="Reconciled after the edit")

    assert workload_writes(kube) == [("apply", "api")]
    images = {name: d["spec"]["template"]["spec"]["containers"][0]["image"] for name, d in deployments(kube).items()}
    assert images == {"web": "nginx:1.25", "api": "shop/api:2", "db": "postgres:16"}
    writes = [(r.plural, r.subresource) for r in kube.requests.writes() if r.plural != "events"]
    assert writes.index(("compositions", "status")) > writes.index(("deployments", None))  # status last


def test_removing_a_service_prunes_its_objects_but_keeps_its_volume_claim(kube, controller):
    deploy(kube, controller)
    assert claim_names(kube) == ["shop-data"]

    without_db = SHOP.split("  db:")[0]
    put_composition(kube, without_db)
    wait_until(lambda: reconciled(kube), what="Reconciled after removing db")

    assert set(deployments(kube)) == {"web", "api"}
    assert claim_names(kube) == ["shop-data"]
    wait_until(lambda: any(reason == "Pruned" and "Deployment/db" in message for reason, message in events_about(kube)),
               what="a Pruned event naming Deployment/db")


def test_changing_an_env_config_value_rolls_only_the_services_that_reference_it(kube, controller):
    put_environment(kube)
    wait_until(lambda: kube.store_get("ConfigMap", "env-config", "env-dev"), what="env-config")
    kube.store_put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "env-config", "namespace": "env-dev"},
                    "data": {"GREETING": "hi"}})
    put_composition(kube, SHOP)
    settle(kube, controller)
    kube.requests.clear()

    kube.store_put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "env-config", "namespace": "env-dev"},
                    "data": {"GREETING": "good morning"}})

    wait_until(lambda: workload_writes(kube), what="a workload write after the config change")
    settle(kube, controller)
    assert workload_writes(kube) == [("apply", "api")]


INVALID_EDITS = {
    "not-a-mapping": (("    ports: [\"80\"]", "    ports: [\"80\"]\n    environment: 12"),
                      "compose.yaml:6:18: services.web.environment must be a mapping"),
    "missing-required-key": (("${GREETING:-hello}", "${API_TOKEN:?set it with dockyard secret set API_TOKEN}"),
                             "compose.yaml:9:17: error while interpolating services.api.environment.GREETING: "
                             "required variable API_TOKEN is missing a value"),
}


@pytest.mark.parametrize("edit", INVALID_EDITS)
def test_an_invalid_edit_sets_a_failed_condition_with_the_location_and_writes_no_workload(kube, controller, edit):
    (old, new), location = INVALID_EDITS[edit]
    deploy(kube, controller)
    kube.requests.clear()

    put_composition(kube, SHOP.replace(old, new))

    cond = wait_until(lambda: not_reconciled(kube, generation=2), what="Reconciled=False")
    assert location in cond["message"]
    assert "/composition/" not in cond["message"], "the stored files are named as the user wrote them"
    assert workload_writes(kube) == []
    assert deployments(kube)["web"]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    wait_until(lambda: any(reason == "Failed" and message.startswith("InvalidCompose: ") and location in message
                           for reason, message in events_about(kube)), what="a Failed event with its reason")


def test_deployment_status_changes_flow_into_the_composition_status_and_events(kube, controller):
    deploy(kube, controller)
    assert condition(composition(kube), "Ready")["status"] == "False"

    for name in ("web", "api", "db"):
        ready_deployment(kube, name)

    ready = wait_until(lambda: condition(composition(kube), "Ready").get("status") == "True" and composition(kube),
                       what="Ready=True")
    assert ready["status"]["ready"] == "3/3"
    def completed() -> set[str]:  # kopf posts Events in the background, shortly after the status write
        names: set[str] = set()
        for reason, message in events_about(kube):
            if reason == "RolloutComplete":
                listed = message.removeprefix("Rolled out ").removesuffix(": ready")
                names.update([listed.removeprefix("service ")] if listed.startswith("service ")
                             else listed.split(": ", 1)[1].split(", "))
        return names

    wait_until(lambda: completed() == {"api", "db", "web"}, what="RolloutComplete for the 3 services")


def test_deleting_a_composition_removes_its_objects_but_keeps_volume_claims(kube, controller):
    deploy(kube, controller)
    assert composition(kube)["metadata"]["finalizers"] == ["dockyard.dev/finalizer"]

    kube.store_delete("Composition", "shop", "env-dev")

    wait_until(lambda: not composition(kube), what="the Composition to go")
    assert deployments(kube) == {}
    assert kube.store_list("Service", "env-dev") == []
    assert claim_names(kube) == ["shop-data"]


def test_deleting_a_composition_that_asks_for_it_removes_its_volume_claims_too(kube, controller):
    deploy(kube, controller, prune_volumes=True)
    assert claim_names(kube) == ["shop-data"]

    kube.store_delete("Composition", "shop", "env-dev")

    wait_until(lambda: not composition(kube), what="the Composition to go")
    assert claim_names(kube) == []


def test_with_a_simulated_cluster_a_rollout_ends_ready_and_a_bad_image_is_reported_as_failed(kube, controller):
    kube.simulator.enabled = True
    kube.simulator.add_unpullable_image("shop/api:broken")
    new_environment(kube)
    put_composition(kube, SHOP)

    wait_until(lambda: condition(composition(kube), "Ready").get("status") == "True", what="Ready=True")
    assert composition(kube)["status"]["ready"] == "3/3"

    put_composition(kube, SHOP.replace("shop/api:1", "shop/api:broken"))

    degraded = wait_until(lambda: condition(composition(kube), "Degraded").get("status") == "True"
                          and condition(composition(kube), "Degraded"), what="Degraded=True")
    assert "shop/api:broken" in degraded["message"]
    wait_until(lambda: any(reason == "Failed" and "shop/api:broken" in message
                           for reason, message in events_about(kube)), what="a Failed event naming the image")


def test_the_periodic_resync_puts_back_a_workload_someone_edited_by_hand(kube, start_controller):
    start_controller(resync=1.0)
    new_environment(kube)
    put_composition(kube, SHOP)
    wait_until(lambda: reconciled(kube), what="Reconciled")

    drifted = kube.store_get("Deployment", "web", "env-dev")
    drifted["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:hand-edited"
    kube.store_put(drifted, manager="kubectl-edit")  # a spec edit: no status change, so only the timer sees it

    wait_until(lambda: deployments(kube)["web"]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25",
               what="the image put back")


def test_changing_an_env_secret_value_rolls_only_the_services_that_reference_it(kube, caplog, controller):
    caplog.set_level(logging.DEBUG)
    deploy_reading_a_secret(kube, controller)
    kube.requests.clear()

    kube.store_put(env_secret(DB_PASSWORD=SECOND_PASSWORD))

    wait_until(lambda: workload_writes(kube), what="a workload write after the secret change")
    settle(kube, controller)
    assert workload_writes(kube) == [("apply", "api")]
    assert "environment_values_changed" in caplog.text  # the controller's debug log was captured
    shown = [caplog.text, repr(events_about(kube)), repr(composition(kube)), repr(deployments(kube))]
    for value in (FIRST_PASSWORD, SECOND_PASSWORD):
        assert not any(value in text or base64.b64encode(value.encode()).decode() in text for text in shown)


FIXES = {
    "set-the-key-again": lambda kube: kube.store_put(env_secret(DB_PASSWORD=SECOND_PASSWORD)),
    "drop-the-variable": lambda kube: put_composition(kube, SHOP),  # a new generation that no longer reads it
}


@pytest.mark.parametrize("fix", FIXES)
def test_an_env_secret_key_removed_under_a_running_service_fails_at_its_line_and_writes_no_workload(kube, controller,
                                                                                                    fix):
    deploy_reading_a_secret(kube, controller)
    kube.requests.clear()

    kube.store_put(env_secret())  # `dockyard secret unset DB_PASSWORD`

    message = wait_until(lambda: not_reconciled(kube), what="Reconciled=False")["message"]
    assert "compose.yaml:9:17: services.api.environment.PASSWORD: variable DB_PASSWORD is not set" in message
    assert "dockyard secret set DB_PASSWORD --env dev" in message
    wait_until(lambda: any(reason == "Failed" and "DB_PASSWORD" in text for reason, text in events_about(kube)),
               what="a Failed event naming the key")
    assert workload_writes(kube) == []
    env = deployments(kube)["api"]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "env-secret", "key": "DB_PASSWORD"}}} in env

    FIXES[fix](kube)

    wait_until(lambda: reconciled(kube), what="Reconciled after the fix")
    assert ("apply", "api") in workload_writes(kube)


def test_a_burst_of_warning_events_about_its_workloads_ends_in_one_status_refresh(kube, start_controller):
    controller = start_controller(debounce=3.0)  # the burst below takes milliseconds
    new_environment(kube)
    put_composition(kube, SHOP)
    wait_until(lambda: reconciled(kube), what="Reconciled")
    for name in ("web", "api", "db"):
        ready_deployment(kube, name)
    wait_until(lambda: condition(composition(kube), "Ready").get("status") == "True", what="Ready=True")
    quiet(kube, controller)  # ready: the engine asks for no requeue, so every run from now on is triggered
    before = controller.state.reconciles

    web = kube.store_get("Deployment", "web", "env-dev")
    for attempt in range(5):
        kube.emit_event(web, "FailedCreate", f"exceeded quota: dockyard-quota (attempt {attempt})")

    wait_until(lambda: controller.state.reconciles > before, what="a run after the Events")
    quiet(kube, controller)
    assert controller.state.reconciles == before + 1
