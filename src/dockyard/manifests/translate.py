"""``translate``: a loaded compose project + an environment → the exact Kubernetes objects to apply.

Pure: no file reads, no subprocess, no printing, no exit. Steps, in order:

1. name every service (DNS-1035; collisions are errors, renames are warnings);
2. refuse env-secret markers anywhere a Secret reference cannot go (``secretrefs``);
3. per service: policy baseline, ports, storage, configs/secrets mounts, container, workload,
   Services (the name and every alias);
4. project-level objects: PVCs, compose configs/secrets;
5. order for apply (``ordering``) and check no marker survived.

``yaml_in_halves`` runs the same steps with step 3 split in two halves that may run in two processes
(``dockyard render`` of a large project), each writing its own objects' YAML.

Every compose key is either mapped by a builder or named in a warning (``UNMAPPED``).
"""

from __future__ import annotations

import dataclasses
import marshal
import operator
from collections.abc import Callable
from itertools import chain
from typing import Any

from dockyard.compose.model import Healthcheck, Project, Service
from dockyard.errors import DockyardError

from . import containers, files, names, ordering, policy, secretrefs, services, volumes, workloads
from .context import Context, RenderOptions
from .result import LABEL_SERVICE, Environment, ObjectRef, Rendered, RenderWarning, ServiceRender

__all__ = ["RenderOptions", "translate", "yaml_in_halves"]

# Service attributes dockyard does not map: (attribute, is it set?, why it is dropped).
UNMAPPED: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("domainname", bool, "domainname is not mapped; pods get the cluster domain"),
    ("init", lambda v: v is not None, "init is not mapped; use an image with an init process (e.g. tini)"),
    ("stop_signal", bool, "stop_signal is not mapped; Kubernetes sends SIGTERM"),
    ("ulimits", bool, "ulimits are set by the node's container runtime, not per pod"),
    ("logging", bool, "logging drivers are not mapped; the cluster collects container stdout/stderr"),
    ("security_opt", bool, "security_opt is not mapped; use the pod securityContext"),
    ("container_name", bool, "container_name is ignored: pods are named by Kubernetes; use the service name"),
    ("pid", lambda v: v not in (None, "host"), "pid is not mapped: every pod has its own process namespace"),
    ("ipc", lambda v: v not in (None, "host", "private"), "ipc is not mapped: every pod has its own IPC namespace"),
)
_UNMAPPED_VALUES = operator.attrgetter(*(attr for attr, _, _ in UNMAPPED))
_SECRET_FIELDS = frozenset({"environment", "env_files", "command", "entrypoint", "extensions", "healthcheck"})
_MARKER_BYTES = (secretrefs.OPEN.encode(), secretrefs.CLOSE.encode())
# The fields where a marker is refused, fetched in one C call per service.
_CHECKED_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(Service) if f.name not in _SECRET_FIELDS))
_HEALTHCHECK = operator.attrgetter("healthcheck")
_CHECKED_HEALTHCHECK_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(Healthcheck) if f.name != "test"))
_SECRET_OK: tuple[tuple[str, ...], ...] = (("environment",), ("env_file",), ("command",), ("entrypoint",), ("healthcheck", "test"))


def _dns_names(ctx: Context) -> dict[str, str]:
    pairs = [(name, names.dns_label(name)) for name in sorted(ctx.project.services)]
    collision = names.find_collisions(pairs)
    if collision:
        first, second, dns = collision
        raise ctx.error(("services", second), f"services {first!r} and {second!r} both become the Kubernetes name "
                        f"{dns!r}; rename one")
    for name, dns in pairs:
        if dns != name:
            ctx.warn(("services", name), f"service {name!r} is named {dns!r} in Kubernetes (DNS name)", name)
    return dict(pairs)


def _refuse_misplaced_secrets(ctx: Context) -> None:
    # One pass over the fields of every service says whether a marker is anywhere it cannot go
    # (walking each service on its own cost ~15% of translate); only then are the services
    # walked one by one to locate it.
    services = ctx.project.services.values()
    checks = filter(None, map(_HEALTHCHECK, services))
    checked = chain.from_iterable((*map(_CHECKED_FIELDS, services), *map(_CHECKED_HEALTHCHECK_FIELDS, checks)))
    if secretrefs.any_marker(checked):
        _locate_misplaced_secrets(ctx)
    for section in ("volumes", "networks", "secrets", "configs"):
        for key, obj in sorted(getattr(ctx.project, section).items()):
            for path, text in secretrefs.scan(obj, (section, key)):
                if path[2:3] in (("extensions",), ("content",)):
                    continue
                raise ctx.error(path, secretrefs.misplaced(secretrefs.keys_in(text)))


