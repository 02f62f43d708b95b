"""Workspaces in the cluster: the one reconcile the controller (and ``--local`` CLI runs) call, and the
small verbs ``dockyard workspace`` uses to write Workspace resources.

``reconcile(client, name, namespace, spec, generation)`` is level-based and idempotent:

1. read the spec (``manifests.workspace.WorkspaceSpec``; a bad spec is an ``InvalidWorkspace``, and the
   status's ``Ready`` condition says why: ``InvalidSpec`` with the message, the workload untouched);
2. look at the connected environment: its namespace, Services and NetworkPolicies (a missing
   environment runs the workspace unconnected and says so in the status);
3. create the home claim if absent (never rewritten: it must survive every reconnect), apply the
   workload (server-side apply, field manager ``dockyard``);
4. write the status last: connected environment, reachable services (name → DNS → ports), the pod,
   and the conditions ``Ready``, ``Connected`` and ``Admitted`` (the environment's NetworkPolicies
   evaluated against the pod's labels and its namespace's labels).

The status is read from the workload as it runs (its connected-environment label, its rollout), so
``observe`` (read only, for ``dockyard workspace status``) and ``reconcile`` compute it the same way.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dockyard.errors import DockyardError, TerminalError
from dockyard.manifests.result import LABEL_ENVIRONMENT, LABEL_MANAGED_BY
from dockyard.manifests.workspace import (
    DEFAULT_DOMAIN,
    DEFAULT_NAMESERVER,
    GROUP_VERSION,
    KIND,
    LABEL_CONNECTED,
    LABEL_WORKSPACE,
    ClusterDNS,
    InvalidWorkspace,
    WorkspaceSpec,
    env_namespace,
    home_claim,
    labels,
    network_policy_admits,
    reachable_services,
    workload,
    workspace_resource,
)
from dockyard.reconcile.client import Client

DNS_NAMESPACE = "kube-system"
DNS_SERVICE = "kube-dns"

__all__ = [
    "WorkspaceSummary",
    "cluster_dns",
    "connect",
    "create",
    "delete",
    "delete_objects",
    "disconnect",
    "get",
    "list_workspaces",
    "observe",
    "reconcile",
    "workspace_namespace",
]


def workspace_namespace(name: str) -> str:
    return f"ws-{name}"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _condition(type_: str, ok: bool, reason: str, message: str, generation: int | None) -> dict[str, Any]:
    return {"type": type_, "status": "True" if ok else "False", "reason": reason, "message": message,
            "observedGeneration": generation, "lastTransitionTime": _now()}


def cluster_dns(client: Client) -> ClusterDNS:
    """The cluster DNS service's ClusterIP (``kube-system/kube-dns``), or the usual default when unreadable."""
    try:
        found = client.list("v1", "Service", DNS_NAMESPACE, fields={"metadata.name": DNS_SERVICE})
    except DockyardError:  # reading kube-system may be forbidden: the default is the common value
        found = []
    ip = ((found[0].get("spec") or {}).get("clusterIP") if found else None) or DEFAULT_NAMESERVER
    return ClusterDNS(nameserver=ip, domain=DEFAULT_DOMAIN)


def _environment_exists(client: Client, environment: str) -> bool:
    live = client.get("v1", "Namespace", env_namespace(environment))
    return live is not None and (live["metadata"].get("labels") or {}).get(LABEL_ENVIRONMENT) == environment


def _admission(client: Client, ws: WorkspaceSpec, services: list[dict]) -> tuple[bool, str]:
    """Whether every NetworkPolicy of the environment admits the workspace pod towards every service."""
    namespace = client.get("v1", "Namespace", ws.namespace) or {"metadata": {}}
    namespace_labels = {"kubernetes.io/metadata.name": ws.namespace, **(namespace["metadata"].get("labels") or {})}
    policies = client.list("networking.k8s.io/v1", "NetworkPolicy", env_namespace(ws.environment))
    targets = [(s["metadata"]["name"], (s.get("spec") or {}).get("selector") or {}) for s in services] or [("", {})]
    for policy in policies:
        for service, target in targets:
            if not network_policy_admits(policy, source_namespace=ws.namespace, namespace_labels=namespace_labels,
                                         pod_labels=labels(ws), target_labels=target):
                what = f"service {service}" if service else "the environment"
                return False, f"NetworkPolicy {policy['metadata']['name']} does not admit this workspace to {what}"
    if not policies:
        return True, "no NetworkPolicy restricts it"
    return True, "admitted by NetworkPolicy " + ", ".join(sorted(p["metadata"]["name"] for p in policies))


