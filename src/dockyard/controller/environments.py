"""What an Environment custom resource means in the cluster, and how the controller makes it so.

An Environment (cluster-scoped) owns one namespace, ``spec.namespace`` or ``env-{name}``. Reconciling
it (level-based, idempotent) means:

1. the namespace exists and carries the environment labels;
2. ``env-config`` (ConfigMap) and ``env-secret`` (Secret) exist; they are created empty and never
   rewritten, because their data belongs to ``dockyard config`` / ``dockyard secret``;
3. the ResourceQuota and LimitRange follow ``spec.resourceQuota`` / ``spec.limitRange`` (removed when
   the spec drops them);
4. the NetworkPolicy admits traffic from the environment itself and from namespaces or pods labelled
   ``dockyard.dev/connected-environment: <name>`` and, by selecting every pod, denies other namespaces
   (removed when ``spec.networkIsolation`` is false);
5. ``spec.suspended`` scales every Deployment to 0, suspends every unfinished Job and keeps every
   DaemonSet off all nodes (a ``nodeSelector`` no node matches), remembering the previous replicas
   in an annotation; resuming restores them.

Deleting the Environment deletes its namespace (kopf's finalizer keeps the Environment until the
namespace is gone). The objects are written with their own field manager, ``dockyard-environment``, so
they never take fields away from what the engine or the CLI applied as ``dockyard``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.manifests.result import LABEL_ENVIRONMENT, LABEL_MANAGED_BY

FIELD_MANAGER = "dockyard-environment"
LABEL_CONNECTED = "dockyard.dev/connected-environment"
ANNOTATION_SUSPENDED_REPLICAS = "dockyard.dev/suspended-replicas"
JOB_MARKER = "job"  # the annotation's value on a Job dockyard suspended
DAEMONSET_MARKER = "daemonset"  # ... and on a DaemonSet, kept off every node by the node selector below
NODE_SELECTOR_SUSPENDED = "dockyard.dev/suspended"  # a node label no node has
CONFIG_NAME = "env-config"
SECRET_NAME = "env-secret"
QUOTA_NAME = "dockyard-quota"
LIMITS_NAME = "dockyard-limits"
NETWORK_POLICY_NAME = "dockyard-isolation"

__all__ = [
    "ANNOTATION_SUSPENDED_REPLICAS",
    "FIELD_MANAGER",
    "LABEL_CONNECTED",
    "EnvironmentSpec",
    "condition",
    "delete_environment",
    "ensure_environment",
    "limit_range_object",
    "namespace_object",
    "namespace_of",
    "network_policy_object",
    "quota_object",
    "ready_status",
    "resume_workloads",
    "suspend_workloads",
]


def _empty() -> Mapping[str, Any]:
    return {}


def namespace_of(name: str, spec: Mapping[str, Any]) -> str:
    return spec.get("namespace") or f"env-{name}"


@dataclass(frozen=True, slots=True)
class EnvironmentSpec:
    """An Environment's spec, defaults applied (the CRD defaults them too; old objects may lack them)."""

    name: str
    namespace: str
    suspended: bool = False
    network_isolation: bool = True
    quota: Mapping[str, Any] = field(default_factory=_empty)
    limits: Mapping[str, Any] = field(default_factory=_empty)

    @classmethod
    def from_resource(cls, name: str, spec: Mapping[str, Any]) -> EnvironmentSpec:
        return cls(
            name=name,
            namespace=namespace_of(name, spec),
            suspended=bool(spec.get("suspended", False)),
            network_isolation=bool(spec.get("networkIsolation", True)),
            quota=dict((spec.get("resourceQuota") or {}).get("hard") or {}),
            limits={k: dict(v) for k, v in (spec.get("limitRange") or {}).items() if v},
        )

    @property
    def labels(self) -> dict[str, str]:
        return {LABEL_MANAGED_BY: "dockyard", LABEL_ENVIRONMENT: self.name}


def _meta(env: EnvironmentSpec, name: str) -> dict[str, Any]:
    return {"name": name, "namespace": env.namespace, "labels": env.labels}


def namespace_object(env: EnvironmentSpec) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": env.namespace, "labels": env.labels}}


def quota_object(env: EnvironmentSpec) -> dict[str, Any] | None:
    if not env.quota:
        return None
    hard = {key: str(value) for key, value in env.quota.items()}
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": _meta(env, QUOTA_NAME), "spec": {"hard": hard}}


def limit_range_object(env: EnvironmentSpec) -> dict[str, Any] | None:
    if not env.limits:
        return None
    limit = {"type": "Container"} | {key: {r: str(q) for r, q in values.items()} for key, values in env.limits.items()}
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": _meta(env, LIMITS_NAME), "spec": {"limits": [limit]}}


def network_policy_object(env: EnvironmentSpec) -> dict[str, Any] | None:
    if not env.network_isolation:
        return None
    connected = {"matchLabels": {LABEL_CONNECTED: env.name}}
    admitted = [
        {"podSelector": {}},  # this namespace
        {"namespaceSelector": {"matchLabels": {LABEL_ENVIRONMENT: env.name}}},
        {"namespaceSelector": connected},  # a connected workspace namespace
        {"namespaceSelector": {}, "podSelector": connected},  # a connected pod anywhere
    ]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(env, NETWORK_POLICY_NAME),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": admitted}]},
    }


def _empty_data_object(env: EnvironmentSpec, kind: str, name: str) -> dict[str, Any]:
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": _meta(env, name)}
    if kind == "Secret":
        obj["type"] = "Opaque"
    return obj


