"""The Client protocol over lightkube, sync and async, against the emulated API server."""

import pytest

from dockyard.errors import ClusterError
from dockyard.reconcile.client import AsyncKubeClient, KubeClient, load_kubeconfig

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "default",
                                                                   "labels": {"team": "a"}}, "data": {"k": "v"}}


def test_the_sync_client_applies_with_the_dockyard_field_manager_and_reads_plain_dicts(kube, client):
    applied = client.apply(CONFIGMAP)
    assert applied["data"] == {"k": "v"} and isinstance(applied, dict)
    assert kube.requests.writes()[0].field_manager == "dockyard"
    assert client.get("v1", "ConfigMap", "cm", "default")["metadata"]["labels"] == {"team": "a"}
    assert [o["metadata"]["name"] for o in client.list("v1", "ConfigMap", "default", labels={"team": "a"})] == ["cm"]
    assert client.list("v1", "ConfigMap", "default", labels={"team": "b"}) == []


def test_absent_objects_read_as_none_and_delete_reports_whether_something_went(kube, client):
    assert client.get("v1", "ConfigMap", "nope", "default") is None
    assert client.delete("v1", "ConfigMap", "nope", "default") is False
    client.apply(CONFIGMAP)
    assert client.delete("v1", "ConfigMap", "cm", "default") is True


def test_a_server_side_dry_run_stores_nothing(kube, client):
    result = client.apply(CONFIGMAP, dry_run=True)
    assert result["data"] == {"k": "v"}
    assert client.get("v1", "ConfigMap", "cm", "default") is None


def test_errors_name_the_verb_and_object_and_never_the_body(kube, client):
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"},
              "data": {"password": "aHVudGVyMg=="}}
    kube.inject("apply", "Secret", status=422, message="invalid", times=None)
    with pytest.raises(ClusterError) as caught:
        client.apply(secret)
    assert "apply Secret default/s" in str(caught.value) and "aHVudGVyMg" not in str(caught.value)


async def test_the_async_client_offers_the_same_verbs(kube):
    client = AsyncKubeClient(load_kubeconfig(str(kube.kubeconfig_path)))
    try:
        await client.apply(CONFIGMAP)
        assert (await client.get("v1", "ConfigMap", "cm", "default"))["data"] == {"k": "v"}
        assert len(await client.list("v1", "ConfigMap", "default")) == 1
        await client.merge_patch("v1", "ConfigMap", "cm", "default", {"data": {"k": "w"}})
        assert (await client.get("v1", "ConfigMap", "cm", "default"))["data"] == {"k": "w"}
        assert await client.delete("v1", "ConfigMap", "cm", "default") is True
        assert await client.get("v1", "ConfigMap", "cm", "default") is None
    finally:
        await client.close()


def test_a_missing_kubeconfig_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ClusterError, match="no usable Kubernetes configuration"):
        KubeClient(load_kubeconfig())


def test_reading_a_kind_dockyard_does_not_manage_is_refused(client):
    with pytest.raises(ClusterError, match="does not manage Widget"):
        client.get("example.com/v1", "Widget", "w", "default")


async def test_the_async_client_reads_logs_including_the_previous_container(kube):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
           "spec": {"containers": [{"name": "c", "image": "i"}]}}
    kube.store_put(pod)
    kube.add_log_lines("default", "p", ["one", "two"])
    kube.add_log_lines("default", "p", ["crashed"], previous=True)
    client = AsyncKubeClient(load_kubeconfig(str(kube.kubeconfig_path)))
    try:
        assert [line async for line in client.logs("p", "default", tail_lines=1)] == ["two"]
        assert [line async for line in client.logs("p", "default", previous=True)] == ["crashed"]
    finally:
        await client.close()