def _ready(deployment: Mapping[str, Any] | None) -> tuple[bool, str]:
    if deployment is None:
        return False, "not started yet (no controller has run it)"
    status = deployment.get("status") or {}
    if status.get("observedGeneration", 0) < deployment["metadata"].get("generation", 0):
        return False, "the workspace pod is being replaced"
    if status.get("readyReplicas", 0) >= 1 and status.get("updatedReplicas", 0) >= 1:
        return True, "the workspace pod is running"
    return False, "waiting for the workspace pod to start"


def _pod_name(client: Client, ws: WorkspaceSpec) -> str | None:
    pods = client.list("v1", "Pod", ws.namespace, labels={LABEL_WORKSPACE: ws.name})
    running = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    return running[0]["metadata"]["name"] if running else None


def _running_environment(client: Client, deployment: Mapping[str, Any] | None) -> str | None:
    """The environment the workload's pods are connected to now (their label), if it still exists."""
    template = ((deployment or {}).get("spec") or {}).get("template") or {}
    running = ((template.get("metadata") or {}).get("labels") or {}).get(LABEL_CONNECTED)
    return running if running and _environment_exists(client, running) else None


def _connection(client: Client, ws: WorkspaceSpec, running: str | None) -> tuple[str, bool, str]:
    """(reason, connected?, message) for the Connected condition: what the spec asks against what runs."""
    wanted = ws.environment
    if wanted and running == wanted:
        return "Connected", True, f"services of {wanted} resolve by name (search {env_namespace(wanted)} first)"
    if wanted and not _environment_exists(client, wanted):
        return ("EnvironmentNotFound", False,
                f"environment {wanted!r} does not exist (no namespace {env_namespace(wanted)})")
    if wanted:
        return "Pending", False, f"waiting for the workspace to be restarted connected to {wanted}"
    if running:
        return "Pending", False, f"waiting for the workspace to be restarted disconnected from {running}"
    return "NotConnected", False, "not connected to an environment"


