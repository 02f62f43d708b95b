"""Everything checked before the first write, so an invalid edit changes nothing live.

Rendering already validated the compose input; this module checks what only the engine can see: the
objects as they will be sent (kinds dockyard manages, names Kubernetes accepts, the environment's
namespace, ports, duplicates) and the env-level keys they reference against what the environment holds.
Ownership of existing objects is checked by ``plan``. Problems are returned as sentences, all at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dockyard.errors import ClusterError
from dockyard.manifests.result import LABEL_COMPOSITION, Rendered
from dockyard.reconcile.client import kind_of
from dockyard.reconcile.environments import ENV_CONFIG, ENV_SECRET

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_UNSET = re.compile(r"^variable (\w+) is not set")  # manifests.render.unset_variables' warning
DNS_LABEL_KINDS = frozenset({"Service", "Namespace"})

__all__ = ["problems"]


def _name_problem(obj: Mapping[str, Any]) -> str | None:
    name = (obj.get("metadata") or {}).get("name") or ""
    kind = obj.get("kind")
    if kind in DNS_LABEL_KINDS:
        if not _LABEL.match(name) or len(name) > 63:
            return f"{kind} name {name!r} is not a valid DNS label (at most 63 lowercase letters, digits, '-')"
    elif not _SUBDOMAIN.match(name) or len(name) > 253:
        return f"{kind} name {name!r} is not a valid Kubernetes name (lowercase letters, digits, '-', '.')"
    return None


def _pod_spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return (spec.get("template") or {}).get("spec") or {}


def _containers(obj: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    pod = _pod_spec(obj)
    yield from pod.get("initContainers") or []
    yield from pod.get("containers") or []


def _port_problems(obj: Mapping[str, Any], label: str) -> Iterator[str]:
    for container in _containers(obj):
        for port in container.get("ports") or []:
            number = port.get("containerPort")
            if not isinstance(number, int) or not 1 <= number <= 65535:
                yield f"{label}: container {container.get('name')} port {number!r} is not between 1 and 65535"
    if obj.get("kind") == "Service":
        seen: set[tuple[Any, Any]] = set()
        for port in (obj.get("spec") or {}).get("ports") or []:
            number, protocol = port.get("port"), port.get("protocol", "TCP")
            if not isinstance(number, int) or not 1 <= number <= 65535:
                yield f"{label}: port {number!r} is not between 1 and 65535"
            if (number, protocol) in seen:
                yield f"{label}: port {number}/{protocol} is published twice"
            seen.add((number, protocol))
            target = port.get("targetPort")
            if isinstance(target, int) and not 1 <= target <= 65535:
                yield f"{label}: targetPort {target} is not between 1 and 65535"


def _key_refs(obj: Mapping[str, Any]) -> Iterator[tuple[str, str, str, bool]]:
    """(kind, object name, key, optional) for every configMapKeyRef / secretKeyRef in the pod spec."""
    for container in _containers(obj):
        for env in container.get("env") or []:
            source = env.get("valueFrom") or {}
            for field_name, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = source.get(field_name)
                if ref:
                    yield kind, ref.get("name", ""), ref.get("key", ""), bool(ref.get("optional"))


def _keys_of(obj: Mapping[str, Any]) -> set[str]:
    return set(obj.get("data") or {}) | set(obj.get("stringData") or {}) | set(obj.get("binaryData") or {})


def _missing_keys(obj: Mapping[str, Any], label: str, env: str,
                  available: Mapping[tuple[str, str], set[str]]) -> Iterator[str]:
    """Required configMapKeyRef/secretKeyRef keys absent from the object they name (objects not in
    ``available`` are someone else's: not checked)."""
    for kind, name, key, optional in _key_refs(obj):
        present = available.get((kind, name))
        if optional or present is None or key in present:
            continue
        how = ""
        if name in (ENV_CONFIG, ENV_SECRET):
            how = f"; set it with: dockyard {'secret' if kind == 'Secret' else 'vars'} set {key} --env {env}"
        yield f"{label} uses key {key} of {kind} {name}, which does not have it{how}"


def _removed_secret_keys(rendered: Rendered, live: Iterable[Mapping[str, Any]],
                         secret_keys: set[str] | frozenset[str]) -> Iterator[str]:
    """Variables used without a default that the running version reads from env-secret and env-secret lost.

    Compose would substitute an empty string and roll the services with it; refused instead, at the
    line that uses the variable, so the last good version keeps running.
    """
    env = rendered.environment
    ours = [o for o in live if (o.get("metadata", {}).get("labels") or {}).get(LABEL_COMPOSITION) == env.composition]
    read_before = {key for o in ours for kind, name, key, _ in _key_refs(o) if (kind, name) == ("Secret", ENV_SECRET)}
    for warning in rendered.warnings:
        unset = _UNSET.match(warning.message)
        if unset and unset.group(1) in read_before and unset.group(1) not in secret_keys:
            key = unset.group(1)
            where = f"{warning.location}: " if warning.location else ""
            yield (f"{where}{warning.path}: variable {key} is not set: the running version reads it from Secret "
                   f"{ENV_SECRET}, which no longer has it; set it with: dockyard secret set {key} --env {env.name}")


def problems(rendered: Rendered, config: Mapping[str, str], secret_keys: set[str] | frozenset[str],
             live: Iterable[Mapping[str, Any]] = ()) -> list[str]:
    """Every reason the rendered objects must not be applied (empty when they may); ``live``: the namespace's
    objects, to notice an env-secret key removed under a running service."""
    env = rendered.environment
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    available = {(o.get("kind"), (o.get("metadata") or {}).get("name")): _keys_of(o) for o in rendered.objects}
    available.update({("ConfigMap", ENV_CONFIG): set(config), ("Secret", ENV_SECRET): set(secret_keys)})
    for obj in rendered.objects:
        meta = obj.get("metadata") or {}
        label = f"{obj.get('kind')} {meta.get('name')}"
        try:
            kind_of(obj.get("apiVersion", ""), obj.get("kind", ""))
        except ClusterError as exc:
            out.append(f"{label}: {exc}")
            continue
        if problem := _name_problem(obj):
            out.append(problem)
        if meta.get("namespace") not in (None, env.namespace):
            out.append(f"{label}: namespace {meta.get('namespace')!r} is not the environment's ({env.namespace})")
        if (meta.get("labels") or {}).get(LABEL_COMPOSITION) != env.composition:
            out.append(f"{label}: lacks the label {LABEL_COMPOSITION}={env.composition} (it could never be pruned)")
        if (obj.get("kind"), meta.get("name")) in seen:
            out.append(f"{label}: rendered twice")
        seen.add((obj.get("kind"), meta.get("name")))
        out.extend(_port_problems(obj, label))
        out.extend(_missing_keys(obj, label, env.name, available))
    for service in sorted(rendered.services.values(), key=lambda s: s.name):
        for key in sorted(service.config_keys - set(config)):
            out.append(f"service {service.name} uses env config {key}, which environment {env.name} does not have")
        for key in sorted(service.secret_keys - set(secret_keys)):
            out.append(f"service {service.name} uses env secret {key}, which environment {env.name} does not have")
    out.extend(_removed_secret_keys(rendered, live, secret_keys))
    return list(dict.fromkeys(out))
