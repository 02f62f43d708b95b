"""Dashboard fixtures: the emulated cluster holding a ``shop`` environment applied by the real engine.

``shop`` is created the way the CLI creates it: ``environments.create``, env config and a secret, a
Composition built by ``composition.build`` and stored by ``composition.store``, then one run of
``engine.reconcile``. In the view tests pods are made to run (or fail) by ``Kubelet``, which writes one
pod with a fixed name and the workload status through the emulator's store, like the kubelet and the
Deployment controller would; the browser tests switch on the emulator's cluster simulator instead.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from lightkube.config.kubeconfig import KubeConfig

from dockyard.dashboard.app import create_app
from dockyard.dashboard.engine import Cluster
from dockyard.manifests.result import LABEL_SERVICE
from dockyard.reconcile import composition as compositions
from dockyard.reconcile import engine, environments
from dockyard.reconcile.client import KubeClient

ENV = "shop"
COMPOSITION = "shop"
NAMESPACE = f"env-{ENV}"
PLANTED_SECRET = "PLANTED-s3cr3t-7c41e9"  # must never appear in anything the dashboard sends
SHOP_COMPOSE = """\
name: shop
services:
  web:
    image: nginx:1.27
    ports:
      - "8080:80"
    environment:
      LOG_LEVEL: ${LOG_LEVEL:-info}
      DB_PASSWORD: ${DB_PASSWORD}
  worker:
    image: busybox:1.36
    command: ["sh", "-c", "sleep 3600"]
"""


@pytest.fixture
def engine_client(kube_config: KubeConfig) -> Iterator[KubeClient]:
    client = KubeClient(kube_config)
    yield client
    client.close()


@pytest.fixture
def shop(kube, engine_client: KubeClient) -> dict:
    """The ``shop`` environment, applied once by the engine; returns the stored Composition."""
    compositions.ensure_crd(engine_client)
    environments.create(engine_client, ENV)
    environments.set_config(engine_client, ENV, {"LOG_LEVEL": "debug"})
    environments.set_secret(engine_client, ENV, "DB_PASSWORD", PLANTED_SECRET)
    cr, secret = compositions.build(compositions.CompositionInput(
        name=COMPOSITION, environment=ENV, compose_files=[("compose.yaml", SHOP_COMPOSE)]))
    compositions.store(engine_client, cr, secret)
    engine.reconcile(engine_client, NAMESPACE, COMPOSITION)
    return engine_client.get(compositions.API_VERSION, compositions.KIND, COMPOSITION, NAMESPACE)


@pytest.fixture
def cluster(engine_client: KubeClient, kube_config: KubeConfig) -> Iterator[Cluster]:
    cluster = Cluster(engine_client, kube_config)
    yield cluster
    cluster.join_background(timeout=30)  # engine runs started by saves end before the emulator does


def run_controller(kube) -> None:
    """A ``dockyard install``-ed controller Deployment with an available replica (it does nothing here)."""
    namespace, name = compositions.CONTROLLER
    kube.create_namespace(namespace)
    labels = {"app": name}
    kube.store_put({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
                    "spec": {"selector": {"matchLabels": labels},
                             "template": {"metadata": {"labels": labels},
                                          "spec": {"containers": [{"name": "controller", "image": "dockyard"}]}}}})
    kube.store_patch_status("Deployment", name, namespace, {"availableReplicas": 1})


@pytest.fixture
def app(cluster: Cluster):
    return create_app(cluster)


class Kubelet:
    """Plays kubelet and Deployment controller for the shop's Deployments, through the emulator's store."""

    def __init__(self, kube) -> None:
        self.kube = kube

    def pod_name(self, service: str) -> str:
        return f"{service}-7d9c6b5f4-x2x7q"

    def run(self, service: str, *, ready: bool = True) -> dict:
        """One running pod for ``service`` and a Deployment status to match."""
        deployment = self.kube.store_get("Deployment", service, NAMESPACE)
        template = copy.deepcopy(deployment["spec"]["template"])
        containers = template["spec"]["containers"]
        pod = {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": self.pod_name(service), "namespace": NAMESPACE,
                         "labels": template["metadata"]["labels"]},
            "spec": template["spec"],
            "status": {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                "containerStatuses": [
                    {"name": c["name"], "image": c["image"], "imageID": f"{c['image']}@sha256:{'0' * 64}",
                     "ready": ready, "restartCount": 0,
                     "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}
                    for c in containers
                ],
            },
        }
        stored = self.kube.store_put(pod)
        count = 1 if ready else 0
        self.kube.store_patch_status("Deployment", service, NAMESPACE, {
            "observedGeneration": deployment["metadata"].get("generation", 1), "replicas": 1,
            "updatedReplicas": 1, "readyReplicas": count, "availableReplicas": count,
        })
        return stored

    def fail_image_pull(self, service: str, image: str) -> None:
        """The pod of ``service`` cannot pull ``image`` (what the kubelet reports)."""
        pod = self.kube.store_get("Pod", self.pod_name(service), NAMESPACE)
        name = pod["spec"]["containers"][0]["name"]
        self.kube.store_patch_status("Pod", self.pod_name(service), NAMESPACE, {
            "phase": "Pending",
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [{
                "name": name, "image": image, "imageID": "", "ready": False, "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff",
                                      "message": f'Back-off pulling image "{image}": not found'}},
            }],
        })
        self.kube.store_patch_status("Deployment", service, NAMESPACE, {"readyReplicas": 0, "availableReplicas": 0})

    def log(self, service: str, lines: list[str], pod: str | None = None) -> None:
        """Container output of ``service``'s pod (or of ``pod``), served by the pod's ``log`` subresource.

        Through the store directly: ``KubeEmulator.add_log_lines`` resolves the resource type with a
        nested ``call`` inside the emulator's loop and deadlocks (reported to the emulator's author).
        """
        name = pod or self.pod_name(service)
        container = self.kube.store_get("Pod", name, NAMESPACE)["spec"]["containers"][0]["name"]
        self.kube.call(self.kube.store.add_log, NAMESPACE, name, container, lines)

    def pods_of(self, service: str) -> list[dict]:
        return self.kube.store_list("Pod", NAMESPACE, labels={LABEL_SERVICE: service})


@pytest.fixture
def kubelet(kube) -> Kubelet:
    return Kubelet(kube)
