"""API faults mid-apply: retried with backoff, or raised for a requeue; a rerun always converges."""

import pytest

from dockyard.errors import ClusterError
from dockyard.reconcile.engine import reconcile
from dockyard.reconcile.errors import RetryableError

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