def _status(client: Client, ws: WorkspaceSpec, deployment: Mapping[str, Any] | None, generation: int | None,
            previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """The status from what the cluster shows: the workload's connection, readiness, services, admission."""
    running = _running_environment(client, deployment)
    ready, ready_message = _ready(deployment)
    reason, connected, message = _connection(client, ws, running)
    conditions = [_condition("Ready", ready, "PodReady" if ready else "PodNotReady", ready_message, generation),
                  _condition("Connected", connected, reason, message, generation)]
    services = client.list("v1", "Service", env_namespace(running)) if running else []
    if running:
        admitted, why = _admission(client, ws.connected_to(running), services)
        conditions.append(_condition("Admitted", admitted, "Admitted" if admitted else "DeniedByNetworkPolicy", why,
                                     generation))
    return {
        "observedGeneration": generation,
        "connectedEnvironment": running,
        "pod": _pod_name(client, ws),
        "services": reachable_services(running, services) if running else [],
        "conditions": _keep_transition_times(conditions, (previous or {}).get("conditions") or []),
    }


def reconcile(client: Client, name: str, namespace: str, spec: Mapping[str, Any] | None,
              generation: int | None = None, *, dns: ClusterDNS | None = None,
              previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Make Workspace ``namespace/name`` run as ``spec`` says; writes and returns its status.

    ``previous`` is the status read with the object: conditions that did not change keep their
    ``lastTransitionTime`` (API conventions), so a resync of a settled workspace changes nothing.
    """
    try:
        ws = WorkspaceSpec.from_resource(name, namespace, spec)
    except InvalidWorkspace as exc:
        _write_status(client, name, namespace, _invalid(previous, str(exc), generation))
        raise
    runs_as = ws if ws.environment and _environment_exists(client, ws.environment) else ws.connected_to(None)
    if client.get("v1", "PersistentVolumeClaim", ws.claim_name, namespace) is None:
        client.apply(home_claim(runs_as))
    deployment = client.apply(workload(runs_as, dns or cluster_dns(client)), force=True)
    status = _status(client, ws, deployment, generation, previous)
    _write_status(client, name, namespace, status)
    return status


def _write_status(client: Client, name: str, namespace: str, status: Mapping[str, Any]) -> None:
    client.apply_status({"apiVersion": GROUP_VERSION, "kind": KIND, "metadata": {"name": name, "namespace": namespace},
                         "status": status})


def _invalid(previous: Mapping[str, Any] | None, message: str, generation: int | None) -> dict[str, Any]:
    """The status of a spec that cannot run: the last one, with ``Ready`` saying why (the workload is left as it is)."""
    status = dict(previous or {})
    ready = _condition("Ready", False, "InvalidSpec", message, generation)
    others = [c for c in status.get("conditions") or [] if c.get("type") != "Ready"]
    status["conditions"] = _keep_transition_times([ready], status.get("conditions") or []) + others
    status["observedGeneration"] = generation
    return status


def observe(client: Client, live: Mapping[str, Any]) -> dict[str, Any]:
    """The status of a stored Workspace as the cluster shows it now, without writing anything.

    ``dockyard workspace status`` shows this rather than the stored status, so it is current between
    the controller's resyncs (and when no controller runs); a change the controller has not applied
    yet shows as ``Connected: Pending``.
    """
    meta = live["metadata"]
    ws = WorkspaceSpec.from_resource(meta["name"], meta["namespace"], live.get("spec"))
    deployment = client.get("apps/v1", "Deployment", ws.name, ws.namespace)
    return _status(client, ws, deployment, meta.get("generation"), live.get("status"))


def _keep_transition_times(conditions: list[dict], before: list[Mapping[str, Any]]) -> list[dict]:
    old = {c.get("type"): c for c in before}
    for condition in conditions:
        was = old.get(condition["type"])
        if was and was.get("status") == condition["status"] and was.get("lastTransitionTime"):
            condition["lastTransitionTime"] = was["lastTransitionTime"]
    return conditions


def delete_objects(client: Client, name: str, namespace: str, *, keep_home: bool = True) -> None:
    """What deleting a Workspace removes: its workload, and its home claim only when asked."""
    client.delete("apps/v1", "Deployment", name, namespace)
    if not keep_home:
        client.delete("v1", "PersistentVolumeClaim", f"{name}-home", namespace)


# ---------------------------------------------------------------- the CLI's verbs on Workspace resources

def _require_environment(client: Client, environment: str) -> None:
    if not _environment_exists(client, environment):
        raise TerminalError(f"environment {environment!r} does not exist (no namespace {env_namespace(environment)}); "
                            f"run: dockyard env create {environment}")


def create(client: Client, ws: WorkspaceSpec) -> dict[str, Any]:
    """Store the Workspace (and its namespace, labelled as dockyard's); an existing one keeps its home."""
    if ws.environment:
        _require_environment(client, ws.environment)
    client.apply({"apiVersion": "v1", "kind": "Namespace",
                  "metadata": {"name": ws.namespace, "labels": {LABEL_MANAGED_BY: "dockyard"}}})
    return client.apply(workspace_resource(ws), force=True)


def get(client: Client, name: str, namespace: str) -> dict[str, Any]:
    live = client.get(GROUP_VERSION, KIND, name, namespace)
    if live is None:
        raise TerminalError(f"workspace {name!r} does not exist in namespace {namespace}; "
                            f"run: dockyard workspace create {name}")
    return live


def connect(client: Client, name: str, namespace: str, environment: str) -> dict[str, Any]:
    """Point the Workspace at ``environment`` (checked to exist first); its home volume stays."""
    get(client, name, namespace)
    _require_environment(client, environment)
    return client.merge_patch(GROUP_VERSION, KIND, name, namespace, {"spec": {"environment": environment}})


def disconnect(client: Client, name: str, namespace: str) -> dict[str, Any]:
    get(client, name, namespace)
    return client.merge_patch(GROUP_VERSION, KIND, name, namespace, {"spec": {"environment": None}})


def delete(client: Client, name: str, namespace: str, *, keep_home: bool = True) -> bool:
    """Delete the Workspace resource and what it runs; the home claim is kept unless ``keep_home`` is false."""
    gone = client.delete(GROUP_VERSION, KIND, name, namespace)
    delete_objects(client, name, namespace, keep_home=keep_home)
    return gone


@dataclass(frozen=True, slots=True)
class WorkspaceSummary:
    name: str
    namespace: str
    environment: str | None  # what the spec asks for
    connected: str | None  # what the status reports
    ready: bool
    image: str
    services: tuple[dict, ...]


def _summary(obj: Mapping[str, Any]) -> WorkspaceSummary:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    return WorkspaceSummary(obj["metadata"]["name"], obj["metadata"]["namespace"], spec.get("environment"),
                            status.get("connectedEnvironment"), ready, spec.get("image", ""),
                            tuple(status.get("services") or ()))


def list_workspaces(client: Client, namespace: str | None = None) -> list[WorkspaceSummary]:
    return sorted((_summary(o) for o in client.list(GROUP_VERSION, KIND, namespace)),
                  key=lambda s: (s.namespace, s.name))
