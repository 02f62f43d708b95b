"""What each service is doing and why, computed from observed objects only (no I/O).

The engine gathers the workloads, pods, events, PVCs and (for crashing containers) the last log line;
this module turns them into one ``ServiceStatus`` per compose service and the Composition's roll-up
conditions (``Ready``, ``Progressing``, ``Degraded``, ``Reconciled``), following the API conventions:
every condition carries ``observedGeneration`` and keeps its ``lastTransitionTime`` while its status
does not change, so an unchanged world produces an identical status (and no status write).

Messages name the cause a person can act on: the image that cannot be pulled, the exit code and last log
line of a crashing container, the missing ConfigMap/Secret key, the resource that cannot be scheduled, the
unbound volume, the failing probe. Secret values never reach this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from dockyard.manifests.result import LABEL_SERVICE, Rendered, ServiceRender

PENDING = "pending"
WAITING = "waiting-for-dependency"
PROGRESSING = "progressing"
READY = "ready"
DEGRADED = "degraded"
FAILED = "failed"
STOPPED = "stopped"
STATES = (PENDING, WAITING, PROGRESSING, READY, DEGRADED, FAILED, STOPPED)

IMAGE_PULL_REASONS = frozenset({"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"})
CONFIG_REASONS = frozenset({"CreateContainerConfigError", "CreateContainerError"})

__all__ = [
    "Observed",
    "ServiceStatus",
    "composition_status",
    "service_status",
    "services_status",
    "STATES",
]


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    name: str
    state: str
    kind: str = "Deployment"
    desired: int = 0
    ready: int = 0
    updated: int = 0
    available: int = 0
    image: str = ""
    ports: tuple[str, ...] = ()
    dns_names: tuple[str, ...] = ()
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ports"] = list(self.ports)
        out["dnsNames"] = list(out.pop("dns_names"))
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServiceStatus:
        return cls(
            name=data["name"], state=data.get("state", PENDING), kind=data.get("kind", ""),
            desired=data.get("desired", 0), ready=data.get("ready", 0), updated=data.get("updated", 0),
            available=data.get("available", 0), image=data.get("image", ""), ports=tuple(data.get("ports") or ()),
            dns_names=tuple(data.get("dnsNames") or ()), message=data.get("message", ""),
        )


@dataclass(frozen=True, slots=True)
class Observed:
    """Everything the engine saw in the namespace that status needs."""

    workloads: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)  # (kind, name) -> live
    pods: Sequence[Mapping[str, Any]] = ()
    events: Sequence[Mapping[str, Any]] = ()
    claims: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # PVC name -> live
    last_log_lines: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (pod, container) -> line
    waiting: Mapping[str, str] = field(default_factory=dict)  # service -> why it waits for a dependency


# ---------------------------------------------------------------- per service

def _template(workload: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = workload.get("spec") or {}
    if workload.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return spec.get("template") or {}


def _image(workload: Mapping[str, Any]) -> str:
    containers = ((_template(workload).get("spec")) or {}).get("containers") or []
    return containers[0].get("image", "") if containers else ""


def _ports_and_names(service: ServiceRender, desired: Mapping[tuple[str, str], Mapping[str, Any]], namespace: str):
    ports: list[str] = []
    names: list[str] = []
    for ref in service.objects:
        if ref.kind != "Service":
            continue
        obj = desired.get(("Service", ref.name)) or {}
        for port in (obj.get("spec") or {}).get("ports") or []:
            ports.append(f"{port.get('port')}/{port.get('protocol', 'TCP')}")
        names += [ref.name, f"{ref.name}.{namespace}.svc.cluster.local"]
    return tuple(dict.fromkeys(ports)), tuple(dict.fromkeys(names))


def _counts(workload: Mapping[str, Any]) -> tuple[int, int, int, int]:
    spec, status = workload.get("spec") or {}, workload.get("status") or {}
    kind = workload.get("kind")
    if kind == "DaemonSet":
        desired = status.get("desiredNumberScheduled", 0)
        return desired, status.get("numberReady", 0), status.get("updatedNumberScheduled", 0), status.get(
            "numberAvailable", 0)
    if kind == "Job":
        desired = spec.get("completions") or 1
        return desired, status.get("succeeded", 0), status.get("succeeded", 0), status.get("succeeded", 0)
    desired = spec.get("replicas", 1)
    return (desired, status.get("readyReplicas", 0), status.get("updatedReplicas", 0),
            status.get("availableReplicas", 0))


def _pods_of(service: ServiceRender, pods: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [p for p in pods if ((p.get("metadata") or {}).get("labels") or {}).get(LABEL_SERVICE) == service.dns_name]


def _events_about(names: set[str], events: Iterable[Mapping[str, Any]], kinds: set[str]) -> list[Mapping[str, Any]]:
    chosen = [e for e in events if (e.get("involvedObject") or {}).get("name") in names
              and (e.get("involvedObject") or {}).get("kind") in kinds]
    return sorted(chosen, key=_event_time)


def _event_time(event: Mapping[str, Any]) -> str:
    return event.get("lastTimestamp") or event.get("eventTime") or (event.get("metadata") or {}).get(
        "creationTimestamp") or ""


def _pod_problem(pod: Mapping[str, Any], log_lines: Mapping[tuple[str, str], str]) -> tuple[str, str] | None:
    """(severity, message) for the worst thing wrong with one pod; severity is FAILED or PROGRESSING."""
    status = pod.get("status") or {}
    pod_name = (pod.get("metadata") or {}).get("name", "")
    images = {c.get("name"): c.get("image") for c in ((pod.get("spec") or {}).get("containers") or [])}
    for container in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        waiting = (container.get("state") or {}).get("waiting") or {}
        reason, detail = waiting.get("reason"), waiting.get("message") or ""
        cname = container.get("name", "")
        if reason in IMAGE_PULL_REASONS:
            image = container.get("image") or images.get(cname, "")
            return FAILED, f"cannot pull image {image} ({reason}){': ' + detail if detail else ''}"
        if reason in CONFIG_REASONS:
            return FAILED, f"container {cname} cannot start: {detail or reason}"
        if reason == "CrashLoopBackOff":
            terminated = (container.get("lastState") or {}).get("terminated") or {}
            code = terminated.get("exitCode")
            line = log_lines.get((pod_name, cname)) or ""
            text = f"container {cname} keeps crashing (CrashLoopBackOff"
            text += f", exit code {code})" if code is not None else ")"
            return FAILED, text + (f"; last log line: {line}" if line else "")
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            return PROGRESSING, f"cannot be scheduled: {condition.get('message') or condition.get('reason')}"
    if status.get("phase") == "Failed":
        return FAILED, f"pod {pod_name} failed: {status.get('message') or status.get('reason') or 'Failed'}"
    return None


def _event_problem(events: Sequence[Mapping[str, Any]]) -> str | None:
    for event in reversed(events):
        if event.get("type") != "Warning":
            continue
        reason = event.get("reason", "")
        message = event.get("message", "")
        if reason == "FailedScheduling":
            if "unbound" in message and "PersistentVolumeClaim" in message:
                return f"waiting for a volume: {message}"
            return f"cannot be scheduled: {message}"
        if reason == "Unhealthy":
            return f"health check failing: {message}"
        if reason in ("FailedMount", "FailedAttachVolume", "FailedCreate", "BackoffLimitExceeded", "Failed"):
            return f"{reason}: {message}"
    return None


def _claims_problem(workload: Mapping[str, Any], claims: Mapping[str, Mapping[str, Any]]) -> str | None:
    volumes = ((_template(workload).get("spec")) or {}).get("volumes") or []
    for volume in volumes:
        claim_name = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        claim = claims.get(claim_name) if claim_name else None
        if claim_name and claim is None:
            return f"volume claim {claim_name} does not exist"
        phase = ((claim or {}).get("status") or {}).get("phase")
        if claim is not None and phase not in (None, "Bound"):
            return f"volume claim {claim_name} is not bound ({phase})"
    return None


def _job_failed(workload: Mapping[str, Any]) -> str | None:
    for condition in (workload.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Failed" and condition.get("status") == "True":
            return f"job failed: {condition.get('message') or condition.get('reason')}"
    return None


def service_status(
    service: ServiceRender,
    desired: Mapping[tuple[str, str], Mapping[str, Any]],
    observed: Observed,
    namespace: str,
) -> ServiceStatus:
    """The state and message of one compose service."""
    kind, name = service.workload.kind, service.workload.name
    want = desired.get((kind, name)) or {}
    ports, dns_names = _ports_and_names(service, desired, namespace)
    base = dict(name=service.name, kind=kind, image=_image(want), ports=ports, dns_names=dns_names)
    live = observed.workloads.get((kind, name))
    if service.name in observed.waiting and live is None:
        return ServiceStatus(state=WAITING, message=observed.waiting[service.name], **base)
    if live is None:
        return ServiceStatus(state=PENDING, message=f"{kind} {name} not created yet", **base)
    desired_count, ready, updated, available = _counts(live)
    counts = dict(desired=desired_count, ready=ready, updated=updated, available=available)
    base["image"] = _image(live) or base["image"]
    pods = _pods_of(service, observed.pods)
    pod_names = {(p.get("metadata") or {}).get("name") for p in pods}
    events = _events_about(pod_names | {name}, observed.events, {"Pod", kind})
    if kind == "Job" and (failure := _job_failed(live)):
        return ServiceStatus(state=FAILED, message=failure, **counts, **base)
    if kind not in ("Job", "DaemonSet") and desired_count == 0:
        return ServiceStatus(state=STOPPED, message="scaled to 0", **counts, **base)
    generation_seen = kind in ("Job", "CronJob") or (  # Jobs report no observedGeneration
        (live.get("status") or {}).get("observedGeneration", 0) >= (live.get("metadata") or {}).get("generation", 0))
    settled = ready >= desired_count and (kind == "Job" or updated >= desired_count) and generation_seen
    problems = [p for p in (_pod_problem(pod, observed.last_log_lines) for pod in pods) if p]
    if settled and not problems:
        message = "completed" if kind == "Job" else f"{ready}/{desired_count} ready"
        return ServiceStatus(state=READY, message=message, **counts, **base)
    failures = [message for severity, message in problems if severity == FAILED]
    if failures:
        state = DEGRADED if ready > 0 else FAILED
        return ServiceStatus(state=state, message=failures[0], **counts, **base)
    reason = (problems[0][1] if problems else None) or _claims_problem(live, observed.claims) or _event_problem(events)
    if settled:
        return ServiceStatus(state=READY, message=f"{ready}/{desired_count} ready", **counts, **base)
    if reason and reason.startswith("health check failing") and ready > 0:
        return ServiceStatus(state=DEGRADED, message=reason, **counts, **base)
    message = reason or (f"{ready}/{desired_count} ready, {updated}/{desired_count} updated"
                         if kind != "Job" else "running")
    return ServiceStatus(state=PROGRESSING, message=message, **counts, **base)


def services_status(rendered: Rendered, observed: Observed) -> list[ServiceStatus]:
    desired = {(o["kind"], o["metadata"]["name"]): o for o in rendered.objects}
    namespace = rendered.environment.namespace
    return [service_status(s, desired, observed, namespace) for _, s in sorted(rendered.services.items())]


# ---------------------------------------------------------------- roll-up

def _condition(type_: str, ok: bool, reason: str, message: str, generation: int, now: str,
               previous: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    status = "True" if ok else "False"
    before = previous.get(type_) or {}
    since = before.get("lastTransitionTime") if before.get("status") == status else None
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "observedGeneration": generation, "lastTransitionTime": since or now}


def composition_status(
    services: Sequence[ServiceStatus],
    *,
    generation: int,
    now: str,
    previous: Mapping[str, Any] | None = None,
    error: str | None = None,
    error_reason: str = "InvalidInput",
) -> dict[str, Any]:
    """The Composition's ``status``: per-service entries plus Ready/Progressing/Degraded/Reconciled."""
    old = {c.get("type"): c for c in ((previous or {}).get("conditions") or [])}
    states = [s.state for s in services]
    not_ready = [s for s in services if s.state not in (READY, STOPPED)]
    troubled = [s for s in services if s.state in (FAILED, DEGRADED)]
    moving = [s for s in services if s.state in (PENDING, WAITING, PROGRESSING)]
    ready_count = len(services) - len(not_ready)

    def describe(items: Sequence[ServiceStatus]) -> str:
        return "; ".join(f"{s.name}: {s.message or s.state}" for s in items)

    conditions = [
        _condition("Ready", not not_ready and error is None,
                   "AllServicesReady" if not not_ready else "ServicesNotReady",
                   describe(not_ready) or f"{ready_count}/{len(services)} services ready", generation, now, old),
        _condition("Progressing", bool(moving), "Rollout" if moving else "Settled", describe(moving), generation, now,
                   old),
        _condition("Degraded", bool(troubled), "ServicesFailing" if troubled else "NoFailures", describe(troubled),
                   generation, now, old),
        _condition("Reconciled", error is None, "Applied" if error is None else error_reason, error or "", generation,
                   now, old),
    ]
    return {
        "observedGeneration": generation,
        "ready": f"{ready_count}/{len(services)}",
        "serviceCount": len(services),
        "phase": _phase(states, error),
        "services": [s.to_dict() for s in services],
        "conditions": conditions,
    }


def _phase(states: Sequence[str], error: str | None) -> str:
    if error is not None:
        return "Invalid"
    if any(s == FAILED for s in states):
        return "Failed"
    if any(s == DEGRADED for s in states):
        return "Degraded"
    if all(s in (READY, STOPPED) for s in states):
        return "Ready"
    return "Progressing"
