"""Pure pieces of the controller: error mapping, Event wording, the per-composition queue."""

from __future__ import annotations

import asyncio
import math

import kopf
import pytest

from dockyard.controller.errors import REFUSED_DELAY, RETRYABLE_DELAY, as_kopf_error, reason_of
from dockyard.controller.events import Outcome, RolloutTracker, events_for
from dockyard.controller.scheduling import Backoff, ReconcileQueue
from dockyard.errors import ClusterError, SchemaError, TerminalError
from dockyard.reconcile.errors import RetryableError

KEY = ("env-dev", "shop")


def test_bad_input_is_permanent_and_keeps_its_location():
    error = as_kopf_error(SchemaError("services.web.environment must be a mapping", file="compose.yaml", line=12,
                                      column=7))
    assert isinstance(error, kopf.PermanentError)
    assert str(error) == "compose.yaml:12:7: services.web.environment must be a mapping"
    assert isinstance(as_kopf_error(TerminalError("the composition cannot be applied")), kopf.PermanentError)


def test_api_trouble_is_temporary_and_refusals_wait_longer_than_retryable_faults():
    retryable = as_kopf_error(RetryableError("apply Deployment env-dev/web: Service Unavailable", code=503))
    refused = as_kopf_error(ClusterError("apply Deployment env-dev/web: forbidden", code=403))
    assert isinstance(retryable, kopf.TemporaryError) and retryable.delay == RETRYABLE_DELAY
    assert isinstance(refused, kopf.TemporaryError) and refused.delay == REFUSED_DELAY


def test_failure_reasons_are_single_camel_case_words():
    assert reason_of(SchemaError("x")) == "InvalidCompose"
    try:
        raise TerminalError("x") from SchemaError("x")  # how the engine re-raises a compose error
    except TerminalError as wrapped:
        assert reason_of(wrapped) == "InvalidCompose"
    assert reason_of(TerminalError("x")) == "InvalidComposition"
    assert reason_of(ClusterError("x")) == "APIError"


def test_a_rollout_is_started_once_and_completed_once_its_service_is_ready():
    tracker = RolloutTracker()
    first = events_for(KEY, Outcome(applied=("Deployment/web",), rolled=("web",)), tracker)
    again = events_for(KEY, Outcome(), tracker)
    done = events_for(KEY, Outcome(ready=frozenset({"web"})), tracker)
    after = events_for(KEY, Outcome(ready=frozenset({"web"})), tracker)

    assert first == [("Normal", "Applied", "Applied 1 objects: Deployment/web"),
                     ("Normal", "RolloutStarted", "Rolling out service web")]
    assert again == []
    assert done == [("Normal", "RolloutComplete", "Rolled out service web: ready")]
    assert after == []


def test_a_failing_rollout_is_reported_once_per_distinct_message():
    tracker = RolloutTracker()
    events_for(KEY, Outcome(rolled=("web",)), tracker)
    pull = {"web": "image nginx:nope cannot be pulled"}

    first = events_for(KEY, Outcome(failed=pull), tracker)
    repeat = events_for(KEY, Outcome(failed=pull), tracker)
    crash = events_for(KEY, Outcome(failed={"web": "CrashLoopBackOff, exit code 1"}), tracker)

    assert first == [("Warning", "Failed", "Service web: image nginx:nope cannot be pulled")]
    assert repeat == []
    assert crash == [("Warning", "Failed", "Service web: CrashLoopBackOff, exit code 1")]


def test_services_rolling_together_share_one_event():
    tracker = RolloutTracker()
    started = events_for(KEY, Outcome(rolled=("web", "api", "db")), tracker)
    partly = events_for(KEY, Outcome(ready=frozenset({"api", "db"})), tracker)

    assert started == [("Normal", "RolloutStarted", "Rolling out 3 services: api, db, web")]
    assert partly == [("Normal", "RolloutComplete", "Rolled out 2 services: api, db: ready")]


def test_a_long_list_of_applied_objects_is_shortened_in_the_event():
    many = tuple(f"Deployment/s{i}" for i in range(15))
    (event,) = events_for(KEY, Outcome(applied=many), RolloutTracker())
    assert event[2].endswith("Deployment/s9 and 5 more")