def _locate_misplaced_secrets(ctx: Context) -> None:
    for name, service in sorted(ctx.project.services.items()):
        check = service.healthcheck
        if not secretrefs.contains_marker(service, _SECRET_FIELDS) and not (
                check and secretrefs.contains_marker(check, frozenset({"test"}))):
            continue
        for path, text in secretrefs.scan(service, ("services", name)):
            rel = path[2:]
            if rel[:1] == ("extensions",) or any(rel[: len(ok)] == ok for ok in _SECRET_OK):
                continue
            raise ctx.error(path, secretrefs.misplaced(secretrefs.keys_in(text)))


def _warn_unmapped(ctx: Context, service: Service) -> None:
    base = ("services", service.name)
    for (attr, is_set, message), value in zip(UNMAPPED, _UNMAPPED_VALUES(service)):
        if value is not None and is_set(value):  # None is never set: most services skip every check
            ctx.warn((*base, attr), message, service.name)
    for key in sorted(service.other) if service.other else ():  # guards: most services set none of these
        ctx.warn((*base, key), f"{key} is not mapped to Kubernetes", service.name)
    if service.network_mode and service.network_mode not in ("host", "bridge", "default"):
        ctx.warn((*base, "network_mode"), f"network_mode {service.network_mode!r} is not mapped: every pod has its "
                 "own network; reach other services by name", service.name)
    for network, settings in sorted(service.networks.items()):
        if settings and (settings.ipv4_address or settings.ipv6_address):
            ctx.warn((*base, "networks", network), "fixed IP addresses are not mapped; use the service's DNS name", service.name)
    deploy = service.deploy
    if deploy:
        if deploy.rollback_config:
            ctx.warn((*base, "deploy", "rollback_config"), "rollback_config is not mapped (kubectl rollout undo)", service.name)
        policy_ = deploy.restart_policy
        if policy_ and (policy_.delay is not None or policy_.window is not None):
            ctx.warn((*base, "deploy", "restart_policy"), "restart_policy delay/window are not mapped (kubelet backs off)", service.name)
        if policy_ and policy_.max_attempts is not None and workloads.kind(service) != "Job":
            ctx.warn((*base, "deploy", "restart_policy", "max_attempts"), "max_attempts only limits one-shot services "
                     "(Jobs); Kubernetes restarts the containers of a long-running service without limit", service.name)
        if deploy.update_config and workloads.kind(service) == "Job":
            ctx.warn((*base, "deploy", "update_config"), "update_config does not apply to a one-shot service (Job)", service.name)


def _warn_project(ctx: Context) -> None:
    for key, network in sorted(ctx.project.networks.items()):
        if key != "default" and (network.driver or network.internal or network.driver_opts or network.external
                                 or network.attachable or network.labels or network.other):
            ctx.warn(("networks", key), "networks are not isolated in Kubernetes: every service can reach every other")
    for key, volume in sorted(ctx.project.volumes.items()):
        if volume.labels:
            ctx.warn(("volumes", key, "labels"), "volume labels are not mapped")
    for section in ("configs", "secrets"):
        for key, obj in sorted(getattr(ctx.project, section).items()):
            for attr in ("labels", "driver", "template_driver"):
                if getattr(obj, attr):
                    ctx.warn((section, key, attr), f"{section[:-1]} {attr} is not mapped")


def _ref(obj: dict[str, Any]) -> ObjectRef:
    return ObjectRef(obj["apiVersion"], obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"))


def _render_service(ctx: Context, service: Service, alias_dns: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any], set[str]]:
    policy.check(ctx, service)
    _warn_unmapped(ctx, service)
    ports = services.container_ports(ctx, service)
    storage = volumes.pod_storage(ctx, service)
    file_volumes, file_mounts = files.file_mounts(ctx, service)
    for volume, mount in zip(file_volumes, file_mounts):
        storage.add(volume, mount)
    if service.devices and ctx.allowed("devices"):
        for index, device in enumerate(service.devices):
            name = names.joined("device", str(index))
            storage.add({"name": name, "hostPath": {"path": str(device.get("source", ""))}},
                        {"name": name, "mountPath": str(device.get("target") or device.get("source", ""))})
    parts = containers.container(ctx, service, ports, storage.mounts)
    kind = workloads.kind(service)
    pod = workloads.pod_spec(ctx, service, parts.container, storage.volumes, kind)
    workload = workloads.workload(ctx, service, pod, storage.exclusive_claims)
    objects = list(storage.objects)
    if parts.env_config_map is not None:
        objects.append(parts.env_config_map)
    objects += services.discovery(ctx, service, ports, alias_dns)
    return objects, workload, parts.secret_keys


def _config_keys(ctx: Context, service: str, known: frozenset[str]) -> frozenset[str]:
    references = ctx.options.config_references
    if references is None:
        return known
    return frozenset(references.get(service, frozenset())) & known


