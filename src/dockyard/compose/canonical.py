"""Short syntax → long syntax, as tables keyed by path patterns.

Two tables, applied at different phases of the loader (see ``loader.py``):

* ``STRUCTURAL`` is compose-go's ``transform.Canonical``: it runs after each file is merged, so
  later files merge into long-syntax values (ports expanded, volumes parsed, depends_on as a
  mapping, ``external`` resources ...).
* ``TYPED`` is what compose-go's binding to Go types does before ``docker compose config``
  prints the project: list-or-dict keys become mappings, durations print as Go durations
  (``1m30s``), byte sizes as strings of bytes (``"536870912"``), commands are split like a shell.
  After it the tree has exactly the shape ``docker compose config --format json`` prints.

``walk`` applies a table in one pass; a subtree no pattern can reach is not visited.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from dockyard.errors import ComposeError, SchemaError

Transform = Callable[[Any, tuple], Any]

# --- the walker ------------------------------------------------------------------------------


def compile_table(table: dict[str, Transform]) -> dict:
    """Patterns → a trie of dicts; ``None`` holds the transform for the path ending there."""
    trie: dict = {}
    for pattern, function in table.items():
        node = trie
        for part in pattern.split("."):
            node = node.setdefault(part, {})
        node[None] = function
    return trie


def walk(value: Any, trie: dict, path: tuple = ()) -> Any:
    """Apply the transforms of ``trie`` bottom-up (children first) and return the new value."""
    function = trie.get(None)
    # most nodes reached are leaves (one transform, no pattern below): their children are not looked at
    if len(trie) > (function is not None):
        if isinstance(value, dict):
            get = trie.get
            star = get("*")
            for key in list(value):
                child = get(key, star)
                if child is not None:
                    value[key] = walk(value[key], child, (*path, key))
        elif isinstance(value, list):
            child = trie.get("[]")
            if child is not None:
                for index, item in enumerate(value):
                    value[index] = walk(item, child, (*path, index))
    return function(value, path) if function is not None else value


def _then(*functions: Transform) -> Transform:
    def chained(value: Any, path: tuple) -> Any:
        for function in functions:
            value = function(value, path)
        return value

    return chained


def _fail(path: tuple, message: str) -> ComposeError:
    return SchemaError(f"{'.'.join(map(str, path))} {message}", path=path)


# --- short syntax parsers --------------------------------------------------------------------


def parse_volume(spec: str) -> dict:
    """``format.ParseVolume``: ``[source:]target[:options]`` → a long-syntax mapping."""
    volume: dict[str, Any] = {"type": None, "source": "", "target": ""}
    if not spec:
        raise ComposeError("invalid empty volume spec")
    if len(spec) <= 2:
        volume.update(type="volume", target=spec)
        return volume
    parts = spec.split(":")
    if "$" not in spec and "\0" not in spec and not any(len(part) == 1 and part.isalpha() for part in parts[:-1]):
        # the common spec (no ${...}, no drive letter, no NUL, which the scan takes for the end): its
        # colons are the separators, as in the character scan, without a Python step per character
        for index, part in enumerate(parts):
            error = _volume_field(":" if index < len(parts) - 1 else "\0", part, volume)
            if error:
                raise ComposeError(f"invalid spec: {spec}: {error}")
        _volume_type(volume)
        return volume
    return _scanned_volume(spec, volume)


def _scanned_volume(spec: str, volume: dict) -> dict:
    """``parse_volume`` for any spec longer than two characters, one character at a time."""
    buffer: list[str] = []
    depth = 0
    for i, char in enumerate(spec + "\0"):
        if char == "$" and i + 1 < len(spec) and spec[i + 1] == "{":
            depth += 1
            buffer.append(char)
            continue
        if char == "}" and depth > 0:
            depth -= 1
            buffer.append(char)
            continue
        if char == ":" and len(buffer) == 1 and buffer[0].isalpha():
            buffer.append(char)
        elif char in (":", "\0") and depth == 0:
            error = _volume_field(char, "".join(buffer), volume)
            if error:
                raise ComposeError(f"invalid spec: {spec}: {error}")
            buffer = []
        else:
            buffer.append(char)
    _volume_type(volume)
    return volume


def _volume_field(char: str, text: str, volume: dict) -> str | None:
    if not text:
        return "empty section between colons"
    if not volume["source"] and char == "\0":
        volume["target"] = text
        return None
    if not volume["source"]:
        volume["source"] = text
        return None
    if not volume["target"]:
        volume["target"] = text
        return None
    if char == ":":
        return "too many colons"
    for option in text.split(","):
        if option == "ro":
            volume["read_only"] = True
        elif option == "rw":
            volume["read_only"] = False
        elif option == "nocopy":
            volume["volume"] = {"nocopy": True}
        elif option in _PROPAGATIONS:
            volume.setdefault("bind", {})["propagation"] = option
        elif option in ("z", "Z"):
            volume.setdefault("bind", {})["selinux"] = option
    return None


_PROPAGATIONS = ("rprivate", "private", "rshared", "shared", "rslave", "slave")


def _is_file_path(source: str) -> bool:
    if not source:
        return False
    if source[0] in "./~" or source.startswith("\\\\"):
        return True
    return len(source) > 1 and source[0].isalpha() and source[1] == ":"


def _volume_type(volume: dict) -> None:
    if _is_file_path(volume["source"]):
        volume["type"] = "bind"
        volume.setdefault("bind", {})["create_host_path"] = True
    else:
        volume["type"] = "volume"
        volume.setdefault("volume", {})
    if not volume["source"]:
        del volume["source"]
    if volume.get("read_only") is False:
        del volume["read_only"]


_PORT_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


def parse_port(spec: str, path: tuple = ()) -> list[dict]:
    """``types.ParsePortConfig`` (docker's ``nat.ParsePortSpec``): one mapping per container port."""
    raw, _, protocol = spec.partition("/")
    protocol = protocol or "tcp"
    if protocol.lower() not in ("tcp", "udp", "sctp"):
        raise _fail(path, f"invalid proto: {protocol}")
    host_ip, host_port, container = _split_port_spec(raw, spec, path)
    if host_ip and not _is_ip(host_ip):
        raise _fail(path, f"invalid IP address: {host_ip}")
    start, end = _port_range(container, spec, path, "containerPort")
    host_start = host_end = None
    if host_port:
        host_start, host_end = _port_range(host_port, spec, path, "hostPort")
        if end - start != host_end - host_start and end != start:
            raise _fail(path, f"invalid ranges specified for container and host Ports: {container} and {host_port}")
    ports = []
    for offset in range(end - start + 1):
        published = ""
        if host_port:
            published = str(host_start + offset)
            if start == end and host_start != host_end:
                published = f"{published}-{host_end}"
        ports.append((f"{start + offset}/{protocol}", start + offset, published))
    ports.sort(key=lambda entry: entry[0])  # docker sorts the "port/proto" keys as strings
    result = []
    for _, target, published in ports:
        entry: dict[str, Any] = {"mode": "ingress"}
        if host_ip:
            entry["host_ip"] = host_ip
        entry["target"] = target
        if published:
            entry["published"] = published
        entry["protocol"] = protocol.lower()
        result.append(entry)
    return result


@lru_cache(maxsize=256)
def _is_ip(text: str) -> bool:
    """``is_ip`` once per text: the few host IPs of a file recur on many ports."""
    from dockyard.compose.validation import is_ip

    return is_ip(text)


def _split_port_spec(raw: str, spec: str, path: tuple) -> tuple[str, str, str]:
    if raw.startswith("["):
        closing = raw.find("]")
        if closing < 0:
            raise _fail(path, f"invalid port specification: {spec!r}")
        host_ip, rest = raw[1:closing], raw[closing + 1 :]
        if not rest.startswith(":"):
            raise _fail(path, f"invalid port specification: {spec!r}")
        host_port, sep, container = rest[1:].rpartition(":")
        if not sep:
            container, host_port = rest[1:], ""
        return host_ip, host_port, container
    parts = raw.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    # an unbracketed IPv6 address: the last two fields are the ports
    return ":".join(parts[:-2]), parts[-2], parts[-1]


def _port_range(text: str, spec: str, path: tuple, what: str) -> tuple[int, int]:
    if text.isdecimal():  # one port, the common case: what the pattern matches (\d is Nd), without it
        start = end = int(text)
    else:
        match = _PORT_RANGE.match(text)
        if not match:
            raise _fail(path, f"invalid {what}: {text}" if text else f"no port specified: {spec}<empty>")
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else start
    if start > 65535 or end > 65535:
        raise _fail(path, f"invalid {what}: {text}")
    if end < start:
        raise _fail(path, f"invalid range specified for {what}: {text}")
    return start, end


# --- durations and sizes ---------------------------------------------------------------------

_DURATION_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9,
                   "h": 3600 * 10**9}
