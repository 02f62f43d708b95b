"""The kopf handlers: declarations only, each a few lines that hand over to the engine.

``register(registry)`` declares them on a registry (not kopf's global one, so two operators can run in
one process, as the HA tests do). Every Composition trigger ends in ``compositions.reconcile`` (the
one engine call); handler triggers run it at once under the composition's lock so kopf sees the
error and applies its backoff; the others (owned objects, Events, env-config/env-secret changes) ask
the ``ReconcileQueue`` for a debounced run. Environments are handled by ``environments.py``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

import kopf

from dockyard.controller import compositions, environments, workspaces
from dockyard.controller.errors import kopf_errors
from dockyard.controller.run import ControllerState
from dockyard.manifests.result import LABEL_COMPOSITION

GROUP = "dockyard.dev"
VERSION = "v1alpha1"
WORKLOAD_KINDS = frozenset({"Pod", "Deployment", "ReplicaSet", "DaemonSet", "Job", "PersistentVolumeClaim"})
EMPTY_STATUS = hash(json.dumps({}))
WATCHED_OWNED = (
    ("apps", "v1", "deployments"), ("apps", "v1", "daemonsets"), ("batch", "v1", "jobs"), ("", "v1", "pods"),
)

__all__ = ["register"]


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _state(memo: Any) -> ControllerState:
    return memo.state


def _compositions_in(state: ControllerState, namespace: str | None) -> list[str]:
    if not namespace or state.compositions is None:
        return []
    return sorted(set(state.compositions.get(namespace, [])))


def _request_namespace(state: ControllerState, namespace: str | None, delay: float | None = None) -> None:
    for name in _compositions_in(state, namespace):
        state.queue.request((namespace, name), delay)


def _status_moved(state: ControllerState, type: str | None, body: Mapping[str, Any]) -> bool:
    """Whether an owned object's event can change the composition's status.

    The engine's own writes change specs, not statuses: their echo would only cost a useless run.
    A spec edit by anyone else still counts, because the workload's controller answers it with a
    status update (``observedGeneration``). Deletions always count. The initial listing (``type``
    None) is covered by the resume handlers.
    """
    uid = body["metadata"].get("uid")
    if type == "DELETED":
        state.seen_status.pop(uid, None)
        return True
    digest = hash(json.dumps(body.get("status") or {}, sort_keys=True))
    before = state.seen_status.get(uid, EMPTY_STATUS)
    state.seen_status[uid] = digest
    return type is not None and digest != before


def register(registry: kopf.OperatorRegistry, *, resync: float = 300.0) -> kopf.OperatorRegistry:
    composition = dict(group=GROUP, version=VERSION, plural="compositions", registry=registry)
    environment = dict(group=GROUP, version=VERSION, plural="environments", registry=registry)

    @kopf.on.startup(registry=registry, id="start")
    async def start(memo: kopf.Memo, logger, **_: Any) -> None:
        await compositions.start(_state(memo))
        logger.info("Started dockyard controller")

    @kopf.on.cleanup(registry=registry, id="stop")
    async def stop(memo: kopf.Memo, **_: Any) -> None:
        await compositions.stop(_state(memo))

    @kopf.on.login(registry=registry, id="login")
    def login(memo: kopf.Memo, **_: Any) -> kopf.ConnectionInfo:
        return compositions.connection_info(_state(memo))

    # ------------------------------------------------------------ indexes (in memory, no requests)

    @kopf.index(**environment, id="suspended_namespaces")
    def suspended_namespaces(name: str, spec: Mapping[str, Any], **_: Any) -> dict[str, bool]:
        return {environments.namespace_of(name, spec): bool(spec.get("suspended", False))}

    @kopf.index(**composition, id="compositions_by_namespace")
    def compositions_by_namespace(namespace: str, name: str, **_: Any) -> dict[str, str]:
        return {namespace: name}

    @kopf.on.startup(registry=registry, id="keep_indexes")
    def keep_indexes(memo: kopf.Memo, suspended_namespaces, compositions_by_namespace, **_: Any) -> None:
        _state(memo).suspended = suspended_namespaces
        _state(memo).compositions = compositions_by_namespace

    # ------------------------------------------------------------ compositions

    @kopf.on.create(**composition, id="composition_changed")
    @kopf.on.update(**composition, field="spec", id="composition_changed")
    @kopf.on.resume(**composition, id="composition_changed")
    async def composition_changed(namespace: str, name: str, body, memo: kopf.Memo, **_: Any) -> None:
        with kopf_errors():
            await compositions.reconcile_now(_state(memo), (namespace, name), body)

    @kopf.timer(**composition, interval=resync, initial_delay=resync, idle=resync / 2, id="composition_resync")
    async def composition_resync(namespace: str, name: str, body, memo: kopf.Memo, **_: Any) -> None:
        with kopf_errors():
            await compositions.reconcile_now(_state(memo), (namespace, name), body)

    @kopf.on.delete(**composition, id="composition_deleted")
    async def composition_deleted(namespace: str, name: str, body, memo: kopf.Memo, **_: Any) -> None:
        with kopf_errors():
            await compositions.delete(_state(memo), (namespace, name), body)

    # ------------------------------------------------------------ what makes a composition's status move

    for group, version, plural in WATCHED_OWNED:
        @kopf.on.event(group, version, plural, labels={LABEL_COMPOSITION: kopf.PRESENT}, registry=registry,
                       id=f"owned_{plural}")
        async def owned_changed(type: str | None, body, namespace: str, labels: Mapping[str, str], memo: kopf.Memo,
                                **_: Any) -> None:
            state = _state(memo)
            if _status_moved(state, type, body):
                state.queue.request((namespace, labels[LABEL_COMPOSITION]))

    def _about_workload(body: Mapping[str, Any], **_: Any) -> bool:
        return body.get("type") == "Warning" and (body.get("involvedObject") or {}).get("kind") in WORKLOAD_KINDS

    @kopf.on.event("", "v1", "events", when=_about_workload, registry=registry, id="workload_event")
    async def workload_event(namespace: str, memo: kopf.Memo, **_: Any) -> None:
        _request_namespace(_state(memo), namespace)

    @kopf.on.event("", "v1", "configmaps", field="metadata.name", value="env-config", registry=registry,
                   id="environment_values_changed")
    @kopf.on.event("", "v1", "secrets", field="metadata.name", value="env-secret", registry=registry,
                   id="environment_values_changed")
    async def environment_values_changed(namespace: str, type: str | None, memo: kopf.Memo, **_: Any) -> None:
        if type is not None:  # None: the initial listing, already covered by resume
            _request_namespace(_state(memo), namespace)

    # ------------------------------------------------------------ environments

    @kopf.on.create(**environment, id="environment_changed")
    @kopf.on.update(**environment, field="spec", id="environment_changed")
    @kopf.on.resume(**environment, id="environment_changed")
    async def environment_changed(name: str, spec, meta, patch, memo: kopf.Memo, logger, **_: Any) -> None:
        state = _state(memo)
        env = environments.EnvironmentSpec.from_resource(name, spec)
        generation = meta.get("generation")
        try:
            with kopf_errors():
                changed = await environments.ensure_environment(state.env_client, env)
        except (kopf.TemporaryError, kopf.PermanentError) as exc:
            failed = environments.condition("Ready", False, "Failed", str(exc), generation, _now())
            patch.status["conditions"] = [failed]
            raise
        if changed:
            logger.info("Environment %s: %s %d workloads", name, "suspended" if env.suspended else "resumed", changed)
            if not env.suspended:  # edits made while suspended are applied now
                _request_namespace(state, env.namespace, delay=0)
        for key, value in environments.ready_status(env, generation, _now()).items():
            patch.status[key] = value

    @kopf.on.delete(**environment, id="environment_deleted")
    async def environment_deleted(name: str, spec, memo: kopf.Memo, **_: Any) -> None:
        env = environments.EnvironmentSpec.from_resource(name, spec)
        with kopf_errors():
            gone = await environments.delete_environment(_state(memo).env_client, env)
        if not gone:
            raise kopf.TemporaryError(f"waiting for namespace {env.namespace} to be deleted", delay=2)

    workspaces.register(registry)  # Workspace handlers: controller/workspaces.py
    return registry
