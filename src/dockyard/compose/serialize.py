"""Print a loaded project like ``docker compose config`` does (JSON or YAML).

The loader's tree already has docker compose's value forms; printing adds its output rules:

* networks and volumes no enabled service uses are left out;
* a literal ``$`` is printed as ``$$``, so the output can be loaded again unchanged;
* JSON only (Go's struct encoding): every service has ``command`` and ``entrypoint`` (null when
  unset), every network an ``ipam`` and every ``deploy`` a ``resources`` and ``placement``
  (``{}`` when unset), every ``develop.watch`` entry an ``exec`` (command null); ``x-`` keys are
  kept only at the top level; integral floats print as integers (``"cpus": 1``).
"""

from __future__ import annotations

import json
from typing import Any

TOP_LEVEL_ORDER = ("name", "services", "networks", "volumes", "secrets", "configs", "models")


def config_tree(tree: dict) -> dict:
    """The tree ``config`` prints: unused networks/volumes pruned, top-level keys in compose order."""
    tree = dict(tree)  # the sections that change are rebuilt, the rest is shared
    services = tree.get("services") or {}
    used_networks = {n for s in services.values() for n in (s.get("networks") or {})}
    used_volumes = {
        v.get("source")
        for s in services.values()
        for v in s.get("volumes") or []
        if isinstance(v, dict) and v.get("type") == "volume"
    }
    for section, used in (("networks", used_networks), ("volumes", used_volumes)):
        if isinstance(tree.get(section), dict):
            tree[section] = {k: v for k, v in tree[section].items() if k in used}
            if not tree[section]:
                del tree[section]
    ordered = {k: tree[k] for k in TOP_LEVEL_ORDER if k in tree}
    ordered.update({k: v for k, v in tree.items() if k not in ordered})
    return ordered


def _printable(value: Any) -> Any:
    """A copy with ``$`` escaped and integral floats as ints (one pass over the tree)."""
    if isinstance(value, str):
        return value.replace("$", "$$") if "$" in value else value
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_json(tree: dict) -> str:
    return indented_json(_json_shape(_printable(config_tree(tree))))


def indented_json(value: Any) -> str:
    """``json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)``, byte for byte, about
    2.5x faster: with ``indent`` the stdlib falls back to its generic pure-Python encoder, this
    writer knows the few types a compose tree holds (anything else goes to ``json.dumps``)."""
    parts: list[str] = []
    try:
        _write_json(value, "\n", parts.append)
    except _NotPlainJSON:
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return "".join(parts)


class _NotPlainJSON(Exception):
    """A key or value type the fast writer leaves to ``json.dumps``."""


