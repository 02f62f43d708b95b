"""The engine's writes, and nothing else: server-side apply in order, dependency gates, recreate, prune.

``execute`` walks a ``Plan``: non-workload objects first (ConfigMaps, Secrets, PVCs, Services, in the
rendered order), then workloads in depends_on order. A workload that does not exist yet is created only
once its dependencies meet their compose condition (``service_started``: the dependency's workload exists;
``service_healthy``: at least one ready replica; ``service_completed_successfully``: its Job succeeded);
otherwise it is left for the next reconcile and reported as waiting. A workload that already runs is
updated regardless, so the previous version is never held back by a rolling dependency.

Force is used only on objects this composition owns (checked by the plan); an immutable-field change is
a delete followed by a create. ``UNCHANGED`` steps make no request at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.manifests.result import Rendered, ServiceRender
from dockyard.reconcile.client import Client
from dockyard.reconcile.plan import Action, Key, Plan, Step

__all__ = ["Applied", "dependency_gate", "execute", "prune"]

CONDITION_WORDS = {
    "service_started": "started",
    "service_healthy": "healthy",
    "service_completed_successfully": "completed successfully",
}


@dataclass
class Applied:
    """What ``execute`` did: the objects as the server returned them, and who is still waiting."""

    objects: dict[Key, dict[str, Any]] = field(default_factory=dict)
    waiting: dict[str, str] = field(default_factory=dict)  # compose service -> reason
    writes: int = 0
    deleted: list[Key] = field(default_factory=list)


def _met(condition: str, workload: Mapping[str, Any] | None) -> bool:
    if workload is None:
        return False
    status = workload.get("status") or {}
    if condition == "service_completed_successfully":
        return (status.get("succeeded") or 0) >= 1
    if condition == "service_healthy":
        if workload.get("kind") == "DaemonSet":
            return (status.get("numberReady") or 0) >= 1
        if workload.get("kind") == "Job":
            return (status.get("ready") or 0) >= 1 or (status.get("succeeded") or 0) >= 1
        return (status.get("readyReplicas") or 0) >= 1
    return True


def dependency_gate(
    service: ServiceRender, rendered: Rendered, workloads: Mapping[tuple[str, str], Mapping[str, Any]]
) -> str | None:
    """Why ``service`` must not start yet, or None when every dependency meets its condition."""
    for dependency, rule in sorted(service.depends_on.items()):
        target = rendered.services.get(dependency)
        if target is None:
            if rule.required:
                return f"waiting for {dependency}, which is not part of this composition (disabled profile?)"
            continue
        live = workloads.get((target.workload.kind, target.workload.name))
        if not _met(rule.condition, live):
            reason = f"waiting for {dependency} to be {CONDITION_WORDS.get(rule.condition, rule.condition)}"
            if rule.condition == "service_completed_successfully" and target.workload.kind != "Job":
                reason += (f" ({dependency} runs as a {target.workload.kind}, which never completes: "
                           "use service_started or service_healthy, or make it a one-off job)")
            return reason
    return None


def _write(client: Client, step: Step, applied: Applied) -> None:
    if step.action is Action.RECREATE:
        api_version, kind, namespace, name = step.key
        client.delete(api_version, kind, name, namespace or None)
        applied.writes += 1
        applied.deleted.append(step.key)
    force = step.action is Action.UPDATE
    applied.objects[step.key] = client.apply(step.desired or {}, force=force)
    applied.writes += 1


def execute(client: Client, plan: Plan, rendered: Rendered, live: Mapping[Key, Mapping[str, Any]]) -> Applied:
    """Apply every step that writes, in order, honouring dependency gates."""
    applied = Applied()
    workload_keys = {
        (w.api_version, w.kind, w.namespace or rendered.environment.namespace, w.name): s
        for s in rendered.services.values()
        for w in (s.workload,)
    }
    others = [s for s in plan.steps if s.key not in workload_keys]
    workloads = [s for s in plan.steps if s.key in workload_keys]
    for step in others:
        if step.writes:
            _write(client, step, applied)
    state = {(k[1], k[3]): v for k, v in live.items()}
    for step in workloads:
        service = workload_keys[step.key]
        if step.live is None:
            reason = dependency_gate(service, rendered, state)
            if reason:
                applied.waiting[service.name] = reason
                continue
        if step.writes:
            _write(client, step, applied)
            state[(step.kind, step.name)] = applied.objects[step.key]
    return applied


def prune(client: Client, plan: Plan, applied: Applied) -> Applied:
    for step in plan.prunes:
        api_version, kind, namespace, name = step.key
        client.delete(api_version, kind, name, namespace or None)
        applied.writes += 1
        applied.deleted.append(step.key)
    return applied