async def eventually(probe, timeout: float = 30.0, what: str = "condition") -> None:
    """Wait on the event loop until ``probe()`` is true; the timeout only matters when the code is broken."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not probe():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


def recording_requests(queue: ReconcileQueue) -> list[float | None]:
    """The delay of every ``request`` the queue receives (its own retries and requeues included)."""
    delays: list[float | None] = []
    original = queue.request

    def request(key, delay=None):
        delays.append(delay)
        original(key, delay)

    queue.request = request
    return delays


async def test_requests_during_the_quiet_period_join_into_one_run():
    runs = []

    async def run(key):
        runs.append(key)

    queue = ReconcileQueue(run, debounce=0.05)
    for _ in range(10):
        queue.request(KEY)
    assert queue.waiting == 1
    await eventually(lambda: queue.idle(math.inf), what="the run")
    await queue.close()
    assert runs == [KEY]


@pytest.mark.parametrize("delays", [(3600, None), (None, 3600)], ids=["requeue-first", "trigger-first"])
async def test_an_earlier_trigger_and_a_later_requeue_make_one_run(delays):
    runs = []

    async def run(key):
        runs.append(key)

    queue = ReconcileQueue(run, debounce=0.01)
    for delay in delays:
        queue.request(KEY, delay)
    await eventually(lambda: queue.idle(math.inf), what="the run")  # never, if the hour-long requeue still waited
    await queue.close()
    assert runs == [KEY]


async def test_runs_of_one_composition_never_overlap_while_others_run_in_parallel():
    active: dict[tuple, int] = {}
    overlap = []
    parallel = []
    both_started = asyncio.Event()

    async def run(key):
        active[key] = active.get(key, 0) + 1
        overlap.append(active[key] > 1)
        parallel.append(sum(active.values()))
        if sum(active.values()) == 2:
            both_started.set()
        await asyncio.wait_for(both_started.wait(), 30)  # each first run waits for the other composition's
        active[key] -= 1

    queue = ReconcileQueue(run, debounce=0)
    for _ in range(3):
        for key in (KEY, ("env-dev", "other")):
            queue.request(key)
        await asyncio.sleep(0)
    async with queue.lock(KEY):  # a kopf handler holding the lock keeps queued runs out
        assert active.get(KEY, 0) == 0
        await asyncio.sleep(0.05)
        assert active.get(KEY, 0) == 0
    await eventually(lambda: queue.idle(math.inf), what="every run")
    await queue.close()
    assert not any(overlap)
    assert max(parallel) == 2


async def test_a_failed_run_is_retried_with_growing_delays():
    calls = []

    async def run(key):
        calls.append(key)
        if len(calls) < 4:
            raise RuntimeError("API down")

    queue = ReconcileQueue(run, debounce=0, backoff=Backoff(first=0.01, factor=3, cap=0.05))
    delays = recording_requests(queue)
    queue.request(KEY)
    await eventually(lambda: queue.idle(math.inf), what="the retries")
    await queue.close()
    assert len(calls) == 4
    assert delays == [None, 0.01, pytest.approx(0.03), 0.05]


def test_backoff_grows_and_is_capped():
    backoff = Backoff(first=1, factor=2, cap=5)
    assert [backoff.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]


async def test_a_success_resets_the_backoff():
    outcomes = iter([RuntimeError("down"), None, RuntimeError("down again"), None])

    async def run(key):
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    queue = ReconcileQueue(run, debounce=0, backoff=Backoff(first=0.01, factor=10, cap=60))
    delays = recording_requests(queue)
    queue.request(KEY)
    await eventually(lambda: queue.idle(math.inf), what="the first failure and its retry")
    queue.request(KEY)
    await eventually(lambda: queue.idle(math.inf), what="the second failure and its retry")
    await queue.close()
    assert delays == [None, 0.01, None, 0.01]


async def test_a_run_that_asks_for_a_requeue_runs_again():
    calls = []

    async def run(key):
        calls.append(key)
        return 0.02 if len(calls) == 1 else None

    queue = ReconcileQueue(run, debounce=0)
    delays = recording_requests(queue)
    queue.request(KEY)
    await eventually(lambda: queue.idle(math.inf), what="the requeued run")
    await queue.close()
    assert calls == [KEY, KEY]
    assert delays == [None, 0.02]


async def test_forgetting_a_composition_drops_its_waiting_run():
    runs = []

    async def run(key):
        runs.append(key)

    queue = ReconcileQueue(run, debounce=3600)
    queue.request(KEY)
    queue.forget(KEY)
    await eventually(lambda: queue.idle(math.inf), what="the cancelled run")
    await queue.close()
    assert runs == [] and queue.waiting == 0


def test_kopf_logs_in_with_the_kubeconfig_the_engine_uses(tmp_path):
    from dockyard.controller.compositions import connection_info
    from dockyard.controller.run import ControllerOptions, ControllerState

    (tmp_path / "token").write_text("t0ken\n")
    (tmp_path / "config").write_text("""
apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: dev, user: dev, namespace: env-dev}
clusters:
- name: dev
  cluster: {server: "https://kube.example:6443", certificate-authority: ca.crt}
users:
- name: dev
  user: {tokenFile: token, client-certificate-data: Q0VSVA==, client-key-data: S0VZ}
""")
    state = ControllerState(options=ControllerOptions(kubeconfig=str(tmp_path / "config"), context="dev"))

    info = connection_info(state)

    assert info.server == "https://kube.example:6443"
    assert str(info.ca_path) == str(tmp_path / "ca.crt")
    assert (info.scheme, info.token) == ("Bearer", "t0ken")
    assert (info.certificate_data, info.private_key_data) == ("Q0VSVA==", "S0VZ")
    assert info.default_namespace == "env-dev"
