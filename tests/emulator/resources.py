"""The resource types the emulated API server serves, and the discovery documents built from them.

Built-in kinds are a static table; CustomResourceDefinitions add rows at runtime when they are created
(and remove them when deleted), exactly as the real server makes a CRD's group/version servable.
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    subresources: frozenset[str] = frozenset()
    generation: bool = False          # does metadata.generation track spec changes?
    short_names: tuple[str, ...] = ()
    custom: bool = False              # served from a CRD (unstructured, no strategic merge patch)
    schema: Any = None                # openAPIV3Schema of a CRD version (for list types)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> tuple[str, str]:
        """Storage key: objects belong to group+plural, whatever version they are read through."""
        return (self.group, self.plural)

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    def qualified(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural


def _builtin(group: str, version: str, rows: list[tuple]) -> list[ResourceType]:
    result = []
    for plural, kind, namespaced, subresources, generation, *short in rows:
        result.append(ResourceType(group, version, plural, kind, namespaced, frozenset(subresources),
                                   generation, tuple(short)))
    return result


_S = ("status",)
BUILTINS: list[ResourceType] = [
    *_builtin("", "v1", [
        ("namespaces", "Namespace", False, _S, False, "ns"),
        ("nodes", "Node", False, _S, False, "no"),
        ("configmaps", "ConfigMap", True, (), False, "cm"),
        ("secrets", "Secret", True, (), False),
        ("services", "Service", True, _S, False, "svc"),
        ("endpoints", "Endpoints", True, (), False, "ep"),
        ("persistentvolumeclaims", "PersistentVolumeClaim", True, _S, False, "pvc"),
        ("persistentvolumes", "PersistentVolume", False, _S, False, "pv"),
        ("pods", "Pod", True, ("status", "log"), False, "po"),
        ("events", "Event", True, (), False, "ev"),
        ("serviceaccounts", "ServiceAccount", True, (), False, "sa"),
        ("resourcequotas", "ResourceQuota", True, _S, False, "quota"),
        ("limitranges", "LimitRange", True, (), False, "limits"),
    ]),
    *_builtin("apps", "v1", [
        ("deployments", "Deployment", True, ("status", "scale"), True, "deploy"),
        ("replicasets", "ReplicaSet", True, ("status", "scale"), True, "rs"),
        ("daemonsets", "DaemonSet", True, _S, True, "ds"),
        ("statefulsets", "StatefulSet", True, ("status", "scale"), True, "sts"),
        ("controllerrevisions", "ControllerRevision", True, (), False),
    ]),
    *_builtin("batch", "v1", [
        ("jobs", "Job", True, _S, True),
        ("cronjobs", "CronJob", True, _S, True, "cj"),
    ]),
    *_builtin("networking.k8s.io", "v1", [
        ("networkpolicies", "NetworkPolicy", True, (), True, "netpol"),
        ("ingresses", "Ingress", True, _S, True, "ing"),
        ("ingressclasses", "IngressClass", False, (), False),
    ]),
    *_builtin("rbac.authorization.k8s.io", "v1", [
        ("roles", "Role", True, (), False),
        ("rolebindings", "RoleBinding", True, (), False),
        ("clusterroles", "ClusterRole", False, (), False),
        ("clusterrolebindings", "ClusterRoleBinding", False, (), False),
    ]),
    *_builtin("coordination.k8s.io", "v1", [("leases", "Lease", True, (), False)]),
    *_builtin("events.k8s.io", "v1", [("events", "Event", True, (), False, "ev")]),
    *_builtin("policy", "v1", [("poddisruptionbudgets", "PodDisruptionBudget", True, _S, True, "pdb")]),
    *_builtin("autoscaling", "v2", [
        ("horizontalpodautoscalers", "HorizontalPodAutoscaler", True, _S, True, "hpa")]),
    *_builtin("apiextensions.k8s.io", "v1", [
        ("customresourcedefinitions", "CustomResourceDefinition", False, _S, True, "crd")]),
]

CRD_TYPE = next(rt for rt in BUILTINS if rt.plural == "customresourcedefinitions")
NAMESPACE_TYPE = next(rt for rt in BUILTINS if rt.plural == "namespaces")


class Registry:
    """Which group/version/plural is servable right now."""

    def __init__(self) -> None:
        self._by_gvp: dict[tuple[str, str, str], ResourceType] = {}
        for rt in BUILTINS:
            self.add(rt)

    def add(self, rt: ResourceType) -> None:
        self._by_gvp[(rt.group, rt.version, rt.plural)] = rt

    def remove_group_plural(self, group: str, plural: str) -> None:
        for key in [k for k in self._by_gvp if k[0] == group and k[2] == plural]:
            del self._by_gvp[key]

    def get(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_gvp.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        for rt in self._by_gvp.values():
            if rt.group == group and rt.version == version and rt.kind == kind:
                return rt
        return None

    def find(self, name: str) -> list[ResourceType]:
        """Resource types by plural, kind, short name or 'plural.group' (for test helpers)."""
        lname = name.lower()
        return [rt for rt in self._by_gvp.values()
                if lname in (rt.plural, rt.kind.lower(), rt.qualified(), *rt.short_names)]

    def all(self) -> list[ResourceType]:
        return list(self._by_gvp.values())

    def of_key(self, key: tuple[str, str]) -> list[ResourceType]:
        return [rt for rt in self._by_gvp.values() if rt.key == key]

    # --- discovery documents -------------------------------------------------------------------

    def groups(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for rt in self._by_gvp.values():
            versions = result.setdefault(rt.group, [])
            if rt.version not in versions:
                versions.append(rt.version)
        return result

    def api_versions(self) -> dict[str, Any]:
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}

    def api_group(self, group: str) -> dict[str, Any] | None:
        versions = self.groups().get(group)
        if not group or not versions:
            return None
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": gvs,
                "preferredVersion": gvs[0]}

    def api_group_list(self) -> dict[str, Any]:
        groups = [self.api_group(g) for g in self.groups() if g]
        for g in groups:
            del g["kind"], g["apiVersion"]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def resource_list(self, group: str, version: str) -> dict[str, Any] | None:
        rts = [rt for rt in self._by_gvp.values() if rt.group == group and rt.version == version]
        if not rts:
            return None
        resources = []
        for rt in sorted(rts, key=lambda r: r.plural):
            verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
            resources.append({"name": rt.plural, "singularName": rt.singular, "namespaced": rt.namespaced,
                              "kind": rt.kind, "verbs": verbs, "shortNames": list(rt.short_names)})
            for sub in sorted(rt.subresources):
                sub_verbs = ["get"] if sub == "log" else ["get", "patch", "update"]
                resources.append({"name": f"{rt.plural}/{sub}", "singularName": "", "namespaced": rt.namespaced,
                                  "kind": "Scale" if sub == "scale" else rt.kind, "verbs": sub_verbs})
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": f"{group}/{version}" if group else version, "resources": resources}


def crd_resource_types(crd: dict[str, Any]) -> list[ResourceType]:
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    result = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = frozenset((version.get("subresources") or {}).keys())
        schema = (version.get("schema") or {}).get("openAPIV3Schema") or {}
        result.append(ResourceType(
            group=spec.get("group", ""), version=version["name"], plural=names.get("plural", ""),
            kind=names.get("kind", ""), namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            subresources=subresources, generation=True, short_names=tuple(names.get("shortNames") or ()),
            custom=True, schema=schema,
        ))
    return result
