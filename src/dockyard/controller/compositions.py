"""The one place the controller calls the reconcile engine, and what it does with the result.

``engine.reconcile`` is synchronous (the CLI's engine, used unchanged): it runs in a thread pool, at
most ``workers`` at a time, always under the composition's lock from the ``ReconcileQueue``. Around
the call the controller adds what only it knows: a suspended environment is left alone, the result
becomes Events (``events.py``) and a requeue, and a failure is posted once as a ``Failed`` Event
(the engine has already recorded it in the status) before kopf or the queue retries it.

Deleting a Composition prunes everything it owns with the engine's own planner and pruner, keeping
PersistentVolumeClaims unless the Composition asks for them to go (``spec.pruneVolumes``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import kopf

from dockyard.controller.environments import FIELD_MANAGER as ENVIRONMENT_FIELD_MANAGER
from dockyard.controller.errors import reason_of
from dockyard.controller.events import Outcome, RolloutTracker, post_events, post_failure
from dockyard.controller.run import ControllerState
from dockyard.controller.scheduling import Key, ReconcileQueue
from dockyard.errors import DockyardError, TerminalError

logger = logging.getLogger(__name__)

__all__ = ["connection_info", "delete", "outcome_of", "reconcile_now", "start", "stop"]


async def start(state: ControllerState) -> None:
    from dockyard.reconcile.client import AsyncKubeClient, KubeClient, load_kubeconfig

    options = state.options
    state.config = state.config or load_kubeconfig(options.kubeconfig, options.context)
    state.client = state.client or KubeClient(state.config)
    state.env_client = state.env_client or AsyncKubeClient(state.config, field_manager=ENVIRONMENT_FIELD_MANAGER)
    state.executor = ThreadPoolExecutor(max_workers=options.workers, thread_name_prefix="dockyard-reconcile")
    state.queue = ReconcileQueue(functools.partial(_queued_run, state), debounce=options.debounce,
                                 limit=options.workers)
    state.tracker = RolloutTracker()


async def stop(state: ControllerState) -> None:
    await state.queue.close()
    state.executor.shutdown(wait=True, cancel_futures=True)
    await state.env_client.close()
    state.client.close()


def connection_info(state: ControllerState) -> kopf.ConnectionInfo:
    """kopf talks to the same API server, with the same credentials, as the engine's client."""
    from dockyard.reconcile.client import load_kubeconfig

    config = state.config or load_kubeconfig(state.options.kubeconfig, state.options.context)
    cluster, user = config.cluster, config.user
    token = user.token if user else None
    if user and user.token_file:
        with open(config.abs_file(user.token_file)) as f:  # projected tokens rotate: read at every login
            token = f.read().strip()
    return kopf.ConnectionInfo(
        server=cluster.server,
        ca_path=config.abs_file(cluster.certificate_auth) if cluster.certificate_auth else None,
        ca_data=cluster.certificate_auth_data,
        insecure=cluster.insecure or None,
        username=user.username if user else None,
        password=user.password if user else None,
        scheme="Bearer" if token else None,
        token=token,
        certificate_path=config.abs_file(user.client_cert) if user and user.client_cert else None,
        certificate_data=user.client_cert_data if user else None,  # kopf accepts base64 or PEM
        private_key_path=config.abs_file(user.client_key) if user and user.client_key else None,
        private_key_data=user.client_key_data if user else None,
        default_namespace=config.namespace,
    )


def _suspended(state: ControllerState, namespace: str) -> bool:
    return state.suspended is not None and any(state.suspended.get(namespace, []))


def _remember(state: ControllerState, key: Key, body: Any) -> dict[str, Any]:
    """A reference to the Composition for Events (the queue's runs have no body of their own)."""
    if body is not None:
        meta = body["metadata"]
        state.refs[key] = {"apiVersion": body["apiVersion"], "kind": body["kind"],
                           "metadata": {"name": meta["name"], "namespace": meta["namespace"], "uid": meta.get("uid")}}
    return state.refs.get(key) or {"apiVersion": "dockyard.dev/v1alpha1", "kind": "Composition",
                                   "metadata": {"name": key[1], "namespace": key[0]}}