def _write_json(value: Any, newline: str, out) -> None:
    kind = type(value)
    if kind is dict:
        if not value:
            out("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key in sorted(value):
            if type(key) is not str:
                raise _NotPlainJSON
            item = value[key]
            out(separator + _json_string(key) + ": ")
            separator = "," + inner
            if type(item) is str:
                out(_json_string(item))
            else:
                _write_json(item, inner, out)
        out(newline + "}")
    elif kind is list:
        if not value:
            out("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out(separator)
            separator = "," + inner
            if type(item) is str:
                out(_json_string(item))
            else:
                _write_json(item, inner, out)
        out(newline + "]")
    else:
        out(_json_scalar(value))


def _json_scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _json_string(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        if value != value:
            return "NaN"
        if value in (_INFINITY, -_INFINITY):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    raise _NotPlainJSON


_json_string = json.encoder.encode_basestring  # ensure_ascii=False's string encoder (C)
_INFINITY = float("inf")


def _json_shape(tree: dict) -> dict:
    for service in (tree.get("services") or {}).values():
        for key in [k for k in service if k.startswith("x-")]:
            del service[key]
        service.setdefault("command", None)
        service.setdefault("entrypoint", None)
        for port in service.get("ports") or []:
            for key in [k for k in port if k.startswith("x-")]:
                del port[key]
        for watch in (service.get("develop") or {}).get("watch") or []:
            if isinstance(watch, dict):
                watch.setdefault("exec", {"command": None})
        deploy = service.get("deploy")
        if isinstance(deploy, dict):
            deploy.setdefault("resources", {})
            deploy.setdefault("placement", {})
    for section in ("networks", "volumes", "secrets", "configs"):
        for resource in (tree.get(section) or {}).values():
            if isinstance(resource, dict):
                for key in [k for k in resource if k.startswith("x-")]:
                    del resource[key]
    for network in (tree.get("networks") or {}).values():
        if isinstance(network, dict):
            network.setdefault("ipam", {})
    return tree


# Key orders of docker compose's YAML (compose-go's Go struct field order); keys not listed
# follow, sorted. Cosmetic only: the printed documents load to the same model either way.
_SERVICE_ORDER = (
    "profiles annotations attach build develop blkio_config cap_add cap_drop cgroup_parent cgroup cpu_count "
    "cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpus cpu_shares cpuset command configs "
    "container_name credential_spec depends_on deploy devices dns dns_opt dns_search dockerfile domainname "
    "entrypoint provider environment env_file expose extends external_links extra_hosts group_add gpus hostname "
    "healthcheck image init ipc isolation labels label_file links logging mac_address mem_limit mem_reservation "
    "mem_swappiness memswap_limit network_mode networks oom_kill_disable oom_score_adj pid pids_limit platform "
    "ports privileged pull_policy read_only restart runtime scale secrets security_opt shm_size stdin_open "
    "stop_grace_period stop_signal storage_opt sysctls tmpfs tty ulimits user userns_mode uts volume_driver "
    "volumes volumes_from working_dir models"
).split()
_ORDERS = {
    "services.*": _SERVICE_ORDER,
    "services.*.build": ("context", "dockerfile", "dockerfile_inline", "args", "ssh", "labels", "cache_from",
                         "cache_to", "no_cache", "additional_contexts", "network", "pull", "target", "shm_size",
                         "extra_hosts", "isolation", "privileged", "secrets", "tags", "ulimits", "platforms"),
    "services.*.ports.[]": ("name", "mode", "host_ip", "target", "published", "protocol", "app_protocol"),
    "services.*.volumes.[]": ("type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs",
                              "image"),
    "services.*.configs.[]": ("source", "target", "uid", "gid", "mode"),
    "services.*.secrets.[]": ("source", "target", "uid", "gid", "mode"),
    "services.*.devices.[]": ("source", "target", "permissions"),
    "services.*.healthcheck": ("test", "timeout", "interval", "retries", "start_period", "start_interval",
                               "disable"),
    "services.*.deploy": ("mode", "replicas", "labels", "update_config", "rollback_config", "resources",
                          "restart_policy", "placement", "endpoint_mode"),
    "services.*.deploy.resources": ("limits", "reservations"),
    "services.*.deploy.update_config": ("parallelism", "delay", "failure_action", "monitor", "max_failure_ratio",
                                        "order"),
    "services.*.deploy.rollback_config": ("parallelism", "delay", "failure_action", "monitor", "max_failure_ratio",
                                          "order"),
    "services.*.deploy.restart_policy": ("condition", "delay", "max_attempts", "window"),
    "services.*.deploy.resources.*": ("cpus", "memory", "pids", "devices", "generic_resources"),
    "services.*.deploy.resources.*.devices.[]": ("capabilities", "driver", "count", "device_ids", "options"),
    "services.*.gpus.[]": ("capabilities", "driver", "count", "device_ids", "options"),
    "services.*.ulimits.*": ("soft", "hard"),
    "services.*.depends_on.*": ("condition", "restart", "required"),
    "services.*.develop.watch.[]": ("path", "action", "target", "exec", "ignore", "include", "initial_sync"),
    "networks.*.ipam": ("driver", "config", "options"),
    "*.*": ("name",),
}


def _shaped(value: Any, path: tuple[str, ...]) -> Any:
    if isinstance(value, list):
        return [_shaped(v, (*path, "[]")) for v in value]
    if not isinstance(value, dict):
        return value
    first = _order_for(path)
    keys = [k for k in first if k in value] + sorted(k for k in value if k not in first)
    return {k: _shaped(value[k], (*path, k)) for k in keys}


def _order_for(path: tuple[str, ...]) -> tuple[str, ...] | list[str]:
    for pattern, order in _ORDERS.items():
        parts = pattern.split(".")
        if len(parts) == len(path) and all(p in ("*", q) for p, q in zip(parts, path)):
            return order
    return ()


def _yaml_shape(tree: dict) -> dict:
    """Key order of docker compose's YAML; the top level keeps compose's section order."""
    return {k: _shaped(v, (k,)) if k in TOP_LEVEL_ORDER else v for k, v in tree.items()}


# Plain scalars YAML 1.1 reads as booleans: go-yaml quotes them, PyYAML does not know y/n.
_YAML11_BOOLS = frozenset(
    "y Y yes Yes YES n N no No NO on On ON off Off OFF true True TRUE false False FALSE".split()
)


def to_yaml(tree: dict) -> str:
    return _dump_yaml(_yaml_shape(_printable(config_tree(tree))), sort_keys=False)


def _dump_yaml(document: dict, *, sort_keys: bool) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)  # indent sequences under their key, like compose

        def choose_scalar_style(self) -> str:
            style = super().choose_scalar_style()
            return '"' if style == "'" else style  # go-yaml quotes with double quotes

    def represent_str(dumper: yaml.SafeDumper, data: str) -> Any:
        style = "|" if "\n" in data else '"' if data in _YAML11_BOOLS else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    Dumper.add_representer(str, represent_str)
    Dumper.add_representer(type(None), lambda d, _: d.represent_scalar("tag:yaml.org,2002:null", "null"))
    return yaml.dump(
        document,
        Dumper=Dumper,
        sort_keys=sort_keys,
        default_flow_style=False,
        allow_unicode=True,
        indent=2,
        width=1 << 16,
    )


def to_format(tree: dict, fmt: str, *, raw: bool = False) -> str:
    """``raw``: the tree is compose-go's model dict (``--no-interpolate``): printed as it is, keys
    sorted, with no escaping and none of the typed-struct output rules."""
    if raw:
        return _raw(tree, fmt)
    return to_json(tree) if fmt == "json" else to_yaml(tree)


def _raw(tree: dict, fmt: str) -> str:
    if fmt == "json":
        return indented_json(tree)
    return _dump_yaml(tree, sort_keys=True)
