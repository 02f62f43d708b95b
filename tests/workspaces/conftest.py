"""Workspaces against the emulated API over HTTP: the CRD installed, the engine's client, environments."""

from __future__ import annotations

import pytest
import yaml

from dockyard.controller.environments import EnvironmentSpec, network_policy_object
from dockyard.reconcile import environments
from dockyard.reconcile.client import KubeClient, load_kubeconfig


def install_crd(kube) -> None:
    from importlib import resources

    text = resources.files("dockyard").joinpath("deploy", "crds", "workspace.yaml").read_text()
    for doc in yaml.safe_load_all(text):
        kube.store_put(doc)


@pytest.fixture
def client(kube):
    install_crd(kube)
    c = KubeClient(load_kubeconfig(str(kube.kubeconfig_path)))
    yield c
    c.close()


def make_environment(kube, client, name: str, *, isolated: bool = True) -> None:
    """An environment as ``dockyard env create`` makes it, plus the controller's NetworkPolicy."""
    environments.create(client, name)
    policy = network_policy_object(EnvironmentSpec.from_resource(name, {}))
    if isolated:
        kube.store_put(policy)


def put_service(kube, name: str, env: str, ports: list[int]) -> None:
    kube.store_put({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": f"env-{env}"},
                    "spec": {"selector": {"dockyard.dev/service": name},
                             "ports": [{"port": p, "protocol": "TCP", **named(p, len(ports))} for p in ports]}})


def named(port: int, count: int) -> dict:
    return {"name": f"tcp-{port}"} if count > 1 else {}  # the API server requires names when there are several
