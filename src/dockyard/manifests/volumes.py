"""Service ``volumes`` / ``tmpfs`` / ``shm_size`` → pod volumes, mounts and PersistentVolumeClaims.

- named volume → PVC named after the compose volume (``<project>-<key>``), default 1Gi
  ReadWriteOnce; size / storage class / access mode from ``x-dockyard`` or ``driver_opts``. PVCs
  carry no owner: data outlives the composition. ``external`` → the existing claim by name.
- anonymous volume → emptyDir (warning: its data goes with the pod).
- tmpfs → emptyDir ``medium: Memory``.
- bind mount of files next to the compose file → a ConfigMap (see ``files.bind_config_map``);
  any other host path → PolicyError ``host-path`` (hostPath when allowed).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.compose.model import Service, ServiceVolume, Volume

from . import files, labels, names
from .context import Context
from .resources import memory_quantity

ACCESS_MODES = {"ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"}
EXCLUSIVE_MODES = {"ReadWriteOnce", "ReadWriteOncePod"}
_K8S_QUANTITY = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")
_COMPOSE_SIZE = re.compile(r"^(\d+)\s*([kmgt])b?$", re.IGNORECASE)
_COMPOSE_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


@dataclass
class PodStorage:
    """What a service's storage contributes to its pod and to the rendered set."""

    volumes: list[dict[str, Any]] = field(default_factory=list)
    mounts: list[dict[str, Any]] = field(default_factory=list)
    objects: list[dict[str, Any]] = field(default_factory=list)  # ConfigMaps for bind mounts
    exclusive_claims: list[str] = field(default_factory=list)  # RWO claims: force Recreate

    def add(self, volume: dict[str, Any], mount: dict[str, Any]) -> None:
        """Add a pod volume (once per name) and its mount; a different source under a taken name is renamed."""
        wanted = volume["name"]
        for existing in self.volumes:  # a plain loop: a few calls per service, a generator costs more than the search
            if existing["name"] == wanted:
                break
        else:
            existing = None
        if existing is None:
            self.volumes.append(volume)
        elif existing != volume:  # e.g. volume keys ``data_x`` and ``data-x`` both give ``data-data-x``
            name = names.joined(volume["name"], names.short_hash(json.dumps(volume, sort_keys=True)))
            self.add({**volume, "name": name}, {**mount, "name": name})
            return
        self.mounts.append(mount)


def _settings(volume: Volume) -> dict[str, str]:
    extension = volume.extensions.get("x-dockyard") or {}
    opts = dict(volume.driver_opts)
    merged = {
        "size": opts.get("size"),
        "storage_class": opts.get("storage_class") or opts.get("storageClassName") or opts.get("storage_class_name"),
        "access_mode": opts.get("access_mode") or opts.get("accessMode"),
    }
    if isinstance(extension, Mapping):
        for key in ("size", "storage_class", "access_mode"):
            if extension.get(key) is not None:
                merged[key] = str(extension[key])
    return {k: v for k, v in merged.items() if v}


def _size(ctx: Context, volume: Volume, text: str) -> str:
    if _K8S_QUANTITY.fullmatch(text):
        return text
    match = _COMPOSE_SIZE.fullmatch(text)
    if match:
        return memory_quantity(int(match.group(1)) * _COMPOSE_UNITS[match.group(2).lower()])
    raise ctx.error(("volumes", volume.key), f"volume size {text!r} is not a size (e.g. 10Gi or 10g)")


def claim_name(volume: Volume) -> str:
    if volume.external and names.is_dns_subdomain(volume.name):
        return volume.name
    return names.dns_label(volume.name)


def access_mode(ctx: Context, volume: Volume) -> str:
    mode = _settings(volume).get("access_mode", ctx.options.default_access_mode)
    if mode not in ACCESS_MODES:
        raise ctx.error(("volumes", volume.key), f"access_mode must be one of {sorted(ACCESS_MODES)}, not {mode!r}")
    return mode


