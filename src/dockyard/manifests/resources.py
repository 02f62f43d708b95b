"""Compose CPU and memory → exact Kubernetes quantities, and GPU reservations → ``nvidia.com/gpu``.

Compose sizes are binary (``512M`` = 512 MiB), so memory is written with binary suffixes when
it divides evenly and in plain bytes otherwise. CPUs become millicores rounded up: a small
positive value never becomes 0 (which Kubernetes would read as "no limit").
"""

from __future__ import annotations

import math
from typing import Any

from dockyard.compose.model import DeviceRequest, Resource, Service

from .context import Context

GPU_RESOURCE = "nvidia.com/gpu"
_BINARY = (("Ei", 1 << 60), ("Pi", 1 << 50), ("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10))
_DECIMAL = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}


def memory_quantity(size: int) -> str:
    for suffix, unit in _BINARY:
        if size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def cpu_quantity(cpus: float) -> str:
    millis = max(1, math.ceil(round(cpus * 1000, 6)))
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def quantity_value(quantity: str) -> float:
    """A quantity's numeric value (for comparisons and tests): ``512Mi`` → 536870912, ``500m`` → 0.5."""
    for suffix, unit in _BINARY:
        if quantity.endswith(suffix):
            return float(quantity[: -len(suffix)]) * unit
    if quantity and quantity[-1] in _DECIMAL:
        return float(quantity[:-1]) * _DECIMAL[quantity[-1]]
    return float(quantity)


def _amounts(resource: Resource | None, cpus: float | None, memory: int | None) -> dict[str, str]:
    cpus = resource.cpus if resource and resource.cpus else cpus
    memory = resource.memory if resource and resource.memory else memory
    out = {}
    if cpus:
        out["cpu"] = cpu_quantity(cpus)
    if memory:
        out["memory"] = memory_quantity(memory)
    return out


def _gpu_count(ctx: Context, path: tuple, request: DeviceRequest, service: str) -> int | None:
    if "gpu" not in request.capabilities and request.driver != "nvidia":
        ctx.warn(path, f"device reservation with capabilities {list(request.capabilities)} is not mapped", service)
        return None
    if request.device_ids:
        ctx.warn(path, "device_ids cannot pick GPUs in Kubernetes; requesting as many GPUs as ids listed", service)
        return len(request.device_ids)
    if request.count is None or request.count < 0:
        ctx.warn(path, "count: all has no Kubernetes equivalent; requesting 1 GPU (set count)", service)
        return 1
    return request.count


def container_resources(ctx: Context, service: Service) -> dict[str, Any]:
    base = ("services", service.name)
    resources = service.deploy.resources if service.deploy else None
    limited = resources.limits if resources else None
    reserved = resources.reservations if resources else None
    limits = _amounts(limited, service.cpus, service.mem_limit)
    requests = _amounts(reserved, None, service.mem_reservation)

    if (reserved and reserved.devices) or service.gpus:  # runs for every service: skip the rare parts when absent
        gpus = 0
        devices = [(("deploy", "resources", "reservations", "devices", i), d)
                   for i, d in enumerate(reserved.devices if reserved else ())]
        devices += [(("gpus", i), d) for i, d in enumerate(service.gpus)]
        for rel, request in devices:
            count = _gpu_count(ctx, (*base, *rel), request, service.name)
            gpus += count or 0
        if gpus:
            limits[GPU_RESOURCE] = str(gpus)

    for kind, resource in (("limits", limited), ("reservations", reserved)):
        if resource and resource.pids:
            ctx.warn((*base, "deploy", "resources", kind, "pids"), "pids limits are set per node in Kubernetes, not per pod", service.name)
        if resource and resource.generic_resources:
            ctx.warn((*base, "deploy", "resources", kind, "generic_resources"), "generic resources are not mapped", service.name)

    for name, request in requests.items():
        limit = limits.get(name)
        if limit is not None and quantity_value(request) > quantity_value(limit):
            raise ctx.error((*base, "deploy", "resources", "reservations", name if name != "cpu" else "cpus"),
                            f"reservation {request} is larger than the limit {limit}")
    out: dict[str, Any] = {}
    if limits:
        out["limits"] = limits
    if requests:
        out["requests"] = requests
    return out
