"""Engine tests run over HTTP against the emulated API server (``kube`` fixture from tests/emulator)."""

from __future__ import annotations

import pytest

from dockyard.reconcile import composition, environments
from dockyard.reconcile.client import KubeClient, load_kubeconfig
from dockyard.reconcile.errors import Backoff

from .factory import Svc, rendered


class Project:
    """The composition under test: a ``Rendered`` the test edits, served to the engine as its renderer."""

    def __init__(self, services, **kwargs):
        self.set(services, **kwargs)

    def set(self, services, **kwargs):
        self.services = list(services)
        self.kwargs = kwargs

    def renderer(self, source, environment):
        return rendered(self.services, env_name=environment.name, composition=environment.composition,
                        config=environment.config, secret_keys=sorted(environment.secret_keys), **self.kwargs)


@pytest.fixture
def client(kube):
    c = KubeClient(load_kubeconfig(str(kube.kubeconfig_path)), backoff=Backoff(attempts=4, first=0.01, cap=0.05),
                   timeout=1.0)
    yield c
    c.close()


@pytest.fixture
def env(kube, client):
    composition.ensure_crd(client)
    environments.create(client, "dev")
    stored, _ = composition.build(composition.CompositionInput(
        name="shop", environment="dev", compose_files=[("compose.yaml", "services: {}\n")]))
    composition.store(client, stored)
    kube.requests.clear()
    return "env-dev"


@pytest.fixture
def project():
    return Project([Svc("web"), Svc("db", port=5432, volume="data")])


__all__ = ["Project", "Svc"]
