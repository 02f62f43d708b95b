"""Pod logs: lines fed by the test, served like the kubelet serves them (container, tail, since, follow, previous)."""

from __future__ import annotations

import asyncio

import pytest
from lightkube import ApiError

from tests.emulator.emulator import KubeEmulator


def pod(kube: KubeEmulator, name: str = "web-1", containers: tuple[str, ...] = ("web",)) -> None:
    kube.store_put({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
                    "spec": {"containers": [{"name": c, "image": "nginx:1"} for c in containers]}})


def test_logs_return_the_fed_lines(kube, kube_client):
    pod(kube)
    kube.add_log_lines("default", "web-1", ["starting", "listening on :80"])
    assert list(kube_client.log("web-1", namespace="default")) == ["starting\n", "listening on :80\n"]


def test_tail_lines_and_timestamps(kube, kube_client):
    pod(kube)
    kube.add_log_lines("default", "web-1", "one\ntwo\nthree")
    assert list(kube_client.log("web-1", namespace="default", tail_lines=2)) == ["two\n", "three\n"]
    stamped = list(kube_client.log("web-1", namespace="default", tail_lines=1, timestamps=True))
    assert stamped[0].endswith(" three\n") and stamped[0][:4].isdigit()


def test_since_seconds_filters_old_lines(kube):
    pod(kube)
    kube.add_log_lines("default", "web-1", ["recent"])
    response = kube.http("GET", "/api/v1/namespaces/default/pods/web-1/log", params={"sinceSeconds": "60"})
    assert response.text == "recent\n"


def test_several_containers_need_a_container_name(kube, kube_client):
    pod(kube, containers=("web", "sidecar"))
    kube.add_log_lines("default", "web-1", ["proxy up"], container="sidecar")
    with pytest.raises(ApiError) as e:
        list(kube_client.log("web-1", namespace="default"))
    assert e.value.status.code == 400
    assert "a container name must be specified for pod web-1, choose one of: [web sidecar]" in e.value.status.message
    assert list(kube_client.log("web-1", namespace="default", container="sidecar")) == ["proxy up\n"]


def test_previous_logs_need_a_terminated_container(kube):
    pod(kube)
    response = kube.http("GET", "/api/v1/namespaces/default/pods/web-1/log", params={"previous": "true"})
    assert response.status_code == 400
    assert response.json()["message"] == 'previous terminated container "web" in pod "web-1" not found'
    kube.add_log_lines("default", "web-1", ["boom"], previous=True)
    assert kube.http("GET", "/api/v1/namespaces/default/pods/web-1/log",
                     params={"previous": "true"}).text == "boom\n"


def test_a_container_that_never_started_has_no_logs(kube):
    pod(kube)
    kube.store_patch_status("Pod", "web-1", "default", {"containerStatuses": [
        {"name": "web", "image": "nginx:1", "imageID": "", "ready": False, "restartCount": 0,
         "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]})
    response = kube.http("GET", "/api/v1/namespaces/default/pods/web-1/log")
    assert response.status_code == 400
    assert response.json()["message"] == \
        'container "web" in pod "web-1" is waiting to start: trying and failing to pull image'


def test_logs_of_a_missing_pod_are_not_found(kube):
    assert kube.http("GET", "/api/v1/namespaces/default/pods/ghost/log").status_code == 404


async def test_follow_streams_lines_as_they_are_fed(kube, async_kube_client):
    pod(kube)
    kube.add_log_lines("default", "web-1", ["first"])
    lines: list[str] = []

    async def follow() -> None:
        async for line in async_kube_client.log("web-1", namespace="default", follow=True):
            lines.append(line)
            if len(lines) == 2:
                return

    task = asyncio.create_task(follow())
    while not lines:
        await asyncio.sleep(0.01)
    await asyncio.get_running_loop().run_in_executor(None, kube.add_log_lines, "default", "web-1", ["second"])
    await asyncio.wait_for(task, timeout=10)
    assert lines == ["first\n", "second\n"]


async def test_the_emulator_works_as_an_async_context_manager():
    async with KubeEmulator() as kube:
        kube.create_namespace("default")
        response = await asyncio.get_running_loop().run_in_executor(None, kube.http, "GET", "/api/v1/namespaces")
        assert [i["metadata"]["name"] for i in response.json()["items"]] == ["default"]
