"""Fault injection and the request log."""

from __future__ import annotations

import httpx2  # lightkube 1.0 talks through httpx2, so its transport errors are httpx2 classes
import lightkube
import pytest
from lightkube import ApiError
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ConfigMap


def configmap(name: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, namespace="default"), data={"k": "v"})


@pytest.mark.parametrize("status, reason", [(409, "Conflict"), (429, "TooManyRequests"), (500, "InternalError")])
def test_an_injected_status_fails_the_matching_request_once(kube, kube_client, status, reason):
    fault = kube.inject("create", "ConfigMap", status=status)
    with pytest.raises(ApiError) as e:
        kube_client.create(configmap("a"))
    assert e.value.status.code == status and e.value.status.reason == reason
    assert kube.store_get("ConfigMap", "a", "default") is None
    kube_client.create(configmap("a"))
    assert fault.hits == 1


def test_faults_match_by_name_namespace_and_count(kube, kube_client):
    kube.inject("get", "configmaps", name="b", status=500, times=2)
    kube_client.create(configmap("a"))
    kube_client.create(configmap("b"))
    assert kube_client.get(ConfigMap, "a", namespace="default").metadata.name == "a"
    for _ in range(2):
        with pytest.raises(ApiError):
            kube_client.get(ConfigMap, "b", namespace="default")
    assert kube_client.get(ConfigMap, "b", namespace="default").metadata.name == "b"


def test_after_faults_commit_the_write_but_lose_the_answer(kube, kube_client):
    kube.inject("apply", "ConfigMap", status=504, after=True)
    with pytest.raises(ApiError):
        kube_client.apply(configmap("a"), field_manager="dockyard")
    assert kube.store_get("ConfigMap", "a", "default")["data"] == {"k": "v"}


def test_a_dropped_connection_is_a_transport_error(kube, kube_config):
    kube.inject("create", "ConfigMap", drop=True)
    client = lightkube.Client(config=kube_config, field_manager="t")
    with pytest.raises(httpx2.TransportError):
        client.create(configmap("a"))
    assert kube.store_get("ConfigMap", "a", "default") is None


def test_a_delay_longer_than_the_client_timeout_is_a_timeout(kube, kube_config):
    kube.inject("write", "ConfigMap", delay=0.5, after=False)
    client = lightkube.Client(config=kube_config, field_manager="t", timeout=httpx2.Timeout(0.1))
    with pytest.raises(httpx2.TimeoutException):
        client.create(configmap("a"))


def test_the_request_log_tells_verbs_kinds_and_writes_apart(kube, kube_client):
    kube_client.create(configmap("a"))
    kube_client.get(ConfigMap, "a", namespace="default")
    list(kube_client.list(ConfigMap, namespace="default"))
    kube_client.apply(configmap("a"), field_manager="dockyard")
    kube_client.patch(ConfigMap, "a", {"data": {"x": "y"}}, namespace="default")
    kube_client.delete(ConfigMap, "a", namespace="default")
    assert [r.verb for r in kube.requests] == ["create", "get", "list", "apply", "patch", "delete"]
    assert [r.verb for r in kube.requests.writes()] == ["create", "apply", "patch", "delete"]
    apply = kube.requests.filter(verb="apply")[0]
    assert (apply.kind, apply.namespace, apply.name, apply.field_manager) == ("ConfigMap", "default", "a",
                                                                               "dockyard")
    assert apply.body["data"] == {"k": "v"} and apply.status == 200
    assert kube.requests[0].path == "/api/v1/namespaces/default/configmaps"


def test_a_stall_after_the_write_times_out_the_client_but_keeps_the_write(kube, kube_config):
    kube.inject("apply", "ConfigMap", delay=0.5, after=True)
    client = lightkube.Client(config=kube_config, field_manager="t", timeout=httpx2.Timeout(0.1))
    with pytest.raises(httpx2.TimeoutException):
        client.apply(configmap("a"))
    assert kube.store_get("ConfigMap", "a", "default") is not None
