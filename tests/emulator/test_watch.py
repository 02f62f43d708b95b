"""WATCH: replay from a resourceVersion, live events, selectors, bookmarks, timeouts and 410 Gone."""

from __future__ import annotations

import asyncio
import json

import pytest
from lightkube import ApiError
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ConfigMap

from tests.emulator.emulator import KubeEmulator


def configmap(name: str, labels: dict | None = None) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, namespace="default", labels=labels), data={"k": "v"})


def watch_lines(kube: KubeEmulator, params: dict) -> list[dict]:
    response = kube.http("GET", "/api/v1/namespaces/default/configmaps", params={"watch": "true", **params})
    return [json.loads(line) for line in response.text.splitlines() if line]


def test_watch_from_a_resource_version_replays_what_happened_after_it(kube, kube_client):
    start = kube_client.create(configmap("a")).metadata.resourceVersion
    kube_client.create(configmap("b"))
    kube_client.patch(ConfigMap, "a", {"data": {"k": "w"}}, namespace="default")
    kube_client.delete(ConfigMap, "b", namespace="default")
    events = watch_lines(kube, {"resourceVersion": start, "timeoutSeconds": "0"})
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs) and rvs[0] > int(start)


def test_watch_without_resource_version_starts_with_current_objects(kube, kube_client):
    kube_client.create(configmap("a"))
    events = watch_lines(kube, {"timeoutSeconds": "0"})
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "a")]


def test_watch_from_a_compacted_resource_version_gets_410_gone(kube, kube_client):
    start = kube_client.create(configmap("a")).metadata.resourceVersion
    kube_client.create(configmap("b"))
    kube.compact()
    events = watch_lines(kube, {"resourceVersion": start, "timeoutSeconds": "1"})
    assert events[-1]["type"] == "ERROR"
    assert events[-1]["object"]["code"] == 410 and events[-1]["object"]["reason"] == "Expired"


def test_bounded_history_expires_old_versions():
    with KubeEmulator(history_limit=3) as kube:
        kube.create_namespace("default")
        first = kube.store_put({"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"name": "a", "namespace": "default"}})
        for n in range(5):
            kube.store_put({"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"name": f"c{n}", "namespace": "default"}})
        events = watch_lines(kube, {"resourceVersion": first["metadata"]["resourceVersion"], "timeoutSeconds": "0"})
        assert events[-1]["type"] == "ERROR" and events[-1]["object"]["code"] == 410


def test_lightkube_watch_raises_410_as_an_api_error(kube, kube_client):
    start = kube_client.create(configmap("a")).metadata.resourceVersion
    kube_client.create(configmap("b"))
    kube.compact()
    with pytest.raises(ApiError) as e:
        for _ in kube_client.watch(ConfigMap, namespace="default", resource_version=start):
            pass
    assert e.value.status.code == 410


def test_watch_with_a_label_selector_sees_objects_entering_and_leaving_it(kube, kube_client):
    start = kube.revision
    kube_client.create(configmap("a"))
    kube_client.patch(ConfigMap, "a", {"metadata": {"labels": {"app": "x"}}}, namespace="default")
    kube_client.patch(ConfigMap, "a", {"data": {"k": "2"}}, namespace="default")
    kube_client.patch(ConfigMap, "a", {"metadata": {"labels": {"app": None}}}, namespace="default")
    events = watch_lines(kube, {"resourceVersion": str(start), "labelSelector": "app=x", "timeoutSeconds": "0"})
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]


def test_timeout_ends_the_stream_with_a_bookmark_when_allowed(kube, kube_client):
    kube_client.create(configmap("a"))
    events = watch_lines(kube, {"resourceVersion": str(kube.revision), "timeoutSeconds": "0",
                                "allowWatchBookmarks": "true"})
    assert events == [{"type": "BOOKMARK", "object": {"kind": "ConfigMap", "apiVersion": "v1",
                                                      "metadata": {"resourceVersion": str(kube.revision)}}}]


async def test_async_watch_streams_live_events(kube, async_kube_client):
    received: list[tuple[str, str]] = []

    async def consume() -> None:
        async for kind, obj in async_kube_client.watch(ConfigMap, namespace="default"):
            received.append((kind, obj.metadata.name))
            if len(received) == 2:
                return

    task = asyncio.create_task(consume())
    await async_kube_client.create(configmap("a"))
    await async_kube_client.delete(ConfigMap, "a", namespace="default")
    await asyncio.wait_for(task, timeout=10)
    assert received == [("ADDED", "a"), ("DELETED", "a")]
