"""Semantic checks of the canonical, merged Compose tree: what the schema cannot say.

Two families, both from compose-go and worded like it:

- ``CHECKS``: per-object rules keyed by path pattern (compose-go ``validation/validation.go``):
  a config needs exactly one of file|environment|content, ``external`` excludes other keys,
  ``host_ip`` must be an IP, ``count`` excludes ``device_ids``, a watch path is not blank.
- ``SERVICE_RULES`` and the cross-reference checks (compose-go ``loader/validate.go``,
  ``checkConsistency``): a service naming an unknown service (``depends_on``, ``links``,
  ``volumes_from``, ``network_mode: service:x``), an undefined volume/network/config/secret,
  dependency cycles, duplicate or scaled ``container_name``, conflicting duplicate settings.

compose-go stops at the first error; ``check`` returns them all, each located (file,
line/column from ``positions``, dotted path). compose-go prints list items as ``[]``
(``services.web.ports.[]``); dockyard prints the index (``services.web.ports.0``). compose-go's
``: invalid compose project`` suffix (its error category) is left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from dockyard.compose.location import Location, placed
from dockyard.compose.tree import ANY_INDEX, ANY_KEY, SEP, dotted, linked
from dockyard.errors import ValidationError

TreePath = tuple[str | int, ...]
Dependencies = dict[str, tuple[TreePath, bool]]
ObjectCheck = Callable[[Any, str], str | None]
"""``(value, dotted path) -> message or None``; the message starts with the path, as in compose-go."""


def check(
    data: Mapping[str, Any],
    *,
    file: str,
    positions: Mapping[tuple, Location],
    disabled: Collection[str] = (),
) -> list[ValidationError]:
    """Every semantic problem of a canonical merged tree, in document order (``[]`` if none).

    ``disabled`` names services switched off by profiles: depending on one with
    ``required: false`` is allowed, as in compose-go.
    """
    found = list(_object_problems(data))
    found += _consistency_problems(data, set(disabled))
    return [_located(message, path, file, positions) for path, message in found]


# --- per-object checks (compose-go validation package) ----------------------------------


def _exclusive_sources(*keys: str) -> ObjectCheck:
    def check_sources(value: Any, path: str) -> str | None:
        if not _is_mapping(value):
            return None
        present = sum(1 for k in keys if k in value)
        if present > 1:
            return f"{path}: {'|'.join(keys)} attributes are mutually exclusive"
        if present == 0 and "driver" not in value and "external" not in value:
            return f"{path}: one of {'|'.join(keys)} must be set"
        return None

    return check_sources


def _external_alone(value: Any, path: str) -> str | None:
    if not _is_mapping(value) or value.get("external") is not True:
        return None
    for key in value:
        if key not in ("name", "external") and not str(key).startswith("x-"):
            return f'{path}: conflicting parameters "external" and "{key}" specified'
    return None


def _host_ip(value: Any, path: str) -> str | None:
    if _is_mapping(value) and "host_ip" in value and not is_ip(value["host_ip"]):
        return f"{path}: invalid ip address: {value['host_ip']}"
    return None


def _count_or_ids(value: Any, path: str) -> str | None:
    if _is_mapping(value) and "count" in value and "device_ids" in value:
        return f'{path}: "count" and "device_ids" attributes are exclusive'
    return None


def _not_blank(value: Any, path: str) -> str | None:
    return f"{path}: value can't be blank" if value == "" else None


CHECKS: dict[str, ObjectCheck] = {
    "volumes.*": _external_alone,
    "configs.*": _exclusive_sources("file", "environment", "content"),
    "secrets.*": _exclusive_sources("file", "environment"),
    "services.*.ports.*": _host_ip,
    "services.*.develop.watch.*.path": _not_blank,
    "services.*.deploy.resources.reservations.devices.*": _count_or_ids,
    "services.*.gpus.*": _count_or_ids,
}


def is_ip(text: Any) -> bool:
    """Go's ``net.ParseIP``: IPv4 or IPv6 (incl. IPv4-mapped), no zone, no brackets."""
    if not isinstance(text, str) or "%" in text:
        return False
    if _IPV4.match(text):  # the usual dotted quad, without ipaddress's octet-by-octet parse
        return True
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}\Z")