@dataclasses.dataclass
class _Prepared:
    """Steps 1-2 and what the per-service step needs from the whole project."""

    ctx: Context
    workload_rank: dict[str, int]  # a workload's name -> its service's place in service_order
    alias_dns: dict[str, list[str]]


def _prepare(project: Project, environment: Environment, options: RenderOptions) -> _Prepared:
    ctx = Context(project, environment, options)
    ctx.dns_names = _dns_names(ctx)
    _refuse_misplaced_secrets(ctx)
    _warn_project(ctx)
    order = ordering.service_order(ctx, project)
    rank = {ctx.dns_names[name]: index for index, name in enumerate(order)}
    return _Prepared(ctx, rank, services.alias_names(ctx, services.aliases(ctx)))


def _render_services(prepared: _Prepared, names: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, ServiceRender]]:
    """Step 3 for ``names``: (every object, each service's own then its workload; the workloads; renders)."""
    ctx = prepared.ctx
    objects: list[dict[str, Any]] = []
    renders: dict[str, ServiceRender] = {}
    known_config = frozenset(ctx.environment.config)
    rendered_workloads: list[dict[str, Any]] = []
    for name in names:
        service = ctx.project.services[name]
        owned, workload, secret_keys = _render_service(ctx, service, prepared.alias_dns.get(name, []))
        objects += owned
        objects.append(workload)
        rendered_workloads.append(workload)
        workload_ref = _ref(workload)
        renders[name] = ServiceRender(
            name=name,
            dns_name=ctx.dns_names[name],
            workload=workload_ref,
            objects=(*map(_ref, owned), workload_ref),
            depends_on=dict(service.depends_on),
            config_keys=_config_keys(ctx, name, known_config),
            secret_keys=frozenset(secret_keys),
            has_healthcheck="readinessProbe" in workload["spec"]["template"]["spec"]["containers"][0],
        )
    return objects, rendered_workloads, renders


def translate(project: Project, environment: Environment, *, options: RenderOptions = RenderOptions()) -> Rendered:
    """The objects to apply for ``project`` in ``environment``, in apply order, with warnings."""
    prepared = _prepare(project, environment, options)
    ctx = prepared.ctx
    objects, rendered_workloads, renders = _render_services(prepared, sorted(project.services))
    objects += volumes.claims(ctx) + files.file_objects(ctx)
    shipped = {_key(o): o for o in objects if o["kind"] in _SHIPPED_KINDS}
    _refuse_reserved_names(ctx, shipped)
    _refuse_duplicate_objects(ctx, objects)
    for workload in rendered_workloads:
        files.stamp_content_digest(workload, shipped)
    ordered = ordering.apply_order(objects, prepared.workload_rank)
    _assert_no_marker(ctx, ordered)
    return Rendered(environment=environment, objects=tuple(ordered), services=renders, warnings=tuple(ctx.warnings))


_SHIPPED_KINDS = ("ConfigMap", "Secret")
RunBoth = Callable[[Callable[[], Any], Callable[[], Any]], tuple[Any, Any]]
"""Runs two calls, maybe at once (``dockyard render`` forks), and returns both results. The second
call's result is plain data (tuples, lists, strings, numbers, None), so it can cross processes."""


def yaml_in_halves(project: Project, environment: Environment, *, options: RenderOptions = RenderOptions(),
                   run_both: RunBoth) -> tuple[str, tuple[RenderWarning, ...]] | None:
    """``to_yaml(translate(...).objects)`` and the warnings, with the services split in two halves:
    each half is rendered, stamped, checked for markers and written by one of ``run_both``'s calls;
    the project-wide steps run once, here. Joining the halves in apply order gives ``translate``'s
    exact output, because builders depend on the whole project only through those steps.

    ``None`` when the halves might depend on each other (an object name rendered twice, a reserved
    name, a pod using a ConfigMap the other half renders, a marker in an object, an error in the
    project-level objects): the caller then runs ``translate``, which decides, and raises the
    error it would raise anyway. An error while rendering a half is raised as ``translate`` would:
    the first half's first, else the second half's (``run_both`` recomputes a failed call)."""
    prepared = _prepare(project, environment, options)
    ctx = prepared.ctx
    before_shared = len(ctx.warnings)
    try:
        shared = volumes.claims(ctx) + files.file_objects(ctx)
    except DockyardError:
        return None
    shared_warnings = ctx.warnings[before_shared:]  # translate adds them after every service's
    del ctx.warnings[before_shared:]
    shared_keys = [_key(obj) for obj in shared]
    shipped = {key: obj for key, obj in zip(shared_keys, shared) if key[0] in _SHIPPED_KINDS}
    rank = prepared.workload_rank
    names = sorted(project.services)
    middle = len(names) // 2

    def half(part: list[str]) -> tuple | None:
        before = len(ctx.warnings)
        objects, rendered_workloads, _ = _render_services(prepared, part)
        return _written_half(objects, rendered_workloads, shipped, set(shared_keys), rank,
                             [dataclasses.astuple(w) for w in ctx.warnings[before:]])

    first, second = run_both(lambda: half(names[:middle]), lambda: half(names[middle:]))
    if first is None or second is None or _has_marker(shared):
        return None
    keys = [*first[1], *second[1], *shared_keys]
    if len(set(keys)) != len(keys) or any(k[0] in _SHIPPED_KINDS and k[1] in RESERVED_NAMES for k in keys):
        return None
    if not (first[3].isdisjoint(_config_map_names(second[1])) and second[3].isdisjoint(_config_map_names(first[1]))):
        return None  # a pod uses a ConfigMap of the other half: its digest needs that half's content
    from .serialize import yaml_documents

    placed = [*first[0], *second[0], *zip((ordering.apply_key(o, rank) for o in shared), yaml_documents(shared))]
    placed.sort(key=operator.itemgetter(0))  # stable: translate's order of objects, then apply_order's sort
    warnings = (*ctx.warnings[:before_shared], *(RenderWarning(*w) for w in (*first[2], *second[2])), *shared_warnings)
    return "".join(document for _, document in placed), warnings


