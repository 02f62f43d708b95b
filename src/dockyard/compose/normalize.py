"""Implicit defaults made explicit (compose-go ``loader/normalize.go``), on the canonical tree.

* a service with neither ``networks`` nor ``network_mode`` joins the ``default`` network, which
  then exists (only if some service uses it);
* networks, volumes, configs and secrets without ``name`` are named ``<project>_<key>`` (an
  external one keeps its key);
* ``build`` gets ``context: .`` and ``dockerfile: Dockerfile``; null ``build.args`` and
  ``environment`` entries are resolved from the project environment (unresolved args are
  dropped, unresolved environment entries stay bare);
* ``links``, ``network_mode``/``ipc``/``pid``/``uts``/``cgroup: service:x`` and ``volumes_from``
  imply ``depends_on`` entries; volume targets are cleaned like paths;
* ``pre_start`` hook containers inherit the service's container attributes (image ...).
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Mapping
from typing import Any

SERVICE_PREFIX = "service:"
CONTAINER_PREFIX = "container:"
NAMESPACES = ("network_mode", "ipc", "pid", "uts", "cgroup")


def normalize(tree: dict, environment: Mapping[str, str]) -> dict:
    _default_network(tree)
    for service in (tree.get("services") or {}).values():
        _service(service, environment)
    _names_from_keys(tree)
    return tree


def _default_network(tree: dict) -> None:
    networks = tree.get("networks") or {}
    uses_default = False
    for service in (tree.get("services") or {}).values():
        if "provider" in service or "network_mode" in service:
            continue
        attached = service.get("networks")
        if not attached:
            service["networks"] = {"default": None}
            uses_default = True
        elif "default" in attached:
            uses_default = True
    if uses_default and "default" not in networks:
        networks["default"] = None
    if networks:
        tree["networks"] = networks


def _service(service: dict, environment: Mapping[str, str]) -> None:
    if service.get("pull_policy") == "if_not_present":
        service["pull_policy"] = "missing"
    build = service.get("build")
    if isinstance(build, dict):
        if build.get("context") is None:
            build["context"] = "."
        if build.get("dockerfile") is None and build.get("dockerfile_inline") is None:
            build["dockerfile"] = "Dockerfile"
        if "args" in build:
            build["args"] = _resolve(build["args"], environment, keep_empty=False)
    if "environment" in service:
        service["environment"] = _resolve(service["environment"], environment, keep_empty=True)
    depends_on = service.get("depends_on") or {}
    for link in service.get("links") or []:
        parts = str(link).split(":")
        name = parts[0] if len(parts) == 2 else str(link)
        depends_on.setdefault(name, {"condition": "service_started", "restart": True, "required": True})
    for namespace in NAMESPACES:
        reference = service.get(namespace)
        if isinstance(reference, str) and reference.startswith(SERVICE_PREFIX):
            depends_on.setdefault(
                reference[len(SERVICE_PREFIX) :], {"condition": "service_started", "restart": True, "required": True}
            )
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict) and isinstance(volume.get("target"), str) and volume["target"]:
            volume["target"] = posixpath.normpath(volume["target"]).replace("//", "/")
    for source in service.get("volumes_from") or []:
        if not str(source).startswith(CONTAINER_PREFIX):
            depends_on.setdefault(
                str(source).split(":")[0], {"condition": "service_started", "restart": False, "required": True}
            )
    if depends_on:
        service["depends_on"] = depends_on
    _pre_start_hooks(service)


# Attributes a pre_start hook container inherits from its service (a subset of compose-go's
# generated ``types.ContainerSpecAttributes``; volumes are deliberately not inherited).
HOOK_INHERITED = ("image", "user", "working_dir", "environment", "privileged", "cap_add", "cap_drop", "security_opt")


def _pre_start_hooks(service: dict) -> None:
    hooks = service.get("pre_start")
    if not isinstance(hooks, list):
        return
    from dockyard.compose.merge import merge  # here: an import statement costs a microsecond per service

    base = {k: service[k] for k in HOOK_INHERITED if k in service}
    for index, hook in enumerate(hooks):
        if isinstance(hook, dict):
            merged = merge({"services": {"hook": copy.deepcopy(base)}}, {"services": {"hook": hook}})
            hooks[index] = merged["services"]["hook"]


def resolve_environment(value: Any, environment: Mapping[str, str]) -> Any:
    """Bare ``KEY`` entries take their value from ``environment``; unresolved ones stay bare."""
    return _resolve(value, environment, keep_empty=True)


def _resolve(value: Any, environment: Mapping[str, str], *, keep_empty: bool) -> Any:
    if isinstance(value, dict):
        resolved = {}
        for key, item in value.items():
            if item is not None:
                resolved[key] = item
            elif key in environment:
                resolved[key] = environment[key]
            elif keep_empty:
                resolved[key] = None
        return resolved
    if isinstance(value, list):
        resolved_list = []
        for item in value:
            if isinstance(item, str) and "=" not in item:
                if item in environment:
                    resolved_list.append(f"{item}={environment[item]}")
                elif keep_empty:
                    resolved_list.append(item)
            else:
                resolved_list.append(item)
        return resolved_list
    return value


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "t", "true"))


def _names_from_keys(tree: dict) -> None:
    project = tree.get("name")
    for section in ("networks", "volumes", "configs", "secrets"):
        resources = tree.get(section)
        if not isinstance(resources, dict):
            continue
        for key, resource in resources.items():
            resource = resource if isinstance(resource, dict) else {}
            if resource.get("name") is None:
                resource["name"] = key if _is_true(resource.get("external")) else f"{project}_{key}"
            resources[key] = resource