def claim(ctx: Context, volume: Volume) -> dict[str, Any]:
    settings = _settings(volume)
    spec: dict[str, Any] = {
        "accessModes": [access_mode(ctx, volume)],
        "resources": {"requests": {"storage": _size(ctx, volume, settings.get("size", ctx.options.default_volume_size))}},
    }
    if "storage_class" in settings:
        spec["storageClassName"] = settings["storage_class"]
    meta_labels = {**labels.common(ctx.environment), labels.LABEL_VOLUME: names.dns_label(volume.key)}
    for key in sorted(volume.driver_opts):
        if key not in {"size", "storage_class", "storageClassName", "storage_class_name", "access_mode", "accessMode"}:
            ctx.warn(("volumes", volume.key, "driver_opts", key), "driver option not mapped (dockyard reads size, storage_class, access_mode)")
    if volume.driver and volume.driver != "local":
        ctx.warn(("volumes", volume.key, "driver"), f"volume driver {volume.driver!r} not mapped; the cluster's storage class decides")
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": labels.metadata(claim_name(volume), ctx.namespace, meta_labels),
        "spec": spec,
    }


def _mount(name: str, entry: ServiceVolume, **extra: Any) -> dict[str, Any]:
    mount: dict[str, Any] = {"name": name, "mountPath": entry.target}
    if entry.read_only:
        mount["readOnly"] = True
    subpath = entry.volume.subpath if entry.volume else None
    if subpath:
        mount["subPath"] = subpath
    mount.update(extra)
    return mount


def _named(ctx: Context, service: Service, index: int, entry: ServiceVolume, storage: PodStorage) -> None:
    path = ("services", service.name, "volumes", index)
    volume = ctx.project.volumes.get(entry.source or "")
    if volume is None:
        raise ctx.error(path, f"volume {entry.source!r} is not declared in the top-level volumes section")
    if volume.external and not names.is_dns_subdomain(volume.name):
        ctx.warn(("volumes", volume.key), f"external volume {volume.name!r} is not a Kubernetes name; "
                 f"using the claim {claim_name(volume)!r}", service.name)
    name = names.joined("data", volume.key)
    storage.add({"name": name, "persistentVolumeClaim": {"claimName": claim_name(volume)}}, _mount(name, entry))
    if not volume.external and access_mode(ctx, volume) in EXCLUSIVE_MODES:  # read-only too: attach is per node
        storage.exclusive_claims.append(volume.key)
    if entry.volume and entry.volume.nocopy:
        ctx.warn((*path, "volume", "nocopy"), "Kubernetes never copies image content into volumes; nocopy is implied", service.name)


def _host_path(ctx: Context, service: Service, index: int, entry: ServiceVolume, storage: PodStorage, why: str) -> None:
    path = ("services", service.name, "volumes", index)
    if not ctx.allowed("host-path"):
        raise ctx.error(path, f"bind mount of {entry.source!r}: {why}, so there is nothing to ship with the composition, "
                        "and hostPath volumes are not allowed by the baseline policy; use a named volume, or a config, "
                        "or ship the files next to the compose file (or allow the host-path policy)", policy=True)
    name = names.joined("host", names.short_hash(entry.target))
    storage.add({"name": name, "hostPath": {"path": entry.source}}, _mount(name, entry))


def _bind(ctx: Context, service: Service, index: int, entry: ServiceVolume, storage: PodStorage) -> None:
    source = posixpath.normpath(entry.source or "")
    shipped = files.bind_sources(ctx.project, source)
    inside = source == ctx.project.working_dir or source.startswith(ctx.project.working_dir.rstrip("/") + "/")
    if not inside:
        _host_path(ctx, service, index, entry, storage, "it is outside the project directory")
        return
    if not shipped:
        _host_path(ctx, service, index, entry, storage, "it is missing or holds no files")
        return
    config_map, volume, sub_path = files.bind_config_map(ctx, service, index, entry.target, source, shipped)
    storage.objects.append(config_map)
    extra = {"subPath": sub_path} if sub_path else {}
    storage.add(volume, {**_mount(volume["name"], entry, **extra), "readOnly": True})
    if not entry.read_only:
        ctx.warn(("services", service.name, "volumes", index), f"{entry.target} is mounted read-only from a ConfigMap "
                 "(bind-mounted files ship with the composition); writes there will fail", service.name)


