"""The workload that runs a service: Deployment, Job (one-shot) or DaemonSet (``deploy.mode: global``).

Rollouts default to one extra pod at a time and none unavailable (``maxSurge: 1,
maxUnavailable: 0``); ``deploy.update_config`` parallelism/order adjust that. A service that
writes to a ReadWriteOnce claim cannot run two pods at once on different nodes, so it gets
``Recreate`` and a warning. ``restart: "no"`` / ``on-failure[:N]`` services run to completion as
Jobs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from dockyard.compose.model import Service

from . import labels
from .context import Context
from .probes import SECOND

APPS = "apps/v1"
BATCH = "batch/v1"
_CONSTRAINT = re.compile(r"^node\.labels\.([^=!\s]+)\s*==\s*(\S+)$")
# The kubelet's default allowlist (pkg/kubelet/sysctl/safe_sysctls.go): 1.27 added ip_local_reserved_ports,
# 1.29 the tcp_keepalive_*/tcp_fin_timeout ones, 1.32 tcp_rmem/tcp_wmem; older kubelets reject those.
SAFE_SYSCTLS = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
})
_PLATFORM_ARCH = {"amd64": "amd64", "x86_64": "amd64", "arm64": "arm64", "aarch64": "arm64", "arm": "arm",
                  "386": "386", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def kind(service: Service) -> str:
    deploy = service.deploy
    if deploy and deploy.mode in ("replicated-job", "global-job"):
        return "Job"
    if deploy and deploy.mode == "global":
        return "DaemonSet"
    restart = (service.restart or "").split(":")[0]
    condition = deploy.restart_policy.condition if deploy and deploy.restart_policy else None
    if restart in ("no", "on-failure") or condition in ("none", "on-failure"):
        return "Job"
    return "Deployment"


def replicas(service: Service) -> int:
    if service.deploy and service.deploy.replicas is not None:
        return service.deploy.replicas
    return service.scale if service.scale is not None else 1


def strategy(ctx: Context, service: Service, exclusive_claims: list[str]) -> dict[str, Any]:
    path = ("services", service.name, "deploy", "update_config")
    update = service.deploy.update_config if service.deploy else None
    if exclusive_claims:
        ctx.warn(("services", service.name, "volumes"), f"mounts ReadWriteOnce volume(s) {', '.join(exclusive_claims)}, "
                 "which one node at a time can attach: the old pod stops before the new one starts (Recreate), "
                 "so updates have downtime", service.name)
        return {"type": "Recreate"}
    surge: int | str = 1
    unavailable: int | str = 0
    if update is not None:
        step: int | str = update.parallelism if update.parallelism else 1
        if update.parallelism == 0:
            step = "100%"
        if update.order == "stop-first":
            surge, unavailable = 0, step
        else:
            surge, unavailable = step, 0
        for key in ("delay", "failure_action", "monitor", "max_failure_ratio"):
            if getattr(update, key) is not None:
                ctx.warn((*path, key), f"update_config.{key} is not mapped (Kubernetes rollouts use readiness probes)", service.name)
    return {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}


def _node_selector(ctx: Context, service: Service) -> dict[str, str]:
    out: dict[str, str] = {}
    if service.platform:
        os_name, _, arch = service.platform.partition("/")
        arch = arch.split("/")[0]
        if os_name:
            out["kubernetes.io/os"] = os_name
        if arch in _PLATFORM_ARCH:
            out["kubernetes.io/arch"] = _PLATFORM_ARCH[arch]
        elif arch:
            ctx.warn(("services", service.name, "platform"), f"architecture {arch!r} not mapped to a node label", service.name)
    placement = service.deploy.placement if service.deploy else None
    if placement:
        base = ("services", service.name, "deploy", "placement")
        for index, constraint in enumerate(placement.constraints):
            match = _CONSTRAINT.fullmatch(constraint.strip())
            if match:
                out[match.group(1)] = match.group(2)
            else:
                ctx.warn((*base, "constraints", index), f"constraint {constraint!r} not mapped (only node.labels.K == V)", service.name)
        if placement.preferences:
            ctx.warn((*base, "preferences"), "placement preferences are not mapped", service.name)
        if placement.max_replicas_per_node is not None:
            ctx.warn((*base, "max_replicas_per_node"), "max_replicas_per_node is not mapped", service.name)
    return out


def _host_aliases(service: Service) -> list[dict[str, Any]]:
    if not service.extra_hosts:  # most services: skip the sorting
        return []
    by_ip: dict[str, list[str]] = {}
    for host in sorted(service.extra_hosts):
        for ip in service.extra_hosts[host]:
            by_ip.setdefault(ip, []).append(host)
    return [{"ip": ip, "hostnames": by_ip[ip]} for ip in sorted(by_ip)]


def _dns_config(service: Service) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if service.dns:
        out["nameservers"] = list(service.dns)
    if service.dns_search:
        out["searches"] = list(service.dns_search)
    if service.dns_opt:
        options = []
        for option in service.dns_opt:
            name, sep, value = option.partition(":")
            options.append({"name": name, "value": value} if sep else {"name": name})
        out["options"] = options
    return out


def _hostname(ctx: Context, service: Service) -> str | None:
    hostname = service.hostname.split(".")[0] if service.hostname else None
    if not hostname:
        return None
    if not (re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", hostname) and len(hostname) <= 63):
        ctx.warn(("services", service.name, "hostname"), f"hostname {service.hostname!r} is not a DNS label; ignored", service.name)
        return None
    if hostname != service.hostname:
        ctx.warn(("services", service.name, "hostname"), f"only the first label of hostname {service.hostname!r} "
                 "is kept; the pod's domain is the cluster's", service.name)
    return hostname


def _pod_security_context(ctx: Context, service: Service) -> dict[str, Any]:
    security: dict[str, Any] = {}
    if service.sysctls:  # most services: skip the sorting
        security["sysctls"] = [{"name": k, "value": str(service.sysctls[k])} for k in sorted(service.sysctls)]
        for key in sorted(k for k in service.sysctls if k not in SAFE_SYSCTLS):
            ctx.warn(("services", service.name, "sysctls", key), f"sysctl {key} is not in Kubernetes' safe set: the kubelet "
                     "rejects the pod (SysctlForbidden) unless the node allows it (--allowed-unsafe-sysctls)", service.name)
    groups = [g for g in service.group_add if str(g).isdigit()]
    if groups:
        security["supplementalGroups"] = [int(g) for g in groups]
    if len(groups) != len(service.group_add):
        ctx.warn(("services", service.name, "group_add"), "group names are not mapped; only numeric groups become supplementalGroups", service.name)
    return security


def pod_spec(ctx: Context, service: Service, container: dict[str, Any], volumes: list[dict[str, Any]], kind_: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [container]}
    if kind_ == "Job":
        spec["restartPolicy"] = "OnFailure" if (service.restart or "").startswith("on-failure") else "Never"
    hostname = _hostname(ctx, service)
    if hostname:
        spec["hostname"] = hostname
    if service.network_mode == "host":
        spec["hostNetwork"] = True
        spec["dnsPolicy"] = "ClusterFirstWithHostNet"
    if service.pid == "host":
        spec["hostPID"] = True
    if service.ipc == "host":
        spec["hostIPC"] = True
    aliases = _host_aliases(service)
    if aliases:
        spec["hostAliases"] = aliases
    dns = _dns_config(service)
    if dns:
        spec["dnsConfig"] = dns
    security = _pod_security_context(ctx, service)
    if security:
        spec["securityContext"] = security
    selector = _node_selector(ctx, service)
    if selector:
        spec["nodeSelector"] = selector
    if service.stop_grace_period is not None:
        spec["terminationGracePeriodSeconds"] = math.ceil(service.stop_grace_period / SECOND)
    if volumes:
        spec["volumes"] = volumes
    return spec


def _template(ctx: Context, service: Service, pod: dict[str, Any], user_labels: dict[str, str],
              annotations: dict[str, str]) -> dict[str, Any]:
    dns = ctx.dns_names[service.name]
    meta: dict[str, Any] = {"labels": {**user_labels, **labels.for_service(ctx.environment, dns)}}
    if annotations:
        meta["annotations"] = annotations
    return {"metadata": meta, "spec": pod}


def _user_metadata(ctx: Context, service: Service, compose_labels: Mapping[str, str], *,
                   warn: bool) -> tuple[dict[str, str], dict[str, str]]:
    """(labels, annotations) from compose labels and annotations, without dockyard's reserved keys."""
    user_labels, user_annotations, rejected = labels.split_user_labels(compose_labels)
    for key in rejected if warn else ():
        ctx.warn(("services", service.name, "labels", key), f"label key {key!r} is not a valid Kubernetes key; dropped", service.name)
    for key in [k for k in compose_labels if labels.is_reserved(k)]:
        if warn:
            ctx.warn(("services", service.name, "labels", key), f"label {key!r} is reserved for dockyard; ignored", service.name)
        user_labels.pop(key, None)
        user_annotations.pop(key, None)
    if not service.annotations:  # most services: no merge, no sorting
        return user_labels, user_annotations
    return user_labels, {**user_annotations, **{k: str(v) for k, v in sorted(service.annotations.items())}}