_DURATION_PART = re.compile(r"(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(value: Any, path: tuple = ()) -> int:
    """Go's ``time.ParseDuration`` (what compose uses): ``1m30s`` → nanoseconds."""
    if isinstance(value, bool):
        raise _fail(path, "must be a duration")
    if isinstance(value, int):
        return value * 10**9  # compose reads a bare number as seconds
    if isinstance(value, float):
        return int(value * 10**9)
    text = str(value).strip()
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body == "0":
        return 0
    total, position = 0.0, 0
    if not body:
        raise _fail(path, f"invalid duration {text!r}")
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        if not match or match.group(1) in ("", "."):
            raise _fail(path, f"invalid duration {text!r}")
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    return sign * int(round(total))


def format_duration(nanoseconds: int) -> str:
    """Go's ``time.Duration.String``: ``1m30s``, ``500ms``, ``1h0m0s``, ``0s``."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    n = abs(nanoseconds)
    if n < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 10**3), ("ns", 1)):
            if n >= size:
                return sign + _decimal(n, size) + unit
    hours, rest = divmod(n, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    seconds = _decimal(rest, 10**9) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return sign + seconds


def _decimal(value: int, unit: int) -> str:
    whole, fraction = divmod(value, unit)
    if not fraction:
        return str(whole)
    digits = str(fraction).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


_SIZE = re.compile(r"^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")
_SIZE_UNITS = {None: 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def parse_size(value: Any, path: tuple = ()) -> int:
    """docker's ``units.RAMInBytes``: ``512m`` → 536870912 (binary multiples)."""
    if isinstance(value, bool):
        raise _fail(path, "must be a byte size")
    if isinstance(value, (int, float)):
        return int(value)
    match = _SIZE.match(str(value))
    if not match:
        raise _fail(path, f"invalid size: {value!r}")
    unit = match.group(2).lower() if match.group(2) else None
    return int(float(match.group(1)) * _SIZE_UNITS[unit])


# --- STRUCTURAL (compose-go transform.Canonical) ---------------------------------------------


def _service(value: Any, path: tuple) -> Any:
    if value is None:
        return {}
    if isinstance(value, dict) and "build" in value and isinstance(value["build"], str):
        value["build"] = {"context": value["build"]}
    return value


def _depends_on(value: Any, path: tuple) -> Any:
    if isinstance(value, list):
        return {str(name): {"condition": "service_started", "required": True} for name in value}
    if isinstance(value, dict):
        for name, dependency in value.items():
            if isinstance(dependency, dict):
                dependency.setdefault("required", True)
    return value


def _env_file(value: Any, path: tuple) -> Any:
    entries = value if isinstance(value, list) else [value] if value is not None else []
    result = []
    for entry in entries:
        if isinstance(entry, str):
            result.append({"path": entry, "required": True})
        elif isinstance(entry, dict):
            entry.setdefault("required", True)
            result.append(entry)
        else:
            result.append(entry)
    return result


def _extends(value: Any, path: tuple) -> Any:
    return {"service": value} if isinstance(value, str) else value


def _service_networks(value: Any, path: tuple) -> Any:
    if isinstance(value, list):
        return {str(name): None for name in value}
    return value


def _volume_mount(value: Any, path: tuple) -> Any:
    if isinstance(value, str):
        try:
            return parse_volume(value)
        except ComposeError as exc:
            raise _fail(path, exc.message) from None
    return value  # long syntax is kept as written (only the short syntax implies create_host_path)


def _string_or_list(value: Any, path: tuple) -> Any:
    return [value] if isinstance(value, str) else value


def _device(value: Any, path: tuple) -> Any:
    if not isinstance(value, str):
        return value
    parts = value.split(":")
    device: dict[str, Any] = {"source": parts[0], "target": parts[0], "permissions": "rwm"}
    if len(parts) >= 2:
        device["target"] = parts[1]
    if len(parts) >= 3:
        device["permissions"] = parts[2]
    if len(parts) > 3:
        raise _fail(path, f"confusing device mapping, please use long syntax: {value}")
    return device


def _file_mount(value: Any, path: tuple) -> Any:
    return {"source": value} if isinstance(value, str) else value


def _secret_target(value: Any, path: tuple) -> Any:
    if isinstance(value, dict) and "target" not in value and "source" in value:
        value["target"] = f"/run/secrets/{value['source']}"
    return value


def _ports(value: Any, path: tuple) -> Any:
    if not isinstance(value, list):
        return value
    result: list = []
    for index, entry in enumerate(value):
        if isinstance(entry, bool):
            result.append(entry)
        elif isinstance(entry, (int, float)):
            result.extend(parse_port(str(int(entry)), (*path, index)))
        elif isinstance(entry, str):
            result.extend(parse_port(entry, (*path, index)))
        elif isinstance(entry, dict):
            if isinstance(entry.get("published"), int) and not isinstance(entry.get("published"), bool):
                entry["published"] = str(entry["published"])
            entry.setdefault("mode", "ingress")
            entry.setdefault("protocol", "tcp")
            result.append(entry)
        else:
            result.append(entry)
    return result


def _build(value: Any, path: tuple) -> Any:
    return {"context": value} if isinstance(value, str) else value


def _ssh(value: Any, path: tuple) -> Any:
    """``ssh`` becomes a mapping id → path (null for a bare id such as ``default``)."""
    entries = [value] if isinstance(value, str) else value
    if isinstance(entries, list):
        return {key: (item if sep else None) for key, sep, item in (str(e).partition("=") for e in entries)}
    return value


def _ssh_typed(value: Any, path: tuple) -> Any:
    if isinstance(value, dict):
        return [f"{k}={v}" if v is not None else k for k, v in value.items()]
    return value


def _ulimit(value: Any, path: tuple) -> Any:
    return value


def _gpus(value: Any, path: tuple) -> Any:
    return [{"count": "all"}] if value == "all" else value


def _count(value: Any, path: tuple) -> Any:
    return -1 if value == "all" else value


def _maybe_external(value: Any, path: tuple) -> Any:
    if not isinstance(value, dict):
        return value
    external = value.get("external")
    if isinstance(external, dict):
        if "name" in external:
            value["name"] = external["name"]
        value["external"] = True
    return value


def _include(value: Any, path: tuple) -> Any:
    if isinstance(value, str):
        return {"path": [value]}
    if isinstance(value, dict):
        for key in ("path", "env_file"):
            if isinstance(value.get(key), str):
                value[key] = [value[key]]
    return value


STRUCTURAL = compile_table(
    {
        "services.*": _service,
        "services.*.build": _build,
        "services.*.build.secrets.[]": _file_mount,
        "services.*.build.ssh": _ssh,
        "services.*.depends_on": _depends_on,
        "services.*.env_file": _env_file,
        "services.*.extends": _extends,
        "services.*.networks": _service_networks,
        "services.*.models": _service_networks,  # the same list of names → {name: null}
        "services.*.volumes.[]": _volume_mount,
        "services.*.dns": _string_or_list,
        "services.*.devices.[]": _device,
        "services.*.secrets.[]": _then(_file_mount, _secret_target),
        "services.*.configs.[]": _file_mount,
        "services.*.ports": _ports,
        "services.*.ulimits.*": _ulimit,
        "services.*.gpus": _gpus,
        "volumes.*": _maybe_external,
        "networks.*": _maybe_external,
        "secrets.*": _maybe_external,
        "configs.*": _maybe_external,
        "include.[]": _include,
    }
)


def canonical(tree: dict) -> dict:
    """compose-go ``transform.Canonical``."""
    return walk(tree, STRUCTURAL)


def omit_empty(tree: dict) -> dict:
    """compose-go ``OmitEmpty``: drop null/empty values at the few places where they mean 'unset'."""
    for section in ("services", "networks", "volumes", "secrets", "configs"):
        if section in tree and tree[section] is None:
            del tree[section]
    for service in (tree.get("services") or {}).values():
        if isinstance(service, dict):
            for key in ("environment", "labels", "annotations"):
                if key in service and service[key] is None:
                    del service[key]
    return tree


# --- TYPED (binding to compose-go's Go types, as docker compose config prints them) ---------


def _go_string(value: Any) -> str:
    if type(value) is str:  # most values: no import statement to run
        return value
    from dockyard.compose.merge import go_format

    return go_format(value)


def _key_value_mapping(empty: Any) -> Transform:
    """``KEY=VALUE`` lists and mappings → a mapping of strings; a bare ``KEY`` maps to ``empty``."""

    def transform(value: Any, path: tuple) -> Any:
        if isinstance(value, list):
            result: dict[str, Any] = {}
            for entry in value:
                key, sep, item = str(entry).partition("=")
                result[key] = item if sep else empty
            return result
        if isinstance(value, dict):
            return {str(k): (_go_string(v) if v is not None else empty) for k, v in value.items()}
        return value

    return transform


def _extra_hosts(value: Any, path: tuple) -> Any:
    if isinstance(value, dict):
        result = []
        for host, ips in value.items():
            for ip in ips if isinstance(ips, list) else [ips]:
                result.append(f"{host}={ip}")
        return result
    if isinstance(value, list):
        result = []
        for entry in value:
            text = str(entry)
            if "=" not in text:
                host, colon, ip = text.partition(":")
                if not colon:
                    raise _fail(path, f"invalid additional host, missing IP: {text}")
                text = f"{host}={ip}"
            result.append(text)
        return result
    return value


def _shell_command(value: Any, path: tuple) -> Any:
    if isinstance(value, str):
        import shlex

        try:
            return shlex.split(value)
        except ValueError as exc:
            raise _fail(path, f"cannot be parsed as a command: {exc}") from None
    if isinstance(value, list):
        return [_go_string(v) for v in value]
    return value


def _healthcheck_test(value: Any, path: tuple) -> Any:
    if isinstance(value, str):
        return ["CMD-SHELL", value]
    return value


# The same few texts ("30s", "512M") recur on every service: each is converted once per process.
@lru_cache(maxsize=256)
def _go_duration_text(text: str) -> str:
    return format_duration(parse_duration(text))


@lru_cache(maxsize=256)
def _bytes_text(text: str) -> str:
    return str(parse_size(text))


def _duration(value: Any, path: tuple) -> Any:
    if type(value) is str:
        try:
            return _go_duration_text(value)
        except ComposeError:
            pass  # converted again below, for an error that names the path
    return format_duration(parse_duration(value, path)) if value is not None else value


def _ipam(value: Any, path: tuple) -> Any:
    """compose-go's IPAM config has no ``options`` (the schema allows them; docker ignores them)."""
    if isinstance(value, dict) and "options" in value:
        value = {k: v for k, v in value.items() if k != "options"}
    return value


def _provider_options(value: Any, path: tuple) -> Any:
    """compose-go keeps provider options as lists of strings (an option may be repeated)."""
    if not isinstance(value, dict):
        return value
    return {k: [_go_string(i) for i in (v if isinstance(v, list) else [v])] for k, v in value.items()}


def _sorted_extra_hosts(value: Any, path: tuple) -> Any:
    """compose-go keeps extra hosts in a map and prints them as sorted ``host=ip`` strings."""
    hosts = _extra_hosts(value, path)
    return sorted(hosts) if isinstance(hosts, list) else hosts


def _size(value: Any, path: tuple) -> Any:
    if type(value) is str:
        try:
            return _bytes_text(value)
        except ComposeError:
            pass  # converted again below, for an error that names the path
    return str(parse_size(value, path)) if value is not None else value


def _cpus(value: Any, path: tuple) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise _fail(path, f"invalid cpus value {value!r}") from None
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _strings(value: Any, path: tuple) -> Any:
    if isinstance(value, list):
        return [_go_string(v) for v in value]
    if isinstance(value, (str, int, float)):
        return [_go_string(value)]
    return value


def _mode(value: Any, path: tuple) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return "0" + format(value, "o") if value else "0"
    if isinstance(value, str):
        try:
            return "0" + format(int(value, 8), "o")
        except ValueError:
            raise _fail(path, f"invalid file mode {value!r}") from None
    return value


def _ulimit_typed(value: Any, path: tuple) -> Any:
    return value


TYPED = compile_table(
    {
        "services.*.annotations": _key_value_mapping(""),
        "services.*.build.args": _key_value_mapping(None),
        "services.*.build.labels": _key_value_mapping(""),
        "services.*.build.extra_hosts": _sorted_extra_hosts,
        "services.*.build.shm_size": _size,
        "services.*.build.ssh": _ssh_typed,
        "services.*.gpus.[].count": _count,
        "services.*.deploy.resources.reservations.devices.[].count": _count,
        "services.*.command": _shell_command,
        "services.*.entrypoint": _shell_command,
        "services.*.post_start.[].command": _shell_command,
        "services.*.provider.options": _provider_options,
        "services.*.pre_stop.[].command": _shell_command,
        "services.*.environment": _key_value_mapping(None),
        "services.*.labels": _key_value_mapping(""),
        "services.*.sysctls": _key_value_mapping(""),
        "services.*.extra_hosts": _sorted_extra_hosts,
        "services.*.blkio_config.device_read_bps.[].rate": _size,
        "services.*.blkio_config.device_read_iops.[].rate": _size,
        "services.*.blkio_config.device_write_bps.[].rate": _size,
        "services.*.blkio_config.device_write_iops.[].rate": _size,
        "services.*.healthcheck.test": _healthcheck_test,
        "services.*.healthcheck.interval": _duration,
        "services.*.healthcheck.timeout": _duration,
        "services.*.healthcheck.start_period": _duration,
        "services.*.healthcheck.start_interval": _duration,
        "services.*.stop_grace_period": _duration,
        "services.*.deploy.labels": _key_value_mapping(""),
        "services.*.deploy.restart_policy.delay": _duration,
        "services.*.deploy.restart_policy.window": _duration,
        "services.*.deploy.update_config.delay": _duration,
        "services.*.deploy.update_config.monitor": _duration,
        "services.*.deploy.rollback_config.delay": _duration,
        "services.*.deploy.rollback_config.monitor": _duration,
        "services.*.deploy.resources.limits.memory": _size,
        "services.*.deploy.resources.reservations.memory": _size,
        "services.*.deploy.resources.limits.cpus": _cpus,
        "services.*.deploy.resources.reservations.cpus": _cpus,
        "services.*.cpus": _cpus,
        "services.*.mem_limit": _size,
        "services.*.mem_reservation": _size,
        "services.*.memswap_limit": _size,
        "services.*.mem_swappiness": _size,  # compose-go types it as bytes, so docker prints "10"
        "services.*.shm_size": _size,
        "services.*.volumes.[].tmpfs.size": _size,
        "services.*.dns": _strings,
        "services.*.dns_search": _strings,
        "services.*.dns_opt": _strings,
        "services.*.tmpfs": _strings,
        "services.*.expose": _strings,
        "services.*.group_add": _strings,
        "services.*.secrets.[].mode": _mode,
        "services.*.configs.[].mode": _mode,
        "services.*.ulimits.*": _ulimit_typed,
        "networks.*.labels": _key_value_mapping(""),
        "networks.*.ipam": _ipam,
        "volumes.*.labels": _key_value_mapping(""),
        "secrets.*.labels": _key_value_mapping(""),
        "configs.*.labels": _key_value_mapping(""),
    }
)


KEPT_WHEN_EMPTY = frozenset({"command", "entrypoint"})
# Booleans compose-go holds as pointers or without omitempty: ``false`` is printed.
KEPT_WHEN_FALSE = frozenset({"init", "attach", "enable_ipv6", "enable_ipv4", "required"})  # Go *bool fields
_USER_MAPS = frozenset({"labels", "environment", "annotations", "driver_opts", "options", "args", "sysctls"})


# Service keys that are Go maps (an empty one is omitted); other empty mappings are structs.
_MAP_KEYS = frozenset(
    {"environment", "labels", "annotations", "sysctls", "ulimits", "depends_on", "networks", "storage_opt",
     "blkio_config", "models"}
)


def _omit_false(node: Any) -> None:
    """Drop ``false`` members (Go ``omitempty``) in ``node`` and the containers below it."""
    if isinstance(node, dict):
        false_keys = None  # deleted after the loop; a list only when there is one
        for key, value in node.items():
            if value is False:
                if key not in KEPT_WHEN_FALSE and not str(key).startswith("x-"):
                    if false_keys is None:
                        false_keys = []
                    false_keys.append(key)
            # only containers can hold a false to drop: no call for the (many) scalars
            elif isinstance(value, (dict, list)) and key not in _USER_MAPS and not str(key).startswith("x-"):
                _omit_false(value)
        if false_keys is not None:
            for key in false_keys:
                del node[key]
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, (dict, list)):
                _omit_false(item)