def _written_half(objects: list[dict[str, Any]], rendered_workloads: list[dict[str, Any]],
                  shipped: dict[tuple[str, str], dict[str, Any]], shared_keys: set[tuple[str, str]],
                  rank: dict[str, int], warnings: list[tuple]) -> tuple | None:
    """((apply key, YAML document) per object, (kind, name) per object, warnings, ConfigMaps its pods
    use that it could not see), or None when this half alone cannot decide its output."""
    from .serialize import yaml_documents

    keys = [_key(obj) for obj in objects]
    if len(set(keys)) != len(keys) or not shared_keys.isdisjoint(keys):
        return None
    visible = {**shipped, **{key: obj for key, obj in zip(keys, objects) if key[0] in _SHIPPED_KINDS}}
    missing: set[str] = set()  # used here, rendered by neither this half nor the project: the other half's?
    for workload in rendered_workloads:
        missing.update(name for name in files.referenced_config_maps(workload) if ("ConfigMap", name) not in visible)
        files.stamp_content_digest(workload, visible)
    if _has_marker(objects):
        return None
    placed = list(zip((ordering.apply_key(o, rank) for o in objects), yaml_documents(objects)))
    return placed, keys, warnings, missing


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def _config_map_names(keys: list[tuple[str, str]]) -> set[str]:
    return {name for kind, name in keys if kind == "ConfigMap"}


# Objects every environment already holds (reconcile/environments.py, reconcile/digest.py).
RESERVED_NAMES = frozenset({"env-config", "env-secret", "dockyard-digest-key"})


def _refuse_reserved_names(ctx: Context, shipped: dict[tuple[str, str], dict[str, Any]]) -> None:
    for kind, name in sorted(shipped):
        if name in RESERVED_NAMES:
            raise ctx.error(("name",), f"this project would render {kind} {name!r}, a name the environment reserves for its "
                            "own configuration; rename the compose project, config, secret or service")


def _refuse_duplicate_objects(ctx: Context, objects: list[dict[str, Any]]) -> None:
    """Two different objects under one kind and name would overwrite each other when applied."""
    keys = [_key(obj) for obj in objects]
    if len(set(keys)) == len(keys):  # the usual case, decided in C: no name is taken twice
        return
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for key, obj in zip(keys, objects):
        other = seen.setdefault(key, obj)
        if other is not obj and other != obj:
            owners = sorted({o["metadata"]["labels"].get(LABEL_SERVICE, "the project") for o in (other, obj)})
            raise ctx.error(("name",), f"two different {key[0]} objects would both be named {key[1]!r} "
                            f"(rendered for {' and '.join(owners)}); rename a service, volume, config or secret")


def _has_marker(objects: list[dict[str, Any]]) -> bool:
    """Whether an env-secret marker may be in ``objects`` (True may be wrong, False never is)."""
    try:  # one C-level pass over plain dicts/lists/strings, which marshal writes as UTF-8
        blob = marshal.dumps(objects)
    except ValueError:  # a value marshal cannot write: the caller walks
        return True
    return _MARKER_BYTES[0] in blob or _MARKER_BYTES[1] in blob


def _assert_no_marker(ctx: Context, objects: list[dict[str, Any]]) -> None:
    if not _has_marker(objects):
        return
    for obj in objects:
        for path, _ in secretrefs.scan(obj, _key(obj)):
            raise ctx.error(path, "internal error: an env-secret reference reached a rendered object; please report this")
