"""Bind the final tree to the typed model (compose-go ``ModelToProject``), once.

The tree is already canonical and typed the way ``docker compose config`` prints it; binding
only converts value forms (``"1m30s"`` → nanoseconds, ``"536870912"`` → int, ``"0440"`` → 288)
and freezes everything into the dataclasses of ``model.py``. Keys the model has no field for go
to ``Service.other``; ``x-`` keys go to ``extensions``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from types import MappingProxyType
from typing import Any

from dockyard.compose import model as m
from dockyard.compose.canonical import parse_duration, parse_size


def bind(
    tree: dict,
    disabled: Mapping[str, Any],
    *,
    working_dir: str,
    environment: Mapping[str, str],
    profiles: tuple[str, ...],
    config_files: tuple[str, ...],
    files: Mapping[str, bytes],
    env_files: Mapping[str, tuple] | None = None,
    positions: Mapping[tuple, m.Location],
    default_file: str,
) -> m.Project:
    return m.Project(
        name=tree.get("name") or "",
        working_dir=working_dir,
        services=_freeze(
            {n: service(n, s, (env_files or {}).get(n)) for n, s in (tree.get("services") or {}).items()}
        ),
        volumes=_freeze({k: volume(k, v or {}) for k, v in (tree.get("volumes") or {}).items()}),
        networks=_freeze({k: network(k, v or {}) for k, v in (tree.get("networks") or {}).items()}),
        configs=_freeze({k: file_object(k, v or {}) for k, v in (tree.get("configs") or {}).items()}),
        secrets=_freeze({k: file_object(k, v or {}) for k, v in (tree.get("secrets") or {}).items()}),
        disabled_services=_freeze({n: service(n, s) for n, s in disabled.items()}),
        profiles=profiles,
        config_files=config_files,
        environment=_freeze(dict(environment)),
        extensions=_extensions(tree),
        files=_freeze(dict(files)),
        source_map=m.SourceMap(positions, default_file),
    )


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _extensions(node: Mapping[str, Any]) -> Mapping[str, Any]:
    return _freeze({k: v for k, v in node.items() if isinstance(k, str) and k.startswith("x-")})


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in (value if isinstance(value, list) else [value]))


def _str_map(value: Any) -> Mapping[str, str]:
    return _freeze({str(k): ("" if v is None else str(v)) for k, v in (value or {}).items()})


def _duration(value: Any) -> int | None:
    return None if value is None else parse_duration(value)


def _size(value: Any) -> int | None:
    return None if value is None else parse_size(value)


def _mode(value: Any) -> int | None:
    if value is None:
        return None
    return int(value, 8) if isinstance(value, str) else int(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def build(b: Mapping[str, Any]) -> m.Build:
    return m.Build(
        context=_opt_str(b.get("context")),
        dockerfile=_opt_str(b.get("dockerfile")),
        args=_freeze({str(k): (None if v is None else str(v)) for k, v in (b.get("args") or {}).items()}),
        target=_opt_str(b.get("target")),
        other=_freeze({k: v for k, v in b.items() if k not in ("context", "dockerfile", "args", "target")}),
    )


def port(p: Mapping[str, Any]) -> m.Port:
    return m.Port(
        target=int(p["target"]),
        published=_opt_str(p.get("published")) or None,
        host_ip=_opt_str(p.get("host_ip")),
        protocol=p.get("protocol") or "tcp",
        mode=p.get("mode") or "ingress",
        name=_opt_str(p.get("name")),
        app_protocol=_opt_str(p.get("app_protocol")),
        extensions=_extensions(p),
    )


def service_volume(v: Mapping[str, Any]) -> m.ServiceVolume:
    bind_options = v.get("bind")
    volume_options = v.get("volume")
    tmpfs_options = v.get("tmpfs")
    return m.ServiceVolume(
        type=v.get("type") or "volume",
        target=str(v.get("target") or ""),
        source=_opt_str(v.get("source")) or None,
        read_only=bool(v.get("read_only", False)),
        consistency=_opt_str(v.get("consistency")),
        bind=m.BindOptions(
            propagation=bind_options.get("propagation"),
            create_host_path=bool(bind_options.get("create_host_path", False)),  # short syntax sets it
            selinux=bind_options.get("selinux"),
            recursive=bind_options.get("recursive"),
        )
        if isinstance(bind_options, dict)
        else None,
        volume=m.VolumeOptions(
            nocopy=bool(volume_options.get("nocopy", False)),
            subpath=volume_options.get("subpath"),
            labels=_str_map(volume_options.get("labels")),
        )
        if isinstance(volume_options, dict)
        else None,
        tmpfs=m.TmpfsOptions(size=_size(tmpfs_options.get("size")), mode=_mode(tmpfs_options.get("mode")))
        if isinstance(tmpfs_options, dict)
        else None,
        image_subpath=(v.get("image") or {}).get("subpath") if isinstance(v.get("image"), dict) else None,
        extensions=_extensions(v),
    )


def file_reference(c: Mapping[str, Any]) -> m.FileReference:
    return m.FileReference(
        source=str(c.get("source")),
        target=_opt_str(c.get("target")),
        uid=_opt_str(c.get("uid")),
        gid=_opt_str(c.get("gid")),
        mode=_mode(c.get("mode")),
        extensions=_extensions(c),
    )


def dependency(d: Mapping[str, Any]) -> m.Dependency:
    return m.Dependency(
        condition=d.get("condition") or "service_started",
        required=bool(d.get("required", True)),
        restart=bool(d.get("restart", False)),
    )


def service_network(n: Mapping[str, Any]) -> m.ServiceNetwork:
    return m.ServiceNetwork(
        aliases=_strings(n.get("aliases")),
        ipv4_address=_opt_str(n.get("ipv4_address")),
        ipv6_address=_opt_str(n.get("ipv6_address")),
        priority=n.get("priority"),
        extensions=_extensions(n),
    )


def healthcheck(h: Mapping[str, Any]) -> m.Healthcheck:
    return m.Healthcheck(
        test=_strings(h["test"]) if h.get("test") is not None else None,
        interval=_duration(h.get("interval")),
        timeout=_duration(h.get("timeout")),
        retries=h.get("retries"),
        start_period=_duration(h.get("start_period")),
        start_interval=_duration(h.get("start_interval")),
        disable=bool(h.get("disable", False)),
    )


def device_request(d: Mapping[str, Any]) -> m.DeviceRequest:
    count = d.get("count")
    return m.DeviceRequest(
        capabilities=_strings(d.get("capabilities")),
        driver=_opt_str(d.get("driver")),
        count=-1 if count == "all" else count,
        device_ids=_strings(d.get("device_ids")),
        options=_str_map(d.get("options")),
    )


def _resource(r: Mapping[str, Any] | None) -> m.Resource | None:
    if r is None:
        return None
    return m.Resource(
        cpus=float(r["cpus"]) if r.get("cpus") is not None else None,
        memory=_size(r.get("memory")),
        pids=r.get("pids"),
        devices=tuple(device_request(d) for d in r.get("devices") or []),
        generic_resources=tuple(_freeze(g) for g in r.get("generic_resources") or []),
    )


def _update(u: Mapping[str, Any] | None) -> m.UpdateConfig | None:
    if u is None:
        return None
    return m.UpdateConfig(
        parallelism=u.get("parallelism"),
        delay=_duration(u.get("delay")),
        failure_action=u.get("failure_action"),
        monitor=_duration(u.get("monitor")),
        max_failure_ratio=u.get("max_failure_ratio"),
        order=u.get("order"),
    )


def deploy(d: Mapping[str, Any]) -> m.Deploy:
    resources = d.get("resources") or {}
    restart = d.get("restart_policy")
    placement = d.get("placement")
    return m.Deploy(
        mode=d.get("mode"),
        replicas=d.get("replicas"),
        labels=_str_map(d.get("labels")),
        update_config=_update(d.get("update_config")),
        rollback_config=_update(d.get("rollback_config")),
        resources=m.Resources(limits=_resource(resources.get("limits")),
                              reservations=_resource(resources.get("reservations"))),
        restart_policy=m.RestartPolicy(
            condition=restart.get("condition"),
            delay=_duration(restart.get("delay")),
            max_attempts=restart.get("max_attempts"),
            window=_duration(restart.get("window")),
        )
        if isinstance(restart, dict)
        else None,
        placement=m.Placement(
            constraints=_strings(placement.get("constraints")),
            preferences=tuple(_freeze(p) for p in placement.get("preferences") or []),
            max_replicas_per_node=placement.get("max_replicas_per_node"),
        )
        if isinstance(placement, dict)
        else None,
        endpoint_mode=d.get("endpoint_mode"),
        extensions=_extensions(d),
    )


def ulimit(u: Any) -> m.Ulimit:
    if isinstance(u, dict):
        return m.Ulimit(soft=int(u.get("soft", 0)), hard=int(u.get("hard", 0)))
    return m.Ulimit(soft=int(u), hard=int(u))


def _extra_hosts(value: Any) -> Mapping[str, tuple[str, ...]]:
    hosts: dict[str, list[str]] = {}
    for entry in value or []:
        host, _, ip = str(entry).partition("=")
        hosts.setdefault(host, []).append(ip)
    return _freeze({k: tuple(v) for k, v in hosts.items()})


# --- services (after the binders their key table names) ------------------------------------------


def _construct(cls: type) -> Callable[[dict], Any]:
    """A faster ``cls(**values)`` for a frozen, slotted dataclass; ``values`` names every field.

    The generated ``__init__`` assigns each field through ``object.__setattr__`` (the frozen
    guard's way around itself), which for a 60-field ``Service`` costs more than computing the
    values; the slots' own descriptors assign directly.
    """
    setters = tuple((f.name, cls.__dict__[f.name].__set__) for f in fields(cls))
    new = object.__new__

    def construct(values: dict) -> Any:
        instance = new(cls)
        for name, set_value in setters:
            set_value(instance, values[name])
        return instance

    return construct


def _environment(environment: Mapping[str, Any]) -> Mapping[str, str | None]:
    return MappingProxyType({str(k): (None if v is None else str(v)) for k, v in environment.items()})


def _tuple_of(bind_one: Callable[[Any], Any]) -> Callable[[Any], tuple]:
    return lambda value: tuple(bind_one(item) for item in value or [])


def _or_none(bind_one: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else bind_one(value)


# Service key → (field, converter of the key's value). Only the keys a service has are looked
# at (a service sets a handful of the ~60); an absent key's field takes ``converter(None)``.
SERVICE_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "image": ("image", _opt_str),
    "build": ("build", lambda v: build(v) if isinstance(v, dict) else None),
    "command": ("command", _or_none(_strings)),
    "entrypoint": ("entrypoint", _or_none(_strings)),
    "environment": ("environment", lambda v: _environment(v or {})),
    "env_file": ("env_files", lambda v: tuple(
        m.EnvFile(path=e["path"], required=e.get("required", True), format=e.get("format"))
        for e in v or []
        if isinstance(e, dict)
    )),
    "working_dir": ("working_dir", _opt_str),
    "user": ("user", _opt_str),
    "hostname": ("hostname", _opt_str),
    "domainname": ("domainname", _opt_str),
    "ports": ("ports", _tuple_of(port)),
    "expose": ("expose", _strings),
    "volumes": ("volumes", _tuple_of(service_volume)),
    "tmpfs": ("tmpfs", _strings),
    "configs": ("configs", _tuple_of(file_reference)),
    "secrets": ("secrets", _tuple_of(file_reference)),
    "depends_on": ("depends_on", lambda v: MappingProxyType({k: dependency(d or {}) for k, d in (v or {}).items()})),
    "links": ("links", _strings),
    "networks": ("networks", lambda v: MappingProxyType(
        {k: (service_network(n) if n is not None else None) for k, n in (v or {}).items()}
    )),
    "network_mode": ("network_mode", _opt_str),
    "healthcheck": ("healthcheck", _or_none(healthcheck)),
    "deploy": ("deploy", _or_none(deploy)),
    "scale": ("scale", lambda v: v),
    "restart": ("restart", _opt_str),
    "labels": ("labels", _str_map),
    "annotations": ("annotations", _str_map),
    "cap_add": ("cap_add", _strings),
    "cap_drop": ("cap_drop", _strings),
    "privileged": ("privileged", bool),
    "read_only": ("read_only", bool),
    "tty": ("tty", bool),
    "stdin_open": ("stdin_open", bool),
    "init": ("init", lambda v: v),
    "stop_grace_period": ("stop_grace_period", _duration),
    "stop_signal": ("stop_signal", _opt_str),
    "dns": ("dns", _strings),
    "dns_search": ("dns_search", _strings),
    "dns_opt": ("dns_opt", _strings),
    "extra_hosts": ("extra_hosts", _extra_hosts),
    "sysctls": ("sysctls", _str_map),
    "ulimits": ("ulimits", lambda v: MappingProxyType({k: ulimit(u) for k, u in (v or {}).items()})),
    "devices": ("devices", _tuple_of(_freeze)),
    "pull_policy": ("pull_policy", _opt_str),
    "platform": ("platform", _opt_str),
    "cpus": ("cpus", _or_none(float)),
    "mem_limit": ("mem_limit", _size),
    "mem_reservation": ("mem_reservation", _size),
    "shm_size": ("shm_size", _size),
    "pid": ("pid", _opt_str),
    "ipc": ("ipc", _opt_str),
    "group_add": ("group_add", _strings),
    "security_opt": ("security_opt", _strings),
    "gpus": ("gpus", lambda v: tuple(device_request(g) for g in v or [] if isinstance(g, dict))),
    "profiles": ("profiles", _strings),
    "container_name": ("container_name", _opt_str),
    "logging": ("logging", _or_none(_freeze)),
}
MODELLED = set(SERVICE_KEYS)

_new_service = _construct(m.Service)
_SERVICE_DEFAULTS = {field_name: convert(None) for field_name, convert in SERVICE_KEYS.values()}


def service(name: str, s: Mapping[str, Any], env_files: tuple | None = None) -> m.Service:
    """``env_files``: (EnvFile entries with their values, explicit environment) when the loader
    merged env_file variables into ``environment`` for printing; the model keeps them apart."""
    values = dict(_SERVICE_DEFAULTS)
    values["name"] = name
    other = {}
    extensions = {}
    for key, value in (s or {}).items():
        bound = SERVICE_KEYS.get(key)
        if bound is not None:
            field_name, convert = bound
            values[field_name] = convert(value)
        elif key.startswith("x-"):
            extensions[key] = value
        else:
            other[key] = value
    if env_files is not None:
        files, environment = env_files
        values["env_files"] = tuple(
            replace(f, values=_freeze(dict(f.values)) if f.values is not None else None) for f in files
        )
        values["environment"] = _environment(environment)
    values["other"] = _freeze(other)
    values["extensions"] = _freeze(extensions)
    return _new_service(values)


# --- top-level resources -----------------------------------------------------------------------


def _external(value: Any) -> bool:
    return value is True or isinstance(value, dict)


def volume(key: str, v: Mapping[str, Any]) -> m.Volume:
    return m.Volume(
        key=key,
        name=str(v.get("name") or key),
        driver=_opt_str(v.get("driver")),
        driver_opts=_str_map(v.get("driver_opts")),
        external=_external(v.get("external")),
        labels=_str_map(v.get("labels")),
        extensions=_extensions(v),
    )


NETWORK_FIELDS = {"name", "driver", "driver_opts", "external", "internal", "attachable", "labels"}


def network(key: str, n: Mapping[str, Any]) -> m.Network:
    return m.Network(
        key=key,
        name=str(n.get("name") or key),
        driver=_opt_str(n.get("driver")),
        driver_opts=_str_map(n.get("driver_opts")),
        external=_external(n.get("external")),
        internal=bool(n.get("internal", False)),
        attachable=bool(n.get("attachable", False)),
        labels=_str_map(n.get("labels")),
        other=_freeze({k: v for k, v in n.items() if k not in NETWORK_FIELDS and not k.startswith("x-")}),
        extensions=_extensions(n),
    )


def file_object(key: str, f: Mapping[str, Any]) -> m.FileObject:
    return m.FileObject(
        key=key,
        name=str(f.get("name") or key),
        file=_opt_str(f.get("file")),
        content=_opt_str(f.get("content")),
        environment=_opt_str(f.get("environment")),
        external=_external(f.get("external")),
        labels=_str_map(f.get("labels")),
        driver=_opt_str(f.get("driver")),
        template_driver=_opt_str(f.get("template_driver")),
        extensions=_extensions(f),
    )
