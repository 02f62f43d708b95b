"""What a Workspace is in Kubernetes objects: a developer's pod that can reach one environment by bare names.

Pure, like the rest of ``manifests/``: a Workspace's spec (plus the cluster DNS facts the reconciler
reads) goes in, plain object dicts come out. The reconciler (``reconcile/workspaces.py``) applies them.

- The home volume is a PersistentVolumeClaim ``{name}-home`` of its own, not a volumeClaimTemplate and
  not owned by the workload, so connecting, disconnecting, switching environments or deleting the pod
  never loses it. The workload is a one-replica Deployment with the ``Recreate`` strategy (the claim is
  ReadWriteOnce: the old pod lets go before the new one mounts it).
- While connected to environment ``E`` the pod resolves ``E``'s services by bare name: ``dnsPolicy:
  None`` with the cluster DNS server and the search path ``env-E.svc.<domain>`` FIRST. (With
  ``ClusterFirst`` the kubelet appends ``dnsConfig.searches`` after the pod's own namespace, so a
  same-named service in the workspace namespace would win.)
- The pod (and the Deployment) carry ``dockyard.dev/connected-environment: E``, the label the
  environment's NetworkPolicy admits from any namespace. Selector labels never include it (a
  Deployment's selector is immutable; the environment is not).

``reachable_services`` (name → DNS → ports, for the status) and ``network_policy_admits`` (does a
NetworkPolicy let a pod in?) are pure too, so status and tests share one reading of the rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from dockyard.errors import TerminalError
from dockyard.manifests.result import LABEL_MANAGED_BY

GROUP_VERSION = "dockyard.dev/v1alpha1"
KIND = "Workspace"
LABEL_WORKSPACE = "dockyard.dev/workspace"  # value: the workspace name (the selector)
LABEL_CONNECTED = "dockyard.dev/connected-environment"  # value: the environment name; what its policy admits
DEFAULT_IMAGE = "mcr.microsoft.com/devcontainers/base:ubuntu"
DEFAULT_COMMAND = ("sleep", "infinity")
DEFAULT_HOME = "/home/dev"
DEFAULT_HOME_SIZE = "10Gi"
DEFAULT_DOMAIN = "cluster.local"
DEFAULT_NAMESERVER = "10.96.0.10"  # kube-dns's usual ClusterIP; the reconciler reads the real one when it can
CONTAINER = "workspace"
HOME_VOLUME = "home"

_NAME = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")
_QUANTITY = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[KMGTPE]i?|[mkMGTPE]|e[0-9]+)?")
_ENV_KEY = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")

__all__ = [
    "DEFAULT_DOMAIN",
    "DEFAULT_NAMESERVER",
    "GROUP_VERSION",
    "KIND",
    "LABEL_CONNECTED",
    "LABEL_WORKSPACE",
    "ClusterDNS",
    "InvalidWorkspace",
    "WorkspaceSpec",
    "env_namespace",
    "home_claim",
    "label_selector_matches",
    "labels",
    "network_policy_admits",
    "pod_dns",
    "reachable_services",
    "workload",
    "workspace_objects",
    "workspace_resource",
]


class InvalidWorkspace(TerminalError):
    """A Workspace spec dockyard cannot run; the message names the object and the field."""


@dataclass(frozen=True, slots=True)
class ClusterDNS:
    """The cluster's DNS facts a connected pod needs (``dnsPolicy: None`` must name the server)."""

    nameserver: str = DEFAULT_NAMESERVER
    domain: str = DEFAULT_DOMAIN


def _empty() -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class WorkspaceSpec:
    """A Workspace's spec, checked and with defaults applied."""

    name: str
    namespace: str
    image: str = DEFAULT_IMAGE
    command: tuple[str, ...] = DEFAULT_COMMAND
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=_empty)
    working_dir: str | None = None
    home_path: str = DEFAULT_HOME
    home_size: str = DEFAULT_HOME_SIZE
    storage_class: str | None = None
    resources: Mapping[str, Any] = field(default_factory=_empty)
    environment: str | None = None  # the connected environment, if any

    @property
    def claim_name(self) -> str:
        return f"{self.name}-home"

    @classmethod
    def from_resource(cls, name: str, namespace: str, spec: Mapping[str, Any] | None) -> WorkspaceSpec:
        """Read ``spec`` of Workspace ``namespace/name``; every bad field is an ``InvalidWorkspace``."""
        spec = spec or {}
        where = f"Workspace {namespace}/{name}"

        def bad(path: str, message: str) -> InvalidWorkspace:
            return InvalidWorkspace(f"{where}: spec.{path} {message}")

        if not _NAME.fullmatch(name) or len(name) > 58:
            raise InvalidWorkspace(f"{where}: the name must be at most 58 lowercase letters, digits and '-'")
        home_path, home_size, storage_class = _home(spec.get("home"), bad)
        return cls(
            name=name,
            namespace=namespace,
            image=_text(spec.get("image") or DEFAULT_IMAGE, bad, "image"),
            command=_strings(spec.get("command"), bad, "command", DEFAULT_COMMAND),
            args=_strings(spec.get("args"), bad, "args", ()),
            env=_env(spec.get("env"), bad),
            working_dir=spec.get("workingDir") or None,
            home_path=home_path,
            home_size=home_size,
            storage_class=storage_class,
            resources=_resources(spec.get("resources"), bad),
            environment=_environment(spec.get("environment"), bad),
        )

    def connected_to(self, environment: str | None) -> WorkspaceSpec:
        return replace(self, environment=environment)