def _object_problems(data: Any) -> Iterator[tuple[TreePath, str]]:
    """``CHECKS`` in table order, each over its matches in document order.

    One walk serves every pattern (a trie of them), and a match's path is spelled out only when
    its check fails: the checks are pure, so a failing one is asked again with its dotted path.
    """
    matches: list[list[tuple[tuple | None, Any]]] = [[] for _ in CHECKS]
    _visit(data, _checks_trie(), None, matches)
    for rule, found in zip(CHECKS.values(), matches):
        for link, value in found:
            if rule(value, ""):
                path = linked(link)
                yield path, rule(value, dotted(path))


def _checks_trie() -> dict:
    global _CHECKS_TRIE
    if _CHECKS_TRIE is None:
        trie: dict = {}
        for index, pattern in enumerate(CHECKS):
            node = trie
            for part in pattern.split(SEP):
                node = node.setdefault(part, {})
            node.setdefault(None, []).append(index)
        _CHECKS_TRIE = trie
    return _CHECKS_TRIE


_CHECKS_TRIE: dict | None = None


def _visit(value: Any, node: dict, link: tuple | None, matches: list[list]) -> None:
    """Collect, per check, the values its pattern names (``*`` matches a key or an index)."""
    for part, child in node.items():
        if part is None:
            for index in child:
                matches[index].append((link, value))
        elif _is_mapping(value):
            if part == ANY_KEY:
                for key, item in value.items():
                    _visit(item, child, (link, key), matches)
            elif part in value:
                _visit(value[part], child, (link, part), matches)
        elif isinstance(value, list) and part in (ANY_KEY, ANY_INDEX):
            for index, item in enumerate(value):
                _visit(item, child, (link, index), matches)


def _is_mapping(value: Any) -> bool:
    # the tree's own types answered before the (slow) Mapping ABC check
    return isinstance(value, dict) or (type(value) not in _PLAIN and isinstance(value, Mapping))


_PLAIN = frozenset({list, str, int, float, bool, type(None)})


# --- consistency checks (compose-go loader checkConsistency) ----------------------------


def _consistency_problems(data: Mapping[str, Any], disabled: set[str]) -> list[tuple[TreePath, str]]:
    services = _mapping(data.get("services"))
    problems: list[tuple[TreePath, str]] = []
    graph: dict[str, list[str]] = {}  # what each service depends on, for the cycle check
    for name, service in services.items():
        deps = dependencies(str(name), _mapping(service))  # once, shared by a rule and the cycle check
        graph[str(name)] = [d for d in deps if d in services]
        if not _is_mapping(service):
            continue
        for rule in SERVICE_RULES:
            problems += rule(str(name), service, data, disabled, deps)
    problems += _container_name_clashes(services)
    problems += _secrets_without_source(data)
    problems += _cycles(graph)
    return problems


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if _is_mapping(value) else {}


def _image_or_build(name: str, svc: Mapping[str, Any], data: Any, disabled: set[str], deps: Dependencies) -> list:
    if svc.get("image") or "build" in svc or "provider" in svc:
        return []
    return [(("services", name), f'service "{name}" has neither an image nor a build context specified')]


def _build_rules(name: str, svc: Mapping[str, Any], data: Any, disabled: set[str], deps: Dependencies) -> list:
    build = svc.get("build")
    if not _is_mapping(build):
        return []
    here: TreePath = ("services", name, "build")
    problems = []
    if build.get("dockerfile") and build.get("dockerfile_inline"):
        problems.append((here, f'service "{name}" declares mutualy exclusive dockerfile and dockerfile_inline'))
    platforms = build.get("platforms") or []
    if platforms and svc.get("platform") and svc["platform"] not in platforms:
        problems.append(
            ((*here, "platforms"), f'service.build.platforms MUST include service.platform "{svc["platform"]}"')
        )
    secrets = _mapping(data.get("secrets"))
    for index, source in _sources(build.get("secrets")):
        if source not in secrets:
            problems.append(
                ((*here, "secrets", index), f'service "{name}" refers to undefined build secret {source}')
            )
    return problems


def _network_rules(name: str, svc: Mapping[str, Any], data: Any, disabled: set[str], deps: Dependencies) -> list:
    networks = svc.get("networks") or {}
    names = list(networks) if isinstance(networks, (dict, list, Mapping)) else []
    if svc.get("network_mode") and names:
        return [
            (
                ("services", name, "network_mode"),
                f"service {name} declares mutually exclusive `network_mode` and `networks`",
            )
        ]
    declared = _mapping(data.get("networks"))
    return [
        (("services", name, "networks", net), f'service "{name}" refers to undefined network {net}')
        for net in names
        if net not in declared and net != "default"
    ]


