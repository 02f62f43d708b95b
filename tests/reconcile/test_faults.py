"""API faults mid-apply: retried with backoff, or raised for a requeue; a rerun always converges."""

import pytest

from dockyard.errors import ClusterError
from dockyard.reconcile.engine import reconcile
from dockyard.reconcile.errors import Backoff, RetryableError

from .factory import Svc

NS = "env-dev"


def run(client, project):
    return reconcile(client, NS, "shop", renderer=project.renderer)


def converged(kube, client, project):
    """A further reconcile writes nothing: the live state is exactly the desired one."""
    kube.requests.clear()
    run(client, project)
    return kube.requests.writes() == []


@pytest.mark.parametrize("status", [409, 429, 500, 503])
def test_a_transient_error_on_apply_is_retried_and_the_reconcile_completes(kube, client, env, project, status):
    fault = kube.inject("apply", "Deployment", "web", status=status, times=2)
    run(client, project)
    assert fault.hits == 2
    assert kube.store_get("Deployment", "web", NS) is not None
    assert converged(kube, client, project)


def test_a_timeout_mid_apply_is_retried(kube, client, env, project):
    fault = kube.inject("apply", "Service", "db", delay=1.5, times=1)
    run(client, project)
    assert fault.hits == 1
    assert converged(kube, client, project)


def test_an_answer_lost_after_the_write_is_retried_without_harm(kube, client, env, project):
    fault = kube.inject("apply", "Deployment", "db", drop=True, after=True, times=1)
    run(client, project)
    assert fault.hits == 1
    assert converged(kube, client, project)


def test_a_persistent_failure_stops_the_run_and_a_rerun_converges(kube, client, env, project):
    kube.inject("apply", "Deployment", "web", status=500, times=None)
    with pytest.raises(RetryableError, match="apply Deployment env-dev/web"):
        run(client, project)
    kube.clear_faults()
    run(client, project)
    assert converged(kube, client, project)


def test_a_run_killed_after_any_number_of_writes_converges_on_rerun(kube, client, env, project):
    names = ["a", "b", "c", "d", "e"]
    original = client.apply
    for kill_after in range(len(names)):
        project.set([Svc(n, image=f"app:{kill_after}") for n in names])  # every workload must be written
        budget = {"left": kill_after}

        def dying_apply(obj, *, force=False, dry_run=False):
            if budget["left"] == 0:
                raise KeyboardInterrupt  # the process dies between two requests
            budget["left"] -= 1
            return original(obj, force=force, dry_run=dry_run)

        client.apply = dying_apply
        with pytest.raises(KeyboardInterrupt):
            run(client, project)
        client.apply = original
        run(client, project)
        assert converged(kube, client, project)
        images = {n: kube.store_get("Deployment", n, NS)["spec"]["template"]["spec"]["containers"][0]["image"]
                  for n in names}
        assert set(images.values()) == {f"app:{kill_after}"}


def test_a_client_error_is_not_retried(kube, client, env, project):
    fault = kube.inject("apply", "Deployment", "web", status=422, times=None)
    with pytest.raises(ClusterError, match="HTTP 422"):
        run(client, project)
    assert fault.hits == 1


def test_a_run_killed_between_the_delete_and_the_create_of_a_recreate_converges_on_rerun(kube, client, env):
    from .conftest import Project

    run(client, Project([Svc("migrate", job=True, port=None, image="migrate:1")]))
    changed = Project([Svc("migrate", job=True, port=None, image="migrate:2")])
    original = client.apply

    def dies_before_creating(obj, *, force=False, dry_run=False):
        if obj["kind"] == "Job":
            raise KeyboardInterrupt
        return original(obj, force=force, dry_run=dry_run)

    client.apply = dies_before_creating
    with pytest.raises(KeyboardInterrupt):
        run(client, changed)
    client.apply = original
    assert kube.store_get("Job", "migrate", NS) is None  # deleted, not yet created again
    run(client, changed)
    assert kube.store_get("Job", "migrate", NS)["spec"]["template"]["spec"]["containers"][0]["image"] == "migrate:2"
    assert converged(kube, client, changed)


async def test_the_async_client_retries_a_server_error_with_backoff(kube):
    from dockyard.reconcile.client import AsyncKubeClient, load_kubeconfig

    fault = kube.inject("apply", "ConfigMap", "cm", status=503, times=2)
    client = AsyncKubeClient(load_kubeconfig(str(kube.kubeconfig_path)), backoff=Backoff(first=0.01))
    try:
        await client.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "default"},
                            "data": {"k": "v"}})
    finally:
        await client.close()
    assert fault.hits == 2 and kube.store_get("ConfigMap", "cm", "default")["data"] == {"k": "v"}