def _empty_dir(name: str, medium: str | None = None, size: int | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if medium:
        spec["medium"] = medium
    if size:
        spec["sizeLimit"] = memory_quantity(size)
    return {"name": name, "emptyDir": spec}


def _tmpfs_string(text: str) -> tuple[str, int | None]:
    target, _, options = text.partition(":")
    size = None
    for option in options.split(","):
        key, _, value = option.partition("=")
        if key == "size" and value:
            match = _COMPOSE_SIZE.fullmatch(value)
            size = int(match.group(1)) * _COMPOSE_UNITS[match.group(2).lower()] if match else int(value) if value.isdigit() else None
    return target, size


def pod_storage(ctx: Context, service: Service) -> PodStorage:
    storage = PodStorage()
    base = ("services", service.name)
    for index, entry in enumerate(service.volumes):
        path = (*base, "volumes", index)
        if entry.type == "volume" and entry.source:
            _named(ctx, service, index, entry, storage)
        elif entry.type == "volume":
            name = names.joined("anon", names.short_hash(entry.target))
            storage.add(_empty_dir(name), _mount(name, entry))
            ctx.warn(path, f"anonymous volume at {entry.target} becomes an emptyDir: its data is lost when the pod "
                     "is replaced (declare a named volume to keep it)", service.name)
        elif entry.type == "tmpfs":
            name = names.joined("tmpfs", names.short_hash(entry.target))
            size = entry.tmpfs.size if entry.tmpfs else None
            storage.add(_empty_dir(name, "Memory", size), _mount(name, entry))
            if entry.tmpfs and entry.tmpfs.mode is not None:
                ctx.warn((*path, "tmpfs", "mode"), "tmpfs mode is not mapped (emptyDir permissions are fixed)", service.name)
        elif entry.type == "bind":
            _bind(ctx, service, index, entry, storage)
        else:
            ctx.warn(path, f"volume type {entry.type!r} has no Kubernetes mapping; {entry.target} is not mounted", service.name)
        if entry.bind and (entry.bind.propagation or entry.bind.selinux):
            ctx.warn((*path, "bind"), "bind propagation/selinux options are not mapped", service.name)
        if entry.consistency:
            ctx.warn((*path, "consistency"), "consistency is a Docker Desktop option; ignored", service.name)
    for index, text in enumerate(service.tmpfs):
        target, size = _tmpfs_string(text)
        name = names.joined("tmpfs", names.short_hash(target))
        storage.add(_empty_dir(name, "Memory", size), {"name": name, "mountPath": target})
    if service.shm_size:
        storage.add(_empty_dir("dshm", "Memory", service.shm_size), {"name": "dshm", "mountPath": "/dev/shm"})
    return storage


def _refuse_claim_collisions(ctx: Context, keys: list[str]) -> None:
    """Two volumes whose different names normalise to one claim would share (and mix) their data."""
    seen: dict[str, Volume] = {}
    for key in keys:
        volume = ctx.project.volumes[key]
        other = seen.setdefault(claim_name(volume), volume)
        if other.name != volume.name:
            raise ctx.error(("volumes", key), f"volumes {other.key!r} and {key!r} both become the Kubernetes claim "
                            f"{claim_name(volume)!r}; rename one")


def claims(ctx: Context) -> list[dict[str, Any]]:
    """PVCs for every non-external named volume an enabled service mounts."""
    used = {v.source for s in ctx.project.services.values() for v in s.volumes if v.type == "volume" and v.source}
    keys = sorted(key for key in used if key in ctx.project.volumes)
    _refuse_claim_collisions(ctx, keys)
    return [claim(ctx, ctx.project.volumes[key]) for key in keys if not ctx.project.volumes[key].external]