def outcome_of(result) -> Outcome:
    """The engine's ``ReconcileResult`` in the words of Events."""
    from dockyard.reconcile.status import DEGRADED, FAILED, READY, WAITING

    rendered, plan = result.rendered, result.plan
    if rendered is None or plan is None:
        return Outcome(requeue_after=result.requeue_after)
    waiting = {s.name for s in result.services if s.state == WAITING}
    workloads = {(s.workload.kind, s.workload.name): s.name for s in rendered.services.values()}
    applied, rolled = [], []
    for step in plan.writes:
        service = workloads.get((step.kind, step.name))
        if service in waiting and step.live is None:
            continue  # held back by a dependency gate: not written
        applied.append(f"{step.kind}/{step.name}")
        if service is not None:
            rolled.append(service)
    return Outcome(
        applied=tuple(applied),
        pruned=tuple(f"{step.kind}/{step.name}" for step in plan.prunes),
        rolled=tuple(rolled),
        ready=frozenset(s.name for s in result.services if s.state == READY),
        failed={s.name: s.message or s.state for s in result.services if s.state in (FAILED, DEGRADED)},
        requeue_after=result.requeue_after,
    )


async def _run_engine(state: ControllerState, key: Key, body: Any) -> Outcome:
    from dockyard.reconcile import engine

    namespace, name = key
    ref = _remember(state, key, body)
    if _suspended(state, namespace):
        logger.debug("Skipped composition %s/%s: its environment is suspended", namespace, name)
        return Outcome()
    loop = asyncio.get_running_loop()
    state.reconciles += 1
    try:
        result = await loop.run_in_executor(state.executor, engine.reconcile, state.client, namespace, name)
    except DockyardError as exc:
        message = f"{reason_of(exc)}: {exc}"
        if state.failures.get(key) != message:
            state.failures[key] = message
            post_failure(ref, message)
        raise
    state.failures.pop(key, None)
    if result.deleted:
        _forget(state, key)
        return Outcome()
    outcome = outcome_of(result)
    post_events(ref, key, outcome, state.tracker)
    return outcome


async def reconcile_now(state: ControllerState, key: Key, body: Any) -> Outcome:
    """A kopf handler's run: now, under the lock; errors go back to kopf (which retries with backoff)."""
    async with state.queue.lock(key):
        outcome = await _run_engine(state, key, body)
    state.queue.succeeded(key)
    if outcome.requeue_after is not None:
        state.queue.request(key, outcome.requeue_after)
    return outcome


async def _queued_run(state: ControllerState, key: Key) -> float | None:
    try:
        outcome = await _run_engine(state, key, None)
    except TerminalError:
        return None  # recorded in the status; only a new edit (a kopf update) can fix it
    return outcome.requeue_after


def _forget(state: ControllerState, key: Key) -> None:
    state.queue.forget(key)
    state.tracker.forget(key)
    state.refs.pop(key, None)
    state.failures.pop(key, None)


def _prune_everything(client, namespace: str, name: str, prune_volumes: bool) -> int:
    from dockyard.reconcile import apply as applying
    from dockyard.reconcile import engine
    from dockyard.reconcile.plan import plan

    live = engine.observe_live(client, namespace, None)
    nothing = plan((), live.values(), name, prune_volumes=prune_volumes)
    return applying.prune(client, nothing, applying.Applied()).writes


async def delete(state: ControllerState, key: Key, body: Any) -> int:
    """The finalizer's work: remove every object the Composition owns (PVCs only when asked)."""
    namespace, name = key
    prune_volumes = bool((body.get("spec") or {}).get("pruneVolumes", False))
    async with state.queue.lock(key):
        loop = asyncio.get_running_loop()
        deleted = await loop.run_in_executor(state.executor, _prune_everything, state.client, namespace, name,
                                             prune_volumes)
    _forget(state, key)
    return deleted