def _environment(value: Any, bad) -> str | None:
    if value and (not isinstance(value, str) or not _NAME.fullmatch(value)):
        raise bad("environment", f"must be an environment name, not {value!r}")
    return value or None


def _home(value: Any, bad) -> tuple[str, str, str | None]:
    """(mount path, size, storage class) of ``spec.home``."""
    home = value or {}
    if not isinstance(home, Mapping):
        raise bad("home", "must be a mapping")
    size = str(home.get("size") or DEFAULT_HOME_SIZE)
    if not _QUANTITY.fullmatch(size):
        raise bad("home.size", f"must be a quantity such as 10Gi, not {size!r}")
    path = home.get("mountPath") or DEFAULT_HOME
    if not isinstance(path, str) or not path.startswith("/"):
        raise bad("home.mountPath", "must be an absolute path")
    return path, size, home.get("storageClassName") or None


def _env(value: Any, bad) -> dict[str, str]:
    env = value or {}
    if not isinstance(env, Mapping):
        raise bad("env", "must be a mapping of variable names to values")
    for key in env:
        if not isinstance(key, str) or not _ENV_KEY.fullmatch(key):
            raise bad(f"env.{key}", "is not a valid environment variable name")
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _text(value: Any, bad, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad(path, "must be a non-empty string")
    return value


def _strings(value: Any, bad, path: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    if not isinstance(value, Sequence) or isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise bad(path, "must be a list of strings")
    return tuple(value)


def _resources(value: Any, bad) -> Mapping[str, Any]:
    value = value or {}
    if not isinstance(value, Mapping) or set(value) - {"requests", "limits"}:
        raise bad("resources", "may only hold requests and limits")
    out = {}
    for key, amounts in value.items():
        if not isinstance(amounts, Mapping):
            raise bad(f"resources.{key}", "must be a mapping of resource names to quantities")
        for resource, quantity in amounts.items():
            if not _QUANTITY.fullmatch(str(quantity)):
                raise bad(f"resources.{key}.{resource}", f"must be a quantity, not {quantity!r}")
        out[key] = {str(r): str(q) for r, q in amounts.items()}
    return out


def env_namespace(environment: str) -> str:
    return f"env-{environment}"


def labels(ws: WorkspaceSpec) -> dict[str, str]:
    out = {LABEL_MANAGED_BY: "dockyard", LABEL_WORKSPACE: ws.name}
    if ws.environment:
        out[LABEL_CONNECTED] = ws.environment
    return out


def _meta(ws: WorkspaceSpec, name: str, *, connected: bool = True) -> dict[str, Any]:
    meta_labels = labels(ws) if connected else {LABEL_MANAGED_BY: "dockyard", LABEL_WORKSPACE: ws.name}
    return {"name": name, "namespace": ws.namespace, "labels": meta_labels}


def workspace_resource(ws: WorkspaceSpec) -> dict[str, Any]:
    """The Workspace custom resource for ``ws`` (what ``dockyard workspace create`` stores)."""
    spec: dict[str, Any] = {"image": ws.image, "command": list(ws.command),
                            "home": {"mountPath": ws.home_path, "size": ws.home_size}}
    if ws.args:
        spec["args"] = list(ws.args)
    if ws.env:
        spec["env"] = dict(ws.env)
    if ws.working_dir:
        spec["workingDir"] = ws.working_dir
    if ws.storage_class:
        spec["home"]["storageClassName"] = ws.storage_class
    if ws.resources:
        spec["resources"] = {k: dict(v) for k, v in ws.resources.items()}
    if ws.environment:
        spec["environment"] = ws.environment
    return {"apiVersion": GROUP_VERSION, "kind": KIND, "metadata": {"name": ws.name, "namespace": ws.namespace},
            "spec": spec}


def home_claim(ws: WorkspaceSpec) -> dict[str, Any]:
    """The home volume: its own claim, labelled without the environment, so no reconnect touches it."""
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": ws.home_size}}}
    if ws.storage_class:
        spec["storageClassName"] = ws.storage_class
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": _meta(ws, ws.claim_name, connected=False),
            "spec": spec}


def pod_dns(ws: WorkspaceSpec, dns: ClusterDNS = ClusterDNS()) -> dict[str, Any]:
    """The pod's ``dnsPolicy`` (and ``dnsConfig`` when connected): the environment's namespace searched first."""
    if not ws.environment:
        return {"dnsPolicy": "ClusterFirst"}
    searches = [f"{env_namespace(ws.environment)}.svc.{dns.domain}", f"{ws.namespace}.svc.{dns.domain}",
                f"svc.{dns.domain}", dns.domain]
    return {"dnsPolicy": "None", "dnsConfig": {"nameservers": [dns.nameserver], "searches": searches,
                                               "options": [{"name": "ndots", "value": "5"}]}}


def _container(ws: WorkspaceSpec) -> dict[str, Any]:
    env = [{"name": k, "value": v} for k, v in sorted(ws.env.items())]
    env.append({"name": "HOME", "value": ws.home_path})
    if ws.environment:
        env.append({"name": "DOCKYARD_ENVIRONMENT", "value": ws.environment})
    container: dict[str, Any] = {
        "name": CONTAINER,
        "image": ws.image,
        "command": list(ws.command),
        "env": env,
        "volumeMounts": [{"name": HOME_VOLUME, "mountPath": ws.home_path}],
        "stdin": True,
        "tty": True,
    }
    if ws.args:
        container["args"] = list(ws.args)
    if ws.working_dir:
        container["workingDir"] = ws.working_dir
    if ws.resources:
        container["resources"] = {k: dict(v) for k, v in ws.resources.items()}
    return container


def workload(ws: WorkspaceSpec, dns: ClusterDNS = ClusterDNS()) -> dict[str, Any]:
    """One replica, ``Recreate``: a reconnect replaces the pod, and the claim moves to the new one."""
    pod_spec = {
        "containers": [_container(ws)],
        "volumes": [{"name": HOME_VOLUME, "persistentVolumeClaim": {"claimName": ws.claim_name}}],
        **pod_dns(ws, dns),
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(ws, ws.name),
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": {LABEL_WORKSPACE: ws.name}},
            "template": {"metadata": {"labels": labels(ws)}, "spec": pod_spec},
        },
    }


