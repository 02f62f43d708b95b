"""pytest fixtures: a fresh emulated cluster per test and lightkube clients pointed at it.

Enabled for the whole test tree by `pytest_plugins` in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import lightkube
import pytest
from lightkube.config.kubeconfig import KubeConfig

from tests.emulator.emulator import KubeEmulator


@pytest.fixture
def kube(monkeypatch: pytest.MonkeyPatch) -> Iterator[KubeEmulator]:
    """A fresh, empty emulated API server (plus the `default` namespace); KUBECONFIG points at it."""
    emulator = KubeEmulator().start()
    try:
        emulator.create_namespace("default")
        emulator.requests.clear()
        monkeypatch.setenv("KUBECONFIG", str(emulator.kubeconfig_path))
        yield emulator
        bugs = list(emulator.server_errors) + list(emulator.simulator.errors)
        if bugs:
            pytest.fail(f"the Kubernetes emulator itself failed (a bug in tests/emulator, not in the code under "
                        f"test): {bugs!r}", pytrace=False)
    finally:
        emulator.stop()


@pytest.fixture
def kube_config(kube: KubeEmulator) -> KubeConfig:
    return KubeConfig.from_file(str(kube.kubeconfig_path))


@pytest.fixture
def kube_client(kube_config: KubeConfig) -> Iterator[lightkube.Client]:
    client = lightkube.Client(config=kube_config, field_manager="test")
    yield client
    client.close()


@pytest.fixture
async def async_kube_client(kube_config: KubeConfig) -> AsyncIterator[lightkube.AsyncClient]:
    client = lightkube.AsyncClient(config=kube_config, field_manager="test")
    yield client
    await client.close()