def _healthcheck_rule(name: str, svc: Mapping[str, Any], data: Any, disabled: set[str], deps: Dependencies) -> list:
    test = _mapping(svc.get("healthcheck")).get("test")
    if isinstance(test, list) and test and test[0] not in ("CMD", "CMD-SHELL", "NONE"):
        return [
            (
                ("services", name, "healthcheck", "test"),
                'healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"',
            )
        ]
    return []


def _dependency_rule(name: str, svc: Mapping[str, Any], data: Any, disabled: set[str], deps: Dependencies) -> list:
    services = _mapping(data.get("services"))
    problems = []
    for dep, (path, required) in deps.items():
        if dep in services:
            continue
        if dep in disabled and not required:
            continue
        problems.append((path, f'service "{name}" depends on undefined service "{dep}"'))
    return problems


def _reference_rules(name: str, svc: Mapping[str, Any], data: Any, disabled: set[str], deps: Dependencies) -> list:
    problems = []
    volumes = _mapping(data.get("volumes"))
    for index, mount in enumerate(svc.get("volumes") or []):
        if _is_mapping(mount) and mount.get("type") == "volume" and mount.get("source"):
            if mount["source"] not in volumes:
                problems.append(
                    (
                        ("services", name, "volumes", index),
                        f'service "{name}" refers to undefined volume {mount["source"]}',
                    )
                )
    for kind in ("configs", "secrets"):
        declared = _mapping(data.get(kind))
        for index, source in _sources(svc.get(kind)):
            if source not in declared:
                problems.append(
                    (("services", name, kind, index), f'service "{name}" refers to undefined {kind[:-1]} {source}')
                )
    return problems


def _duplicate_settings(name: str, svc: Mapping[str, Any], data: Any, disabled: set[str], deps: Dependencies) -> list:
    deploy = _mapping(svc.get("deploy"))
    if not deploy:
        return []
    resources = _mapping(deploy.get("resources"))
    problems = []
    if svc.get("scale") is not None and deploy.get("replicas") is not None:
        if _number(svc["scale"]) != _number(deploy["replicas"]):
            problems.append(("scale", "deploy.replicas"))
    for key, section, limit, parse in _DUPLICATED_LIMITS:
        # as compose-go: once the section exists, a missing limit counts as 0 and so differs
        if svc.get(key) and _is_mapping(resources.get(section)):
            if parse(svc[key]) != parse(resources[section].get(limit, 0)):
                problems.append((key, f"deploy.resources.{section}.{limit}"))
    return [
        (("services", name, first), f"services.{name}: can't set distinct values on '{first}' and '{second}'")
        for first, second in problems
    ]


def _watch_rule(name: str, svc: Mapping[str, Any], data: Any, disabled: set[str], deps: Dependencies) -> list:
    watch = _mapping(svc.get("develop")).get("watch") or []
    for index, item in enumerate(watch if isinstance(watch, list) else []):
        if _is_mapping(item) and item.get("action") != "rebuild" and not item.get("target"):
            return [
                (
                    ("services", name, "develop", "watch", index),
                    f"services.{name}.develop.watch: target is required for non-rebuild actions",
                )
            ]
    return []


SERVICE_RULES: tuple[Callable[[str, Mapping[str, Any], Any, set[str], Dependencies], list], ...] = (
    _image_or_build,
    _build_rules,
    _network_rules,
    _healthcheck_rule,
    _dependency_rule,
    _reference_rules,
    _duplicate_settings,
    _watch_rule,
)


def _sources(items: Any) -> Iterator[tuple[int, str]]:
    """``(index, source)`` for each short (``"name"``) or long (``{source: name}``) reference."""
    for index, item in enumerate(items if isinstance(items, list) else []):
        source = item.get("source") if _is_mapping(item) else item
        if isinstance(source, str):
            yield index, source


