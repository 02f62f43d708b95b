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

import functools
import json
import re
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
    """Written in one pass: the writer makes values printable (``printable=True``) as it goes,
    where a printable copy of the whole tree (``_printable``) cost as much as writing it."""
    shaped = _json_shape(config_tree(tree))
    parts: list[str] = []
    try:
        _write_json(shaped, "\n", parts.append, True, True, {})
    except _NotPlainJSON:
        return indented_json(_printable(shaped))  # json.dumps decides
    return "".join(parts)


def indented_json(value: Any, *, sort_keys: bool = True) -> str:
    """``json.dumps(value, indent=2, sort_keys=sort_keys, ensure_ascii=False)``, byte for byte, about
    2.5x faster: with ``indent`` the stdlib falls back to its generic pure-Python encoder, this
    writer knows the few types a compose tree or a rendered object holds (anything else goes to
    ``json.dumps``). ``manifests.serialize`` writes ``render -o json`` with it too."""
    parts: list[str] = []
    try:
        _write_json(value, "\n", parts.append, False, sort_keys, {})
    except _NotPlainJSON:
        return json.dumps(value, indent=2, sort_keys=sort_keys, ensure_ascii=False)
    return "".join(parts)


class _NotPlainJSON(Exception):
    """A key or value type the fast writer leaves to ``json.dumps``."""


def _write_json(value: Any, newline: str, out, printable: bool, sort_keys: bool, names: dict[str, str]) -> None:
    """``printable``: write ``_printable(value)`` (``$`` doubled in strings, integral floats as ints);
    ``sort_keys``: keys in sorted order, else in the mapping's own order.
    A string or a scalar is written with its key in one piece: the loop runs once per value.
    ``names`` caches each key's text (``"key": ``): a compose tree repeats few keys many times."""
    kind = type(value)
    if kind is dict:
        if not value:
            out("{}")
            return
        inner = newline + "  "
        comma = "," + inner
        separator = "{" + inner
        for key in sorted(value) if sort_keys else value:
            name = names.get(key)
            if name is None:
                if type(key) is not str:
                    raise _NotPlainJSON
                name = names[key] = _json_string(key) + ": "
            item = value[key]
            kind = type(item)
            if kind is str:
                out(f"{separator}{name}{_json_string(item.replace('$', '$$') if printable and '$' in item else item)}")
            elif (kind is dict or kind is list) and item:
                out(separator + name)
                _write_json(item, inner, out, printable, sort_keys, names)
            else:
                out(f"{separator}{name}{_json_scalar(item, printable)}")
            separator = comma
        out(newline + "}")
    elif kind is list:
        if not value:
            out("[]")
            return
        inner = newline + "  "
        comma = "," + inner
        separator = "[" + inner
        for item in value:
            kind = type(item)
            if kind is str:
                out(separator + _json_string(item.replace("$", "$$") if printable and "$" in item else item))
            elif (kind is dict or kind is list) and item:
                out(separator)
                _write_json(item, inner, out, printable, sort_keys, names)
            else:
                out(separator + _json_scalar(item, printable))
            separator = comma
        out(newline + "]")
    else:
        out(_json_scalar(value, printable))