# (object builder, kind, name) of the optional objects: applied when built, deleted when not.
OPTIONAL_OBJECTS = (
    (quota_object, "v1", "ResourceQuota", QUOTA_NAME),
    (limit_range_object, "v1", "LimitRange", LIMITS_NAME),
    (network_policy_object, "networking.k8s.io/v1", "NetworkPolicy", NETWORK_POLICY_NAME),
)


async def ensure_environment(client, env: EnvironmentSpec) -> int:
    """Make the cluster match ``env``; returns how many workloads were scaled or suspended/resumed.

    ``client`` is an ``AsyncKubeClient`` whose field manager is ``FIELD_MANAGER``.
    """
    await client.apply(namespace_object(env), force=True)
    for kind, name in (("ConfigMap", CONFIG_NAME), ("Secret", SECRET_NAME)):
        await _create_if_absent(client, _empty_data_object(env, kind, name))
    for build, api_version, kind, name in OPTIONAL_OBJECTS:
        desired = build(env)
        if desired is None:
            await client.delete(api_version, kind, name, env.namespace)
        else:
            await client.apply(desired, force=True)
    if env.suspended:
        return await suspend_workloads(client, env.namespace)
    return await resume_workloads(client, env.namespace)


async def _create_if_absent(client, obj: Mapping[str, Any]) -> None:
    meta = obj["metadata"]
    if await client.get(obj["apiVersion"], obj["kind"], meta["name"], meta["namespace"]) is None:
        await client.apply(obj)


def _annotations(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return obj.get("metadata", {}).get("annotations") or {}


def _job_finished(job: Mapping[str, Any]) -> bool:
    conditions = job.get("status", {}).get("conditions") or []
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True" for c in conditions)


def _suspend_patch(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    if ANNOTATION_SUSPENDED_REPLICAS in _annotations(obj):
        return None
    spec = obj.get("spec", {})
    if obj["kind"] == "Deployment":
        if not spec.get("replicas", 1):
            return None
        remembered, change = str(spec.get("replicas", 1)), {"replicas": 0}
    elif obj["kind"] == "DaemonSet":
        off_every_node = {"nodeSelector": {NODE_SELECTOR_SUSPENDED: "true"}}
        remembered, change = DAEMONSET_MARKER, {"template": {"spec": off_every_node}}
    elif spec.get("suspend") or _job_finished(obj):
        return None
    else:
        remembered, change = JOB_MARKER, {"suspend": True}
    return {"metadata": {"annotations": {ANNOTATION_SUSPENDED_REPLICAS: remembered}}, "spec": change}


def _resume_patch(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    remembered = _annotations(obj).get(ANNOTATION_SUSPENDED_REPLICAS)
    if remembered is None:
        return None
    if obj["kind"] == "Deployment":
        change: dict[str, Any] = {"replicas": int(remembered) if remembered.isdigit() else 1}
    elif obj["kind"] == "DaemonSet":
        change = {"template": {"spec": {"nodeSelector": {NODE_SELECTOR_SUSPENDED: None}}}}
    else:
        change = {"suspend": False}
    return {"metadata": {"annotations": {ANNOTATION_SUSPENDED_REPLICAS: None}}, "spec": change}


WORKLOADS = (("apps/v1", "Deployment"), ("apps/v1", "DaemonSet"), ("batch/v1", "Job"))


async def _patch_workloads(client, namespace: str, patch_for) -> int:
    changed = 0
    for api_version, kind in WORKLOADS:
        for obj in await client.list(api_version, kind, namespace):
            patch = patch_for(obj)
            if patch is not None:
                await client.merge_patch(api_version, kind, obj["metadata"]["name"], namespace, patch)
                changed += 1
    return changed


async def suspend_workloads(client, namespace: str) -> int:
    """Scale every Deployment to 0, suspend every unfinished Job, keep every DaemonSet off all nodes."""
    return await _patch_workloads(client, namespace, _suspend_patch)


async def resume_workloads(client, namespace: str) -> int:
    """Undo ``suspend_workloads``: restore remembered replicas and unsuspend the Jobs it suspended."""
    return await _patch_workloads(client, namespace, _resume_patch)


async def delete_environment(client, env: EnvironmentSpec) -> bool:
    """Delete the namespace; True once it is gone (deletion of a namespace takes a while)."""
    live = await client.get("v1", "Namespace", env.namespace)
    if live is None:
        return True
    if (live["metadata"].get("labels") or {}).get(LABEL_ENVIRONMENT) != env.name:
        return True  # a namespace this environment does not own: leave it
    if not live["metadata"].get("deletionTimestamp"):
        await client.delete("v1", "Namespace", env.namespace)
    return await client.get("v1", "Namespace", env.namespace) is None


def condition(type_: str, ok: bool, reason: str, message: str, generation: int | None, now: str) -> dict[str, Any]:
    return {
        "type": type_,
        "status": "True" if ok else "False",
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
        "lastTransitionTime": now,
    }


def ready_status(env: EnvironmentSpec, generation: int | None, now: str) -> dict[str, Any]:
    """The Environment's status once the cluster matches it."""
    reason, message = ("Suspended", "suspended: workloads scaled to 0") if env.suspended else (
        "Reconciled", f"namespace {env.namespace} ready")
    return {"namespace": env.namespace, "suspended": env.suspended, "observedGeneration": generation,
            "conditions": [condition("Ready", True, reason, message, generation, now)]}