def workspace_objects(ws: WorkspaceSpec, dns: ClusterDNS = ClusterDNS()) -> list[dict[str, Any]]:
    """Everything a Workspace runs as, in apply order: the home claim, then the workload."""
    return [home_claim(ws), workload(ws, dns)]


def reachable_services(environment: str, services: Sequence[Mapping[str, Any]],
                       domain: str = DEFAULT_DOMAIN) -> list[dict[str, Any]]:
    """Name → DNS → ports of an environment's Services, as a connected workspace reaches them."""
    out = []
    for service in sorted(services, key=lambda s: s["metadata"]["name"]):
        name = service["metadata"]["name"]
        ports = [{"port": p["port"], "protocol": p.get("protocol", "TCP"),
                  **({"name": p["name"]} if p.get("name") else {})}
                 for p in (service.get("spec") or {}).get("ports") or []]
        out.append({"name": name, "dns": f"{name}.{env_namespace(environment)}.svc.{domain}", "ports": ports})
    return out


def _expression_matches(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
    if operator == "In":
        return labels.get(key) in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    raise ValueError(f"unknown label selector operator {operator!r}")


def label_selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A Kubernetes LabelSelector: every matchLabels pair and every matchExpressions entry must hold."""
    if selector is None:
        return False  # an absent selector selects nothing; ``{}`` selects everything
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    return all(_expression_matches(e, labels) for e in selector.get("matchExpressions") or [])


def _peer_admits(peer: Mapping[str, Any], policy_namespace: str, source_namespace: str,
                 namespace_labels: Mapping[str, str], pod_labels: Mapping[str, str]) -> bool:
    if "ipBlock" in peer:
        return False  # pod-to-pod traffic is judged by selectors; ipBlocks are for outside the cluster
    has_ns, has_pod = "namespaceSelector" in peer, "podSelector" in peer
    if has_ns and not label_selector_matches(peer["namespaceSelector"], namespace_labels):
        return False
    if not has_ns and source_namespace != policy_namespace:
        return False  # a bare podSelector selects pods of the policy's own namespace only
    return not has_pod or label_selector_matches(peer["podSelector"], pod_labels)


def network_policy_admits(policy: Mapping[str, Any], *, source_namespace: str, namespace_labels: Mapping[str, str],
                          pod_labels: Mapping[str, str], target_labels: Mapping[str, str] | None = None) -> bool:
    """Does ``policy`` let ingress from a pod (its namespace, labels) reach pods labelled ``target_labels``?

    A policy that does not select the target, or does not restrict ingress, admits everything (it is
    not about that traffic); otherwise one ingress rule's ``from`` must hold a matching peer (an empty
    or missing ``from`` admits every source). Ports are not considered.
    """
    spec = policy.get("spec") or {}
    if not label_selector_matches(spec.get("podSelector", {}), target_labels or {}):
        return True
    types = spec.get("policyTypes") or ["Ingress"]
    if "Ingress" not in types:
        return True
    policy_namespace = policy["metadata"].get("namespace", "")
    for rule in spec.get("ingress") or []:
        peers = rule.get("from")
        if not peers:
            return True
        if any(_peer_admits(p, policy_namespace, source_namespace, namespace_labels, pod_labels) for p in peers):
            return True
    return False
