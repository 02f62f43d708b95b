"""Apply order: ConfigMaps, Secrets, PVCs, Services, then workloads in ``depends_on`` order.

A single explicit step at the end of ``translate``, so no builder cares about order. Within a
kind, objects sort by name; workloads follow a topological order of ``depends_on`` with ties
broken by name, so the output is byte-identical across runs.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import Any

from dockyard.compose.model import Project

from .context import Context

KIND_ORDER = ("ConfigMap", "Secret", "PersistentVolumeClaim", "Service")


def service_order(ctx: Context, project: Project) -> list[str]:
    """Compose service names, dependencies first; a cycle is an error naming it."""
    deps: dict[str, set[str]] = {
        name: {d for d in service.depends_on if d in project.services} for name, service in project.services.items()
    }
    for name, service in project.services.items():
        for dep, condition in service.depends_on.items():
            if dep not in project.services and condition.required:
                raise ctx.error(("services", name, "depends_on", dep), f"depends on {dep!r}, which is not an enabled service")
    waiting = {name: len(d) for name, d in deps.items()}
    dependents: dict[str, list[str]] = {name: [] for name in deps}
    for name, d in deps.items():
        for dep in d:
            dependents[dep].append(name)
    ready = [name for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for dependent in dependents[name]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, dependent)
    if len(order) != len(deps):
        stuck = sorted(set(deps) - set(order))
        raise ctx.error(("services", stuck[0], "depends_on"), f"depends_on has a cycle among services {', '.join(stuck)}")
    return order


def apply_key(obj: dict[str, Any], workload_rank: Mapping[str, int]) -> tuple[int, int, str]:
    """Where ``obj`` goes in apply order: by kind, then (workloads) by ``service_order``, then by name."""
    kind = obj["kind"]
    name = obj["metadata"]["name"]
    if kind in KIND_ORDER:
        return KIND_ORDER.index(kind), 0, name
    return len(KIND_ORDER), workload_rank.get(name, 0), name


def apply_order(objects: list[dict[str, Any]], workload_rank: Mapping[str, int]) -> list[dict[str, Any]]:
    """``workload_rank`` maps a workload's name to its position in ``service_order`` (a stable sort:
    objects with one key keep the order they came in)."""
    return sorted(objects, key=lambda obj: apply_key(obj, workload_rank))
