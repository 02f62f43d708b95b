"""One compose service → its container: image, command, env, ports, probes, resources, security.

``entrypoint`` becomes ``command`` and ``command`` becomes ``args`` (the loader already split
string forms like compose; nothing runs through a shell). ``env_file`` values go into a ConfigMap
read with ``envFrom`` (inline ``environment`` entries win, as in compose); env-secret references
become ``secretKeyRef``s through ``secretrefs.SecretEnv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dockyard.compose.model import Service

from . import files, names, probes, resources, secretrefs
from .context import Context
from .services import ContainerPort

PULL_POLICIES = {"always": "Always", "never": "Never", "missing": "IfNotPresent", "if_not_present": "IfNotPresent"}
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")


@dataclass
class ContainerParts:
    container: dict[str, Any]
    env_config_map: dict[str, Any] | None = None
    secret_keys: set[str] = field(default_factory=set)


def image(ctx: Context, service: Service) -> str:
    path = ("services", service.name)
    if not service.image:
        if service.build is not None:
            raise ctx.error((*path, "build"), "dockyard deploys images and does not build them: build and push the "
                            "image, then set image: (build can stay for docker compose)")
        raise ctx.error(path, "has no image: set image: to what the cluster should run")
    if service.build is not None:
        ctx.warn((*path, "build"), f"build is ignored; the cluster pulls {secretrefs.unmark(service.image)}", service.name)
    return service.image


def pull_policy(ctx: Context, service: Service) -> str | None:
    policy = service.pull_policy
    if policy is None:
        return None
    if policy in PULL_POLICIES:
        return PULL_POLICIES[policy]
    if policy == "build":
        ctx.warn(("services", service.name, "pull_policy"), "pull_policy: build cannot apply in a cluster; IfNotPresent", service.name)
        return "IfNotPresent"
    ctx.warn(("services", service.name, "pull_policy"), f"pull_policy {policy!r} has no Kubernetes schedule; Always", service.name)
    return "Always"


def _env(ctx: Context, service: Service, secrets: secretrefs.SecretEnv) -> tuple[list[dict], dict[str, Any] | None]:
    entries: list[dict[str, Any]] = []
    shipped: dict[str, str] = {}
    for key, value in sorted(files.env_file_values(service).items()) if service.env_files else ():
        if secretrefs.has_marker(value) or not names.CONFIG_KEY.fullmatch(key) or not _ENV_NAME.fullmatch(key):
            entries.append(secrets.env_var(key, value))
        else:
            shipped[key] = value
    for key in sorted(service.environment):
        if secretrefs.has_marker(key):
            raise ctx.error(("services", service.name, "environment"), f"env-secret {', '.join(secretrefs.keys_in(key))} "
                            "cannot be used in a variable name, only in its value")
        value = service.environment[key]
        if value is None:
            ctx.warn(("services", service.name, "environment", key), f"{key} has no value and is not set "
                     "(render does not read the shell; pass it with --config or --var)", service.name)
            continue
        entries.append(secrets.env_var(key, value))
    config_map = files.env_file_config_map(ctx, service, shipped) if shipped else None
    return entries, config_map


def _argv(ctx: Context, service: Service, key: str, argv: tuple[str, ...] | None,
          secrets: secretrefs.SecretEnv) -> list[str] | None:
    if argv is None:
        return None
    if not argv:
        ctx.warn(("services", service.name, key), f"an empty {key} cannot override the image's in Kubernetes; "
                 "the image default is used", service.name)
        return None
    return [secrets.expandable(arg) for arg in argv]


def security_context(ctx: Context, service: Service) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if service.user:
        user, _, group = service.user.partition(":")
        for field, part, what in (("runAsUser", user, "user"), ("runAsGroup", group, "group")):
            if part.isdigit():
                out[field] = int(part)
            elif part:
                ctx.warn(("services", service.name, "user"), f"{what} {part!r} is a name; Kubernetes needs a numeric "
                         f"id, so the image's {what} applies", service.name)
    if service.read_only:
        out["readOnlyRootFilesystem"] = True
    if service.privileged:
        out["privileged"] = True
    capabilities: dict[str, list[str]] = {}
    if service.cap_add:
        capabilities["add"] = [c.removeprefix("CAP_") for c in service.cap_add]
    if service.cap_drop:
        capabilities["drop"] = [c.removeprefix("CAP_") for c in service.cap_drop]
    if capabilities:
        out["capabilities"] = capabilities
    return out


def _container_port(port: ContainerPort) -> dict[str, Any]:
    entry: dict[str, Any] = {"containerPort": port.port, "protocol": port.protocol}
    if port.name:
        entry["name"] = port.name
    if port.host_port is not None:
        entry["hostPort"] = port.host_port
    return entry


def container(ctx: Context, service: Service, ports: list[ContainerPort], mounts: list[dict[str, Any]]) -> ContainerParts:
    secrets = secretrefs.SecretEnv()
    spec: dict[str, Any] = {"name": ctx.dns_names[service.name], "image": image(ctx, service)}
    policy = pull_policy(ctx, service)
    if policy:
        spec["imagePullPolicy"] = policy
    command = _argv(ctx, service, "entrypoint", service.entrypoint, secrets)
    args = _argv(ctx, service, "command", service.command, secrets)
    if command is not None:
        spec["command"] = command
    if args is not None:
        spec["args"] = args
    if service.working_dir:
        spec["workingDir"] = service.working_dir
    env, env_config_map = _env(ctx, service, secrets)
    if ports:
        spec["ports"] = [_container_port(p) for p in ports]
    spec.update(probes.probes(ctx, service, secrets))
    limits = resources.container_resources(ctx, service)
    if limits:
        spec["resources"] = limits
    env = secrets.helpers() + env
    if env:
        spec["env"] = env
    if env_config_map is not None:
        spec["envFrom"] = [{"configMapRef": {"name": env_config_map["metadata"]["name"]}}]
    if mounts:
        spec["volumeMounts"] = mounts
    context = security_context(ctx, service)
    if context:
        spec["securityContext"] = context
    if service.tty:
        spec["tty"] = True
    if service.stdin_open:
        spec["stdin"] = True
    return ContainerParts(spec, env_config_map, set(secrets.used))
