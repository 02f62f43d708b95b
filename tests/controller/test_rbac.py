"""The ClusterRole in deploy/rbac.yaml is exactly what the controller uses: every call covered, nothing unused.

One controller run goes through everything the controller can do (environment objects, suspend and
resume, every rendered kind applied, rolled, recreated and pruned, status, Events, logs of a crashing
container, the deletion finalizers); the emulator's request log is the record of what it called.
"""

from __future__ import annotations

from tests.controller.conftest import (
    calls_made,
    composition,
    put_composition,
    put_environment,
    quiet,
    ready_deployment,
    reconciled,
    role_rules,
    wait_until,
)

V1 = """
services:
  web:
    image: nginx:1.25
    ports: ["80"]
    environment:
      GREETING: ${GREETING:-hi}
    configs: [app]
    secrets: [api_key]
  cache:
    image: redis:7
    ports: ["6379"]
  db:
    image: postgres:16
    volumes: [data:/var/lib/postgresql/data]
  migrate:
    image: shop/migrate:1
    restart: "no"
  agent:
    image: shop/agent:1
    deploy:
      mode: global
configs:
  app:
    content: "greeting: hello"
secrets:
  api_key:
    file: ./api_key.txt
volumes:
  data: {}
"""
V2 = """
services:
  web:
    image: nginx:1.25
    ports: ["80"]
    environment:
      GREETING: ${GREETING:-hi}
  db:
    image: postgres:16
    volumes: [data:/var/lib/postgresql/data]
  migrate:
    image: shop/migrate:2
    restart: "no"
  agent:
    image: shop/agent:2
    deploy:
      mode: global
volumes:
  data: {}
"""


def crashing_pod(kube) -> None:
    kube.store_put({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-7d9f-abcde", "namespace": "env-dev",
                     "labels": {"dockyard.dev/composition": "shop", "dockyard.dev/service": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
        "status": {"phase": "Running", "containerStatuses": [{
            "name": "web", "ready": False, "restartCount": 4, "image": "nginx:1.25", "imageID": "",
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1}}}]},
    })


def test_the_cluster_role_covers_every_call_the_controller_makes_and_lists_nothing_unused(kube, controller):
    put_environment(kube, resourceQuota={"hard": {"pods": 50}}, limitRange={"default": {"memory": "256Mi"}})
    wait_until(lambda: kube.store_get("ConfigMap", "env-config", "env-dev"), what="env-config")
    put_composition(kube, V1, files={"api_key.txt": b"s3cret"}, secret_files=frozenset({"api_key.txt"}))
    wait_until(lambda: reconciled(kube), what="Reconciled")
    for name in ("web", "cache", "db"):
        ready_deployment(kube, name)
    crashing_pod(kube)
    kube.store_put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "env-config", "namespace": "env-dev"},
                    "data": {"GREETING": "hey"}})
    quiet(kube, controller)

    put_composition(kube, V2, prune_volumes=True)
    wait_until(lambda: reconciled(kube) and composition(kube)["metadata"]["generation"] == 2, what="V2 applied")
    assert kube.store_get("Deployment", "cache", "env-dev") is None
    assert kube.store_get("Job", "migrate", "env-dev")["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "shop/migrate:2")  # a Job's template is immutable: deleted and created again

    put_environment(kube, suspended=True)
    wait_until(lambda: kube.store_get("Deployment", "web", "env-dev")["spec"]["replicas"] == 0, what="suspended")
    put_environment(kube, suspended=False, networkIsolation=False)
    wait_until(lambda: kube.store_get("Deployment", "web", "env-dev")["spec"]["replicas"] == 1, what="resumed")
    wait_until(lambda: kube.store_get("NetworkPolicy", "dockyard-isolation", "env-dev") is None, what="no policy")

    kube.store_delete("Composition", "shop", "env-dev")
    wait_until(lambda: not composition(kube), what="the Composition to go")
    kube.store_delete("Environment", "dev")
    wait_until(lambda: kube.store_get("Namespace", "env-dev") is None, what="the namespace to go")
    quiet(kube, controller)

    made, granted = calls_made(kube), role_rules("dockyard-controller")
    assert sorted(made - granted) == [], f"calls the ClusterRole does not allow: {sorted(made - granted)}"
    assert sorted(granted - made) == [], f"permissions the controller never used: {sorted(granted - made)}"


def test_secrets_configmaps_events_and_owned_objects_are_only_read_through_server_side_selectors(kube, controller):
    put_environment(kube)
    wait_until(lambda: kube.store_get("Namespace", "env-dev"), what="namespace env-dev")
    put_composition(kube, "services:\n  web:\n    image: nginx:1.25\n")
    wait_until(lambda: reconciled(kube), what="Reconciled")
    expected = {
        "secrets": ("fieldSelector", "metadata.name=env-secret"),
        "configmaps": ("fieldSelector", "metadata.name=env-config"),
        "events": ("fieldSelector", "type=Warning"),
        "pods": ("labelSelector", "dockyard.dev/composition"),
        "deployments": ("labelSelector", "dockyard.dev/composition"),
    }

    watches = [r for r in kube.requests if r.verb == "watch" and r.plural in expected and not r.namespace]

    assert {r.plural for r in watches} == set(expected)
    for record in watches:
        selector, value = expected[record.plural]
        assert record.query.get(selector) == value, (record.plural, record.query)
