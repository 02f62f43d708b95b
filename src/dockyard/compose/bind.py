"""Bind the final tree to the typed model (compose-go ``ModelToProject``), once.

The tree is already canonical and typed the way ``docker compose config`` prints it; binding
only converts value forms (``"1m30s"`` → nanoseconds, ``"536870912"`` → int, ``"0440"`` → 288)
and freezes everything into the dataclasses of ``model.py``. Keys the model has no field for go
to ``Service.other``; ``x-`` keys go to ``extensions``.

A thousand services make ~10,000 objects, so the hot classes are bound by tables (Compose key →
field, converter) that look only at the keys a mapping has, and objects are built through their
slots rather than the frozen ``__init__``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from functools import lru_cache
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
    return _make(
        m.Project,
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
        source_map=_make(m.SourceMap, positions=positions, default_file=default_file),
    )


_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _freeze(value: Any) -> Any:
    # no call for the scalars: most values of a mapping are strings or numbers
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) if isinstance(v, (dict, list)) else v for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) if isinstance(v, (dict, list)) else v for v in value)
    return value


def _extensions(node: Mapping[str, Any]) -> Mapping[str, Any]:
    return _freeze({k: v for k, v in node.items() if isinstance(k, str) and k.startswith("x-")})


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in (value if isinstance(value, list) else [value]))


def _str_map(value: Any) -> Mapping[str, str]:
    return MappingProxyType({str(k): ("" if v is None else str(v)) for k, v in (value or {}).items()})


# The same few durations and sizes ("30s", "1m0s", "536870912") recur on every service: each
# text is parsed once per process.
_duration_of_text = lru_cache(maxsize=256)(parse_duration)
_size_of_text = lru_cache(maxsize=256)(parse_size)


def _duration(value: Any) -> int | None:
    if value is None:
        return None
    return _duration_of_text(value) if type(value) is str else parse_duration(value)


def _size(value: Any) -> int | None:
    if value is None:
        return None
    return _size_of_text(value) if type(value) is str else parse_size(value)


def _mode(value: Any) -> int | None:
    if value is None:
        return None
    return int(value, 8) if isinstance(value, str) else int(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _identity(value: Any) -> Any:
    return value


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


_constructors: dict[type, Callable[[dict], Any]] = {}


def _make(cls: type, **values: Any) -> Any:
    """``cls(**values)`` through ``_construct``, made once per class. ``values`` names every field:
    a field added to the model must be given here (building fails with ``KeyError`` until it is)."""
    construct = _constructors.get(cls)
    if construct is None:
        construct = _constructors[cls] = _construct(cls)
    return construct(values)


Keys = dict[str, tuple[str, Callable[[Any], Any]]]


def _binder(cls: type, keys: Keys, *, mandatory: tuple[str, ...] = (), **defaults: Any) -> Callable[[Any], Any]:
    """A binder of ``cls`` from a mapping: ``keys`` maps a Compose key to (field, converter).

    Only the keys a mapping has are converted (a few of the many a class models); a field whose
    key is absent takes ``converter(None)`` unless ``defaults`` gives its value. Other keys are
    ignored, except ``x-`` keys, kept in ``extensions`` when ``cls`` has that field. A
    ``mandatory`` field has no value when its key is absent (building then fails).
    """
    construct = _construct(cls)
    absent = {name: convert(None) for name, convert in keys.values() if name not in mandatory} | defaults
    with_extensions = "extensions" in cls.__slots__
    if with_extensions:
        absent["extensions"] = _EMPTY

    def bind_one(node: Mapping[str, Any]) -> Any:
        values = absent.copy()
        extensions = None
        for key, value in node.items():
            bound = keys.get(key)
            if bound is not None:
                values[bound[0]] = bound[1](value)
            elif with_extensions and isinstance(key, str) and key.startswith("x-"):
                if extensions is None:
                    extensions = {}
                extensions[key] = value
        if extensions is not None:
            values["extensions"] = _freeze(extensions)
        return construct(values)

    return bind_one


def _tuple_of(bind_one: Callable[[Any], Any]) -> Callable[[Any], tuple]:
    return lambda value: tuple(bind_one(item) for item in value or [])


def _or_none(bind_one: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else bind_one(value)


def _if_mapping(bind_one: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: bind_one(value) if isinstance(value, dict) else None


def build(b: Mapping[str, Any]) -> m.Build:
    return _make(
        m.Build,
        context=_opt_str(b.get("context")),
        dockerfile=_opt_str(b.get("dockerfile")),
        args=MappingProxyType({str(k): (None if v is None else str(v)) for k, v in (b.get("args") or {}).items()}),
        target=_opt_str(b.get("target")),
        other=_freeze({k: v for k, v in b.items() if k not in ("context", "dockerfile", "args", "target")}),
    )


port = _binder(m.Port, {
    "target": ("target", int),
    "published": ("published", lambda v: _opt_str(v) or None),
    "host_ip": ("host_ip", _opt_str),
    "protocol": ("protocol", lambda v: v or "tcp"),
    "mode": ("mode", lambda v: v or "ingress"),
    "name": ("name", _opt_str),
    "app_protocol": ("app_protocol", _opt_str),
}, mandatory=("target",))

service_volume = _binder(m.ServiceVolume, {
    "type": ("type", lambda v: v or "volume"),
    "target": ("target", lambda v: str(v or "")),
    "source": ("source", lambda v: _opt_str(v) or None),
    "read_only": ("read_only", bool),
    "consistency": ("consistency", _opt_str),
    "bind": ("bind", _if_mapping(_binder(m.BindOptions, {
        "propagation": ("propagation", _identity),
        "create_host_path": ("create_host_path", bool),  # False when absent: the short syntax sets it
        "selinux": ("selinux", _identity),
        "recursive": ("recursive", _identity),
    }))),
    "volume": ("volume", _if_mapping(_binder(m.VolumeOptions, {
        "nocopy": ("nocopy", bool),
        "subpath": ("subpath", _identity),
        "labels": ("labels", _str_map),
    }))),
    "tmpfs": ("tmpfs", _if_mapping(_binder(m.TmpfsOptions, {"size": ("size", _size), "mode": ("mode", _mode)}))),
    "image": ("image_subpath", lambda v: v.get("subpath") if isinstance(v, dict) else None),
})

file_reference = _binder(m.FileReference, {
    "source": ("source", str),
    "target": ("target", _opt_str),
    "uid": ("uid", _opt_str),
    "gid": ("gid", _opt_str),
    "mode": ("mode", _mode),
})

dependency = _binder(m.Dependency, {
    "condition": ("condition", lambda v: v or "service_started"),
    "required": ("required", bool),
    "restart": ("restart", bool),
}, required=True)  # true when absent

service_network = _binder(m.ServiceNetwork, {
    "aliases": ("aliases", _strings),
    "ipv4_address": ("ipv4_address", _opt_str),
    "ipv6_address": ("ipv6_address", _opt_str),
    "priority": ("priority", _identity),
})

healthcheck = _binder(m.Healthcheck, {
    "test": ("test", _or_none(_strings)),
    "interval": ("interval", _duration),
    "timeout": ("timeout", _duration),
    "retries": ("retries", _identity),
    "start_period": ("start_period", _duration),
    "start_interval": ("start_interval", _duration),
    "disable": ("disable", bool),
})


def device_request(d: Mapping[str, Any]) -> m.DeviceRequest:
    count = d.get("count")
    return _make(
        m.DeviceRequest,
        capabilities=_strings(d.get("capabilities")),
        driver=_opt_str(d.get("driver")),
        count=-1 if count == "all" else count,
        device_ids=_strings(d.get("device_ids")),
        options=_str_map(d.get("options")),
    )


_resource = _or_none(_binder(m.Resource, {
    "cpus": ("cpus", _or_none(float)),
    "memory": ("memory", _size),
    "pids": ("pids", _identity),
    "devices": ("devices", _tuple_of(device_request)),
    "generic_resources": ("generic_resources", _tuple_of(_freeze)),
}))

_update = _or_none(_binder(m.UpdateConfig, {
    "parallelism": ("parallelism", _identity),
    "delay": ("delay", _duration),
    "failure_action": ("failure_action", _identity),
    "monitor": ("monitor", _duration),
    "max_failure_ratio": ("max_failure_ratio", _identity),
    "order": ("order", _identity),
}))


def _resources(r: Mapping[str, Any] | None) -> m.Resources:
    r = r or {}
    return _make(m.Resources, limits=_resource(r.get("limits")), reservations=_resource(r.get("reservations")))


deploy = _binder(m.Deploy, {
    "mode": ("mode", _identity),
    "replicas": ("replicas", _identity),
    "labels": ("labels", _str_map),
    "update_config": ("update_config", _update),
    "rollback_config": ("rollback_config", _update),
    "resources": ("resources", _resources),
    "restart_policy": ("restart_policy", _if_mapping(_binder(m.RestartPolicy, {
        "condition": ("condition", _identity),
        "delay": ("delay", _duration),
        "max_attempts": ("max_attempts", _identity),
        "window": ("window", _duration),
    }))),
    "placement": ("placement", _if_mapping(_binder(m.Placement, {
        "constraints": ("constraints", _strings),
        "preferences": ("preferences", _tuple_of(_freeze)),
        "max_replicas_per_node": ("max_replicas_per_node", _identity),
    }))),
    "endpoint_mode": ("endpoint_mode", _identity),
})


def ulimit(u: Any) -> m.Ulimit:
    if isinstance(u, dict):
        return _make(m.Ulimit, soft=int(u.get("soft", 0)), hard=int(u.get("hard", 0)))
    return _make(m.Ulimit, soft=int(u), hard=int(u))


def _extra_hosts(value: Any) -> Mapping[str, tuple[str, ...]]:
    hosts: dict[str, list[str]] = {}
    for entry in value or []:
        host, _, ip = str(entry).partition("=")
        hosts.setdefault(host, []).append(ip)
    return _freeze({k: tuple(v) for k, v in hosts.items()})


# --- services (after the binders their key table names) ------------------------------------------


def _environment(environment: Mapping[str, Any]) -> Mapping[str, str | None]:
    return MappingProxyType({str(k): (None if v is None else str(v)) for k, v in environment.items()})


# Service key → (field, converter of the key's value). Only the keys a service has are looked
# at (a service sets a handful of the ~60); an absent key's field takes ``converter(None)``.
SERVICE_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "image": ("image", _opt_str),
    "build": ("build", _if_mapping(build)),
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
    "scale": ("scale", _identity),
    "restart": ("restart", _opt_str),
    "labels": ("labels", _str_map),
    "annotations": ("annotations", _str_map),
    "cap_add": ("cap_add", _strings),
    "cap_drop": ("cap_drop", _strings),
    "privileged": ("privileged", bool),
    "read_only": ("read_only", bool),
    "tty": ("tty", bool),
    "stdin_open": ("stdin_open", bool),
    "init": ("init", _identity),
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
    values["other"] = _freeze(other) if other else _EMPTY
    values["extensions"] = _freeze(extensions) if extensions else _EMPTY
    return _new_service(values)


# --- top-level resources -----------------------------------------------------------------------


def _external(value: Any) -> bool:
    return value is True or isinstance(value, dict)


def volume(key: str, v: Mapping[str, Any]) -> m.Volume:
    return _make(
        m.Volume,
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
    return _make(
        m.Network,
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
    return _make(
        m.FileObject,
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
