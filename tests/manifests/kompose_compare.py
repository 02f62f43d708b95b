"""Semantic comparison of dockyard's objects with kompose's, per compose service.

Both sides are reduced to the same facts (kind, image, effective env, container ports, Service
ports, Service names, probes, resources, volume mounts, replicas) so that field layout, labels
and naming conventions do not matter; quantities compare by value. ``differences`` returns the
aspects that differ, each with a short human-readable detail.
"""

from __future__ import annotations

from typing import Any

from dockyard.manifests.resources import quantity_value

WORKLOAD_KINDS = ("Deployment", "DaemonSet", "StatefulSet", "Pod", "Job", "CronJob", "ReplicationController")
ASPECTS = ("kind", "image", "env", "ports", "service-ports", "services", "probes", "resources", "volumes", "replicas",
           "claims")


def _items(objects: list[dict]) -> list[dict]:
    out = []
    for obj in objects:
        if obj and obj.get("kind") == "List":
            out += _items(obj.get("items") or [])
        elif obj:
            out.append(obj)
    return out


def _pod_spec(obj: dict) -> dict:
    if obj["kind"] == "Pod":
        return obj["spec"]
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def _config_data(objects: list[dict], kind: str, name: str) -> dict[str, str]:
    for obj in objects:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return {**(obj.get("data") or {}), **(obj.get("binaryData") or {})}
    return {}


def _env(objects: list[dict], container: dict) -> dict[str, Any]:
    env: dict[str, Any] = {}
    for source in container.get("envFrom") or []:
        if "configMapRef" in source:
            env.update(_config_data(objects, "ConfigMap", source["configMapRef"]["name"]))
    for entry in container.get("env") or []:
        if "value" in entry:
            env[entry["name"]] = str(entry["value"])
        elif "valueFrom" in entry:
            ref = entry["valueFrom"]
            if "configMapKeyRef" in ref:
                cm = ref["configMapKeyRef"]
                env[entry["name"]] = _config_data(objects, "ConfigMap", cm["name"]).get(cm["key"])
            elif "secretKeyRef" in ref:
                env[entry["name"]] = ("secret", ref["secretKeyRef"]["key"])
            else:
                env[entry["name"]] = ("ref", tuple(sorted(ref)))
        else:
            env[entry["name"]] = ""
    return env


def _probe(probe: dict | None) -> tuple | None:
    if not probe:
        return None
    action = probe.get("exec", {}).get("command") or probe.get("httpGet") or probe.get("tcpSocket")
    return (str(action), probe.get("periodSeconds"), probe.get("timeoutSeconds"), probe.get("failureThreshold"))


def _resources(container: dict) -> dict[str, float]:
    resources = container.get("resources") or {}
    return {f"{kind}.{name}": quantity_value(str(value))
            for kind in ("limits", "requests") for name, value in (resources.get(kind) or {}).items()}


def _volume_kind(volume: dict) -> str:
    # a volume with no source is an emptyDir (the API server's default)
    return next((k for k in ("persistentVolumeClaim", "configMap", "secret", "hostPath") if k in volume), "emptyDir")


def _volumes(pod: dict, container: dict) -> dict[str, str]:
    kinds = {v["name"]: _volume_kind(v) for v in pod.get("volumes") or []}
    return {m["mountPath"]: kinds.get(m["name"], "volumeClaimTemplate") for m in container.get("volumeMounts") or []}


def facts(objects: list[dict]) -> dict[str, dict[str, Any]]:
    """Per workload name: the comparable facts of its first container and its Services."""
    objects = _items(objects)
    services = [o for o in objects if o["kind"] == "Service"]
    out: dict[str, dict[str, Any]] = {}
    for obj in objects:
        if obj["kind"] not in WORKLOAD_KINDS:
            continue
        pod = _pod_spec(obj)
        container = pod["containers"][0]
        labels = (obj["spec"].get("template", {}).get("metadata", {}).get("labels") if obj["kind"] != "Pod"
                  else obj["metadata"].get("labels")) or {}
        mine = [s for s in services if s["spec"].get("selector") and set(s["spec"]["selector"].items()) <= set(labels.items())]
        out[obj["metadata"]["name"]] = {
            "kind": obj["kind"],
            "image": container.get("image"),
            "env": _env(objects, container),
            "ports": sorted({(p["containerPort"], p.get("protocol", "TCP")) for p in container.get("ports") or []}),
            "service-ports": sorted({(p["port"], int(p.get("targetPort", p["port"])), p.get("protocol", "TCP"))
                                     for s in mine for p in s["spec"].get("ports") or []}),
            "services": sorted(s["metadata"]["name"] for s in mine),
            "probes": (_probe(container.get("livenessProbe")), _probe(container.get("readinessProbe"))),
            "resources": _resources(container),
            "volumes": _volumes(pod, container),
            "replicas": obj["spec"].get("replicas", 1) if obj["kind"] in ("Deployment", "StatefulSet") else None,
        }
    return out


def claims(objects: list[dict]) -> list[tuple]:
    """The PersistentVolumeClaims as (access modes, requested bytes), names aside (conventions differ)."""
    return sorted((tuple(o["spec"].get("accessModes") or ()), quantity_value(str(o["spec"]["resources"]["requests"]["storage"])))
                  for o in _items(objects) if o["kind"] == "PersistentVolumeClaim")


def differences(kompose: list[dict], dockyard: list[dict]) -> dict[str, list[str]]:
    """aspect -> details, for every aspect where dockyard differs from kompose.

    kompose's probes are liveness-only: dockyard adds readiness, so only liveness is compared.
    Service ports: dockyard must offer every port kompose offers (it may add target ports).
    Replicas compare only when both sides are replicated workloads.
    """
    theirs, ours = facts(kompose), facts(dockyard)
    out: dict[str, list[str]] = {}

    def add(aspect: str, detail: str) -> None:
        out.setdefault(aspect, []).append(detail)

    if claims(kompose) != claims(dockyard):
        add("claims", f"{claims(kompose)} vs {claims(dockyard)}")

    for name in sorted(set(theirs) | set(ours)):
        if name not in ours or name not in theirs:
            add("kind", f"{name}: only in {'kompose' if name in theirs else 'dockyard'}")
            continue
        k, d = theirs[name], ours[name]
        if (k["kind"], d["kind"]) not in {(x, x) for x in WORKLOAD_KINDS}:
            add("kind", f"{name}: {k['kind']} vs {d['kind']}")
        for aspect in ("image", "env", "ports", "resources", "volumes"):
            if k[aspect] != d[aspect]:
                add(aspect, f"{name}: {k[aspect]!r} vs {d[aspect]!r}")
        if k["probes"][0] != d["probes"][0]:
            add("probes", f"{name}: {k['probes'][0]!r} vs {d['probes'][0]!r}")
        missing = set(k["service-ports"]) - set(d["service-ports"])
        if missing:
            add("service-ports", f"{name}: dockyard lacks {sorted(missing)}")
        if set(k["services"]) != set(d["services"]):
            add("services", f"{name}: {k['services']} vs {d['services']}")
        if k["replicas"] is not None and d["replicas"] is not None and k["replicas"] != d["replicas"]:
            add("replicas", f"{name}: {k['replicas']} vs {d['replicas']}")
    return out
