"""Discovery: one Service per compose service (always), plus one per network alias or link alias.

Compose resolves a service by name even when it publishes nothing, so a port-less service gets a
headless Service (kompose skips it: its issue #58). Service ports are the container (target)
ports, so ``web:80`` works as in compose, plus each published port that differs
(``"8080:80"`` → ports 80 and 8080, both to 80). Published ports never open a node port here.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from dockyard.compose.model import Service

from . import labels, names
from .context import Context

_EXPOSE = re.compile(r"^(\d+)(?:-(\d+))?(?:/(tcp|udp|sctp))?$")
_PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


# Named tuples, not frozen dataclasses: a few are built per service, and a frozen dataclass's
# __init__ sets each field through object.__setattr__ (three times slower to build).
class ContainerPort(NamedTuple):
    port: int
    protocol: str  # TCP | UDP | SCTP
    name: str | None = None
    host_port: int | None = None
    app_protocol: str | None = None


class ServicePort(NamedTuple):
    port: int
    target: int
    protocol: str
    name: str
    app_protocol: str | None = None


def _published(text: str | None) -> int | None:
    if not text:
        return None
    first = text.split("-", 1)[0]
    return int(first) if first.isdigit() else None


def _port_name(ctx: Context, service: Service, path: tuple, name: str | None) -> str | None:
    if name is None:
        return None
    if len(name) <= 15 and _PORT_NAME.fullmatch(name) and re.search("[a-z]", name):
        return name
    ctx.warn(path, f"port name {name!r} is not a valid Kubernetes port name (IANA_SVC_NAME); unnamed", service.name)
    return None


def container_ports(ctx: Context, service: Service) -> list[ContainerPort]:
    """One entry per (target, protocol), from ``ports`` then ``expose``."""
    out: dict[tuple[int, str], ContainerPort] = {}
    for index, port in enumerate(service.ports):
        path = ("services", service.name, "ports", index)
        protocol = port.protocol.upper()
        if protocol not in ("TCP", "UDP", "SCTP"):
            raise ctx.error((*path, "protocol"), f"protocol must be tcp, udp or sctp, not {port.protocol!r}")
        host_port = None
        if port.mode == "host" and _published(port.published) is not None:
            if not ctx.allowed("host-ports"):
                raise ctx.error(path, "a host-mode published port opens a port on the node and is not allowed by the "
                                "baseline policy; publish it in ingress mode (a Service port) instead (or allow the "
                                "host-ports policy)", policy=True)
            host_port = _published(port.published)
        if port.host_ip:
            ctx.warn((*path, "host_ip"), "host_ip has no meaning inside the cluster; ignored", service.name)
        key = (port.target, protocol)
        if key not in out:
            out[key] = ContainerPort(port.target, protocol, _port_name(ctx, service, path, port.name), host_port, port.app_protocol)
    for index, text in enumerate(service.expose):
        match = _EXPOSE.fullmatch(str(text))
        if not match:
            raise ctx.error(("services", service.name, "expose", index), f"expose entry {text!r} must be PORT[-PORT][/PROTOCOL]")
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        for number in range(low, high + 1):
            key = (number, (match.group(3) or "tcp").upper())
            out.setdefault(key, ContainerPort(*key))
    return list(out.values())


def service_ports(ctx: Context, service: Service, ports: list[ContainerPort]) -> list[ServicePort]:
    by_port: dict[tuple[int, str], ServicePort] = {}

    def add(path: tuple, candidate: ServicePort) -> None:
        key = (candidate.port, candidate.protocol)
        existing = by_port.get(key)
        if existing is not None and existing.target != candidate.target:
            raise ctx.error(path, f"port {candidate.port}/{candidate.protocol.lower()} maps to both {existing.target} "
                            f"and {candidate.target}; one port can reach only one target")
        by_port.setdefault(key, candidate)

    for cp in ports:
        add(("services", service.name, "ports"), ServicePort(cp.port, cp.port, cp.protocol,
                                                              cp.name or f"{cp.protocol.lower()}-{cp.port}", cp.app_protocol))
    for index, port in enumerate(service.ports):
        published = _published(port.published)
        if published is not None and published != port.target:
            protocol = port.protocol.upper()
            add(("services", service.name, "ports", index),
                ServicePort(published, port.target, protocol, f"{protocol.lower()}-{published}", port.app_protocol))
    return sorted(by_port.values(), key=lambda p: (p.port, p.protocol))


def _service_object(ctx: Context, name: str, service: Service, ports: list[ServicePort], headless: bool) -> dict[str, Any]:
    dns = ctx.dns_names[service.name]
    spec: dict[str, Any] = {"selector": labels.selector(ctx.environment, dns)}
    if headless or not ports:
        spec["clusterIP"] = "None"
    if ports:
        spec["ports"] = []
        for p in ports:
            entry: dict[str, Any] = {"name": p.name, "port": p.port, "targetPort": p.target, "protocol": p.protocol}
            if p.app_protocol:
                entry["appProtocol"] = p.app_protocol
            spec["ports"].append(entry)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": labels.metadata(name, ctx.namespace, labels.for_service(ctx.environment, dns)), "spec": spec}


def aliases(ctx: Context) -> dict[str, list[str]]:
    """Extra DNS names per compose service (network aliases, and ``links`` aliases pointing at it)."""
    out: dict[str, set[str]] = {name: set() for name in ctx.project.services}
    for name, service in ctx.project.services.items():
        for network in service.networks.values():
            for alias in network.aliases if network else ():
                out[name].add(alias)
        for link in service.links:
            target, _, alias = link.partition(":")
            if alias and target in out:
                out[target].add(alias)
    return {name: sorted(found) for name, found in out.items()}


def alias_names(ctx: Context, alias_map: dict[str, list[str]]) -> dict[str, list[str]]:
    """Alias DNS names per service; an alias that collides with another service's name is an error."""
    owners: dict[str, str] = {dns: name for name, dns in ctx.dns_names.items()}
    out: dict[str, list[str]] = {}
    for name in sorted(alias_map):
        out[name] = []
        for alias in alias_map[name]:
            dns = names.dns_label(alias)
            owner = owners.get(dns)
            if owner == name:
                continue
            if owner is not None:
                raise ctx.error(("services", name, "networks"), f"alias {alias!r} (DNS name {dns}) is already the "
                                f"name or an alias of service {owner!r}")
            owners[dns] = name
            out[name].append(dns)
    return out


def discovery(ctx: Context, service: Service, ports: list[ContainerPort], alias_dns: list[str]) -> list[dict[str, Any]]:
    svc_ports = service_ports(ctx, service, ports)
    headless = bool(service.deploy and service.deploy.endpoint_mode == "dnsrr")
    objects = [_service_object(ctx, ctx.dns_names[service.name], service, svc_ports, headless)]
    objects += [_service_object(ctx, alias, service, svc_ports, headless) for alias in alias_dns]
    return objects