_SERVICE_TYPED = TYPED["services"]["*"]
_RESOURCES_TYPED = {key: child for key, child in TYPED.items() if key != "services"}


def typed(tree: dict) -> dict:
    """Bring the tree to the value forms ``docker compose config`` prints.

    Go's ``omitempty``: ``false`` is dropped (except for pointer booleans such as ``init``), and
    so are empty lists and mappings on a service, except ``command`` and ``entrypoint`` where
    empty means "explicitly nothing".
    """
    tree = walk(tree, _RESOURCES_TYPED)
    services = tree.get("services")
    if isinstance(services, dict):
        for name, service in services.items():
            if isinstance(service, dict):
                _typed_service(service, ("services", name))
    for section in ("networks", "volumes", "secrets", "configs"):
        for resource in (tree.get(section) or {}).values():
            _omit_false(resource)
    return tree


def _typed_service(service: dict, path: tuple) -> None:
    """``TYPED`` and the omissions for one service, in one pass over its keys (the hot loop of
    ``typed``: a thousand services are a thousand of these)."""
    for key in list(service):
        value = service[key]
        child = _SERVICE_TYPED.get(key)
        if child is not None:
            value = service[key] = walk(value, child, (*path, key))
        if key.startswith("x-"):
            continue
        if value is False:
            if key not in KEPT_WHEN_FALSE:
                del service[key]
        elif isinstance(value, (dict, list)):
            if key not in _USER_MAPS:
                _omit_false(value)
            if key not in KEPT_WHEN_EMPTY and (value == [] or (value == {} and key in _MAP_KEYS)):
                del service[key]