def _json_scalar(value: Any, printable: bool) -> str:
    """A scalar or an empty container."""
    kind = type(value)
    if kind is str:
        return _json_string(value.replace("$", "$$") if printable and "$" in value else value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        if printable and value.is_integer():
            return int.__repr__(int(value))
        if value != value:
            return "NaN"
        if value in (_INFINITY, -_INFINITY):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    if kind is dict and not value:
        return "{}"
    if kind is list and not value:
        return "[]"
    raise _NotPlainJSON


_json_string = json.encoder.encode_basestring  # ensure_ascii=False's string encoder (C)
_INFINITY = float("inf")


def _json_shape(tree: dict) -> dict:
    """Go's struct encoding rules (module docstring) applied to a copy of ``tree`` that copies only
    the containers they change (every service; the rest is shared, and must not change)."""
    tree = dict(tree)
    if tree.get("services"):
        tree["services"] = {name: _json_service(service) for name, service in tree["services"].items()}
    for section in ("networks", "volumes", "secrets", "configs"):
        if tree.get(section):
            tree[section] = {
                name: _without_extensions(resource) if isinstance(resource, dict) else resource
                for name, resource in tree[section].items()
            }
    for name, network in (tree.get("networks") or {}).items():
        if isinstance(network, dict) and "ipam" not in network:
            tree["networks"][name] = {**network, "ipam": {}}
    return tree


def _json_service(service: dict) -> dict:
    service = _without_extensions(service)
    service.setdefault("command", None)
    service.setdefault("entrypoint", None)
    if service.get("ports"):
        service["ports"] = [_without_extensions(port) if isinstance(port, dict) else port for port in service["ports"]]
    develop = service.get("develop")
    if develop and develop.get("watch"):
        watch = [{**w, "exec": {"command": None}} if isinstance(w, dict) and "exec" not in w else w
                 for w in develop["watch"]]
        service["develop"] = {**develop, "watch": watch}
    deploy = service.get("deploy")
    if isinstance(deploy, dict) and ("resources" not in deploy or "placement" not in deploy):
        service["deploy"] = {"resources": {}, "placement": {}, **deploy}
    return service


def _without_extensions(mapping: dict) -> dict:
    """A copy without the ``x-`` keys."""
    return {key: value for key, value in mapping.items() if not key.startswith("x-")}


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


def _order_trie() -> dict:
    """``_ORDERS`` as a trie of path segments; a node's ``None`` entry is (table row, key -> rank)."""
    root: dict = {}
    for row, (pattern, order) in enumerate(_ORDERS.items()):
        node = root
        for part in pattern.split("."):
            node = node.setdefault(part, {})
        node.setdefault(None, (row, {key: rank for rank, key in enumerate(order)}))
    return root


class _OrderState:
    """The ``_ORDERS`` rows a path can still match (trie nodes): the key order of the mapping at
    that path (the first matching row's, as a scan of the table finds it) and, cached, the state of
    each child key. States are shared by node set, so every service uses the same ones."""

    __slots__ = ("nodes", "rank", "children", "orders")
    interned: dict[tuple[int, ...], _OrderState] = {}

    def __init__(self, nodes: tuple[dict, ...]) -> None:
        self.nodes = nodes
        rows = [node[None] for node in nodes if None in node]
        self.rank: dict[str, int] | None = min(rows, key=lambda row: row[0])[1] if rows else None
        self.children: dict[str, _OrderState] = {}
        self.orders: dict[tuple, list] = {}  # keys in insertion order -> keys in print order

    def ordered(self, mapping: dict) -> list:
        """The keys of ``mapping`` in print order. Where a row gives the order, the mappings at one
        path (every service, every port) mostly have the same keys: their order is sorted once."""
        rank = self.rank
        if rank is None:
            return sorted(mapping)
        keys = tuple(mapping)
        order = self.orders.get(keys)
        if order is None:
            if len(self.orders) >= 4096:  # states live as long as the process: a bound for long-lived ones
                self.orders.clear()
            order = self.orders[keys] = (sorted((k for k in keys if k in rank), key=rank.__getitem__)
                                         + sorted(k for k in keys if k not in rank))
        return order

    @classmethod
    def of(cls, nodes: tuple[dict, ...]) -> _OrderState:
        key = tuple(map(id, nodes))
        state = cls.interned.get(key)
        if state is None:
            state = cls.interned[key] = cls(nodes)
        return state

    def child(self, key: str) -> _OrderState:
        state = self.children.get(key)
        if state is None:
            if len(self.children) >= 4096:  # keys under ``*`` are the user's (service names): bounded as ``orders``
                self.children.clear()
            nodes = tuple(c for node in self.nodes for c in (node.get(key), node.get("*")) if c is not None)
            state = self.children[key] = _OrderState.of(nodes)
        return state


_ROOT_ORDER = _OrderState.of((_order_trie(),))


def _shaped(value: Any, state: _OrderState) -> Any:
    """``_printable(value)`` with its mappings' keys in docker compose's order."""
    if isinstance(value, list):
        inner = state.child("[]")
        return [_shaped(v, inner) for v in value]
    if not isinstance(value, dict):
        return _printable(value)
    child = state.child
    return {k: _shaped(value[k], child(k)) for k in state.ordered(value)}


def _yaml_shape(tree: dict) -> dict:
    """A printable copy (``_printable``) in the key order of docker compose's YAML; the top level
    keeps compose's section order."""
    return {k: _shaped(v, _ROOT_ORDER.child(k)) if k in TOP_LEVEL_ORDER else _printable(v) for k, v in tree.items()}


# Plain scalars YAML 1.1 reads as booleans: go-yaml quotes them, PyYAML does not know y/n.
_YAML11_BOOLS = frozenset(
    "y Y yes Yes YES n N no No NO on On ON off Off OFF true True TRUE false False FALSE".split()
)


def to_yaml(tree: dict) -> str:
    tree = config_tree(tree)
    try:
        return _ConfigYAMLWriter().document(tree)
    except _NotPlainYAML:
        return _dump_yaml(_yaml_shape(tree), sort_keys=False)


def _dump_yaml(document: dict, *, sort_keys: bool) -> str:
    """PyYAML's output with compose's settings (``_pyyaml_dump``), written by ``_YAMLWriter``
    when the tree allows it: PyYAML's emitter is pure Python and took most of ``config``'s time."""
    try:
        return _YAMLWriter(sort_keys).document(document)
    except _NotPlainYAML:
        return _pyyaml_dump(document, sort_keys=sort_keys)


def _pyyaml_dump(document: Any, *, sort_keys: bool) -> str:
    import yaml

    return yaml.dump(
        document,
        Dumper=_pyyaml_dumper(),
        sort_keys=sort_keys,
        default_flow_style=False,
        allow_unicode=True,
        indent=2,
        width=1 << 16,
    )


@functools.cache
def _pyyaml_dumper() -> type:
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
    return Dumper


class _NotPlainYAML(Exception):
    """Something only PyYAML writes right (a non-string key, a shared container, an odd key)."""


# Strings that PyYAML surely writes plain in block context unless they read back as another type:
# no indicator first, ':' and ' ' only between two other characters (no ': ', ' #', trailing ':' or
# space), ASCII only. The same strings that read back as another type are written "...".
_SURELY_PLAIN = re.compile(r"[A-Za-z0-9_./$(][\w./$@=+,%~|!&*>'\"?()<;^\[\]{}-]*(?:[: ][\w./$@=+,%~|!&*>'\"?()<;^\[\]{}-]+)*",
                           re.ASCII)
_PLAIN_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")


class _YAMLWriter:
    """Block-style YAML exactly as ``_pyyaml_dump`` writes it; a scalar that is not surely plain is
    written by PyYAML itself (one small dump, cached), so quoting and block scalars stay PyYAML's."""

    def __init__(self, sort_keys: bool) -> None:
        self.sort_keys = sort_keys
        self.parts: list[str] = []
        self.seen: set[int] = set()  # PyYAML writes anchors for a container met twice
        self.scalars: dict[str, str] = {}

    def document(self, document: dict) -> str:
        if type(document) is not dict:
            raise _NotPlainYAML
        if not document:
            return "{}\n"
        self.mapping(document, 0, "")
        return "".join(self.parts)

    def mapping(self, mapping: dict, indent: int, first_prefix: str) -> None:
        self.remember(mapping)
        out = self.parts.append
        prefix = first_prefix
        pad = " " * indent
        items = sorted(mapping.items()) if self.sort_keys else mapping.items()
        for key, value in items:
            out(prefix + self.key(key) + ":")
            prefix = pad
            self.value(value, indent + 2)

    def sequence(self, sequence: list, indent: int, first_prefix: str) -> None:
        self.remember(sequence)
        out = self.parts.append
        prefix = first_prefix
        pad = " " * indent
        for item in sequence:
            kind = type(item)
            if kind is dict and item:
                self.mapping(item, indent + 2, prefix + "- ")
            elif kind is list and item:
                self.sequence(item, indent + 2, prefix + "- ")
            else:
                out(prefix + "- " + self.flat(item, indent + 2) + "\n")
            prefix = pad

    def value(self, value: Any, indent: int) -> None:
        kind = type(value)
        if kind is dict and value:
            self.parts.append("\n")
            self.mapping(value, indent, " " * indent)
        elif kind is list and value:
            self.parts.append("\n")
            self.sequence(value, indent, " " * indent)
        else:
            self.parts.append(" " + self.flat(value, indent) + "\n")

    def flat(self, value: Any, indent: int) -> str:
        """A scalar or an empty container, its block-scalar lines (if any) indented by ``indent``."""
        kind = type(value)
        if kind is str:
            text = self.scalars.get(value)
            if text is None:
                text = self.scalars[value] = self.string(value)
            return text.replace("\n  ", "\n" + " " * indent) if "\n" in text else text
        if value is None:
            return "null"
        if kind is bool:
            return "true" if value else "false"
        if kind is int:
            return int.__repr__(value)
        if kind is float:
            text = float.__repr__(value)  # SafeRepresenter.represent_float, for the usual floats
            return text if _PLAIN_FLOAT.fullmatch(text) else self.by_pyyaml(value)
        if kind is dict or kind is list:
            if value:
                raise _NotPlainYAML
            self.remember(value)
            return "{}" if kind is dict else "[]"
        return self.by_pyyaml(value)

    def string(self, value: str) -> str:
        if _SURELY_PLAIN.fullmatch(value):
            if value not in _YAML11_BOOLS and _resolves_to_string(value):
                return value
            return '"' + value + '"'
        return self.by_pyyaml(value)

    def by_pyyaml(self, value: Any) -> str:
        """How PyYAML writes ``value`` as a block mapping's value (block scalar lines indented by 2)."""
        text = _pyyaml_dump({"k": value}, sort_keys=False)
        if not text.startswith("k: ") or "&" in text[:4] or text.endswith("\n...\n"):
            raise _NotPlainYAML  # "...": a keep-chomped block scalar ends the document only when last
        return text[3:-1]

    def key(self, key: Any) -> str:
        if type(key) is not str or len(key) > 120 or not _SURELY_PLAIN.fullmatch(key):
            raise _NotPlainYAML
        text = self.scalars.get(key)
        if text is None:
            text = self.scalars[key] = self.string(key)
        return text

    def remember(self, container: Any) -> None:
        if id(container) in self.seen:
            raise _NotPlainYAML
        self.seen.add(id(container))


class _ConfigYAMLWriter:
    """``_YAMLWriter(sort_keys=False).document(_yaml_shape(tree))`` in one pass over the loaded tree:
    keys are taken in compose's order and values made printable (``$$``, integral floats) while
    writing, so no reordered copy is built. Anything the two-pass path might write otherwise (a
    value of another type, a key or scalar PyYAML must write) raises ``_NotPlainYAML`` and the
    two-pass path prints the tree. The copy holds no shared container, so neither does this check.

    The loop over a mapping's items writes most of the output: it handles scalars inline, with the
    text of each key and single-line string cached (``keys``, ``strings``)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.keys: dict[Any, str] = {}  # key -> its text
        self.strings: dict[str, str] = {}  # string value -> its text, single-line texts only
        self.blocks: dict[str, str] = {}  # string value -> its text, multi-line (block scalar) texts
        self.helper = _YAMLWriter(sort_keys=False)  # the two-pass writer's rules for rarer values

    def document(self, tree: dict) -> str:
        if not tree:
            return "{}\n"
        self.mapping(tree, _TopLevelOrder, 0, "")
        return "".join(self.parts)

    def mapping(self, mapping: dict, state: _OrderState | None, indent: int, first_prefix: str) -> None:
        out = self.parts.append
        keys = self.keys
        strings = self.strings
        prefix = first_prefix
        pad = " " * indent
        nested = indent + 2
        if state is None:
            order = mapping
        elif state.rank is None:
            order = sorted(mapping)
        else:  # the cached order, looked up inline (one call per mapping saved)
            order = state.orders.get(tuple(mapping)) or state.ordered(mapping)
        for key in order:
            value = mapping[key]
            head = keys.get(key)
            if head is None:
                head = self.key(key)
            kind = type(value)
            if kind is str:
                text = strings.get(value)
                out(f"{prefix}{head} {text if text is not None else self.flat(value, nested)}\n")
            elif kind is dict and value:
                out(f"{prefix}{head}\n")
                self.mapping(value, state and (state.children.get(key) or state.child(key)), nested, " " * nested)
            elif kind is list and value:
                out(f"{prefix}{head}\n")
                self.sequence(value, state and (state.children.get(key) or state.child(key)), nested, " " * nested)
            else:
                out(f"{prefix}{head} {self.flat(value, nested)}\n")
            prefix = pad

    def sequence(self, sequence: list, state: _OrderState | None, indent: int, first_prefix: str) -> None:
        out = self.parts.append
        strings = self.strings
        item_state = state and state.child("[]")
        prefix = first_prefix
        pad = " " * indent
        nested = indent + 2
        for item in sequence:
            kind = type(item)
            if kind is str:
                text = strings.get(item)
                out(f"{prefix}- {text if text is not None else self.flat(item, nested)}\n")
            elif kind is dict and item:
                self.mapping(item, item_state, nested, prefix + "- ")
            elif kind is list and item:
                self.sequence(item, item_state, nested, prefix + "- ")
            else:
                out(f"{prefix}- {self.flat(item, nested)}\n")
            prefix = pad

    def flat(self, value: Any, indent: int) -> str:
        """``_YAMLWriter.flat(_printable(value), indent)`` for the types a loaded tree holds."""
        kind = type(value)
        if kind is int:
            return int.__repr__(value)
        if value is None:
            return "null"
        if kind is str:
            text = self.blocks.get(value)
            if text is None:
                text = self.helper.string(value.replace("$", "$$") if "$" in value else value)
                if "\n" not in text:
                    self.strings[value] = text
                    return text
                self.blocks[value] = text
            return text.replace("\n  ", "\n" + " " * indent)
        if kind is float and value.is_integer():
            return int.__repr__(int(value))
        if kind is dict or kind is list:
            if value:
                raise _NotPlainYAML
            return "{}" if kind is dict else "[]"
        if kind is bool or kind is float:
            return self.helper.flat(value, indent)
        raise _NotPlainYAML  # another type: _printable and _YAMLWriter decide

    def key(self, key: Any) -> str:
        """The key's text followed by ``:`` (keys are not escaped: ``_printable`` keeps them)."""
        text = self.keys.get(key)
        if text is None:
            text = self.keys[key] = self.helper.key(key) + ":"
        return text


class _TopLevelOrder:
    """The top level keeps ``config_tree``'s order; below it only compose's sections are reordered
    (``None``: an ``x-`` section keeps its own order at every depth, as ``_printable`` copies it)."""

    rank: dict = {}  # not None: ``ordered`` decides
    orders: dict = {}  # never filled
    children: dict = {}  # never filled: ``child`` decides

    @staticmethod
    def ordered(mapping: dict) -> list:
        return list(mapping)

    @staticmethod
    def child(key: Any) -> _OrderState | None:
        return _ROOT_ORDER.child(key) if key in TOP_LEVEL_ORDER else None


@functools.cache
def _implicit_resolvers() -> dict:
    from yaml.resolver import Resolver

    return Resolver.yaml_implicit_resolvers


def _resolves_to_string(value: str) -> bool:
    """PyYAML's Resolver.resolve for a plain scalar: would it read back as a string?"""
    resolvers = _implicit_resolvers()
    for tag, regexp in resolvers.get(value[0], []) + resolvers.get(None, []):
        if regexp.match(value):
            return tag == "tag:yaml.org,2002:str"
    return True


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