def workload(ctx: Context, service: Service, pod: dict[str, Any], exclusive_claims: list[str]) -> dict[str, Any]:
    dns = ctx.dns_names[service.name]
    kind_ = kind(service)
    deploy_labels = service.deploy.labels if service.deploy else {}
    user_labels, annotations = _user_metadata(ctx, service, {**service.labels, **deploy_labels}, warn=True)
    meta = labels.metadata(dns, ctx.namespace, {**user_labels, **labels.for_service(ctx.environment, dns)}, annotations)
    if deploy_labels:  # deploy.labels are the workload's own; the pods carry the service's labels only
        pod_labels, pod_annotations = _user_metadata(ctx, service, service.labels, warn=False)
    else:
        pod_labels, pod_annotations = dict(user_labels), dict(annotations)
    template = _template(ctx, service, pod, pod_labels, pod_annotations)
    count = replicas(service)
    if kind_ == "Job":
        spec: dict[str, Any] = {"backoffLimit": _backoff(service), "template": template}
        if count != 1:
            spec["completions"] = spec["parallelism"] = count
        return {"apiVersion": BATCH, "kind": "Job", "metadata": meta, "spec": spec}
    selector = {"matchLabels": labels.selector(ctx.environment, dns)}
    if kind_ == "DaemonSet":
        if count != 1:
            set_by = ("deploy", "replicas") if service.deploy and service.deploy.replicas is not None else ("scale",)
            ctx.warn(("services", service.name, *set_by), f"{count} replicas are ignored: a global service runs one pod "
                     "per node", service.name)
        rolling = strategy(ctx, service, exclusive_claims)
        if rolling["type"] == "Recreate":
            rolling = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
        return {"apiVersion": APPS, "kind": "DaemonSet", "metadata": meta,
                "spec": {"selector": selector, "updateStrategy": rolling, "template": template}}
    if count > 1 and exclusive_claims:
        ctx.warn(("services", service.name, "deploy", "replicas"), f"{count} replicas share a ReadWriteOnce volume; "
                 "they must all land on one node", service.name)
    return {"apiVersion": APPS, "kind": "Deployment", "metadata": meta,
            "spec": {"replicas": count, "selector": selector, "strategy": strategy(ctx, service, exclusive_claims),
                     "template": template}}


def _backoff(service: Service) -> int:
    restart = service.restart or ""
    if restart.startswith("on-failure:") and restart.split(":", 1)[1].isdigit():
        return int(restart.split(":", 1)[1])
    policy = service.deploy.restart_policy if service.deploy else None
    if policy and policy.max_attempts is not None:
        return policy.max_attempts
    return 6 if restart.startswith("on-failure") else 0