def dependencies(name: str, svc: Mapping[str, Any]) -> dict[str, tuple[TreePath, bool]]:
    """Services this one needs, with where each is named and whether it is required.

    As compose-go's normaliser does, ``links``, ``volumes_from`` and ``network_mode:
    service:x`` count as (required) dependencies besides ``depends_on``.
    """
    here: TreePath = ("services", name)
    found: dict[str, tuple[TreePath, bool]] = {}
    depends_on = svc.get("depends_on") or {}
    if _is_mapping(depends_on):
        for dep, spec in depends_on.items():
            found[str(dep)] = ((*here, "depends_on", dep), _mapping(spec).get("required", True) is not False)
    elif isinstance(depends_on, list):
        for index, dep in enumerate(depends_on):
            found[str(dep)] = ((*here, "depends_on", index), True)
    for index, link in enumerate(_strings(svc.get("links"))):
        found.setdefault(link.split(":", 1)[0], ((*here, "links", index), True))
    for index, source in enumerate(_strings(svc.get("volumes_from"))):
        if not source.startswith("container:"):
            found.setdefault(source.split(":", 1)[0], ((*here, "volumes_from", index), True))
    mode = svc.get("network_mode")
    if isinstance(mode, str) and mode.startswith("service:"):
        found.setdefault(mode[len("service:") :], ((*here, "network_mode"), True))
    return found


def _strings(items: Any) -> list[str]:
    return [i for i in items if isinstance(i, str)] if isinstance(items, list) else []


def _container_name_clashes(services: Mapping[str, Any]) -> list[tuple[TreePath, str]]:
    owners: dict[str, str] = {}
    problems = []
    for name, svc in services.items():
        container = _mapping(svc).get("container_name")
        if not container:
            continue
        here: TreePath = ("services", name, "container_name")
        if container in owners:
            problems.append((here, f'services.{name}: container name "{container}" is already in use by service {owners[container]}'))
        owners.setdefault(container, str(name))
        scaled_by = _scaled_by(_mapping(svc))
        if scaled_by:
            problems.append(
                (here, f"services.{name}: can't set container_name and {scaled_by} as container name must be unique")
            )
    return problems


def _scaled_by(svc: Mapping[str, Any]) -> str | None:
    if svc.get("scale") is not None:
        return "scale" if _number(svc["scale"]) > 1 else None
    replicas = _mapping(svc.get("deploy")).get("replicas")
    return "deploy.replicas" if replicas is not None and _number(replicas) > 1 else None


def _secrets_without_source(data: Mapping[str, Any]) -> list[tuple[TreePath, str]]:
    problems = []
    for name, secret in _mapping(data.get("secrets")).items():
        secret = _mapping(secret)
        if secret.get("external") or "driver" not in secret:  # without a driver, CHECKS already said so
            continue
        if not secret.get("file") and not secret.get("environment"):
            problems.append((("secrets", name), f'secret "{name}" must declare either `file` or `environment`'))
    return problems


def _cycles(graph: Mapping[str, list[str]]) -> list[tuple[TreePath, str]]:
    """Each dependency cycle once, named from where the walk (services in document order) meets it.

    ``graph``: each service's dependencies among the defined services. Iterative depth-first
    search: a chain of thousands of services must not hit Python's recursion limit.
    """
    done: set[str] = set()
    problems: list[tuple[TreePath, str]] = []
    for root in graph:
        if root in done:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(graph[root]))]
        on_path, on_path_set = [root], {root}
        while stack:
            node, pending = stack[-1]
            dep = next(pending, None)
            if dep is None:
                stack.pop()
                on_path_set.discard(on_path.pop())
                done.add(node)
            elif dep in on_path_set:
                cycle = on_path[on_path.index(dep) :] + [dep]
                problems.append((("services", dep), f"dependency cycle detected: {' -> '.join(cycle)}"))
            elif dep not in done:
                stack.append((dep, iter(graph[dep])))
                on_path.append(dep)
                on_path_set.add(dep)
    return problems


# --- values ------------------------------------------------------------------------------

_UNITS = {"": 1, "b": 1} | {u + s: 1 << (10 * (i + 1)) for i, u in enumerate("kmgtp") for s in ("", "b")}
_SIZE = re.compile(r"^\s*([0-9.]+)\s*([a-zA-Z]*)\s*$")


def _bytes(value: Any) -> Any:
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match and match.group(2).lower() in _UNITS:
            return float(match.group(1)) * _UNITS[match.group(2).lower()]
    return _number(value)


def _number(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


_DUPLICATED_LIMITS: tuple[tuple[str, str, str, Callable[[Any], Any]], ...] = (
    ("cpus", "limits", "cpus", _number),
    ("mem_limit", "limits", "memory", _bytes),
    ("mem_reservation", "reservations", "memory", _bytes),
    ("pids_limit", "limits", "pids", _number),
)


def _located(message: str, path: TreePath, file: str, positions: Mapping[tuple, Location]) -> ValidationError:
    return ValidationError(message, path=dotted(path), **placed(positions, path, file))
