"""Merging compose files in ``-f`` order, exactly like compose-go's ``override`` package.

Three pieces, each a table keyed by path patterns (``dockyard.compose.tree.Path``):

* ``MERGE_RULES``: how a value in a later file combines with the earlier one (default: mappings
  merge key by key, sequences append, scalars are replaced);
* ``UNICITY_RULES``: the key that makes two sequence entries "the same" (a port, a mount
  target, an env variable ...), so a redefinition replaces the earlier entry in place;
* ``apply_resets``: the ``!reset`` / ``!override`` tags of a file remove the earlier value before
  the merge, so the later file's value (or nothing) wins.

All functions work on the untyped tree and may reuse (mutate) the base mapping they are given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from dockyard.compose.tree import Path, dotted, linked
from dockyard.errors import ComposeError

Merger = Callable[[Any, Any, Path], Any]
Indexer = Callable[[Any, Path], str]


class MergeError(ComposeError):
    """Two files give a key values of shapes that cannot be merged."""


def merge(base: dict, override: dict) -> dict:
    """``override.Merge``: combine ``override`` (a later file) into ``base``."""
    return _merge(base, override, Path(""))


def _merge(base: Any, override: Any, path: Path) -> Any:
    rule = _rule_for(path, MERGE_RULES, _merge_rule_cache)
    if rule is not None:
        return rule(base, override, path)
    if override is None:
        return base
    if isinstance(base, dict):
        if not isinstance(override, dict):
            raise MergeError(f"cannot override {path}", path=str(path))
        return _merge_mappings(base, override, path)
    if isinstance(base, list):
        if not isinstance(override, list):
            raise MergeError(f"cannot override {path}", path=str(path))
        return base + override
    return override


def _merge_mappings(base: dict, override: dict, path: Path) -> dict:
    for key, value in override.items():
        if key not in base:
            base[key] = value
        else:
            base[key] = _merge(base[key], value, path.next(key))
    return base


def _merge_logging(base: Any, override: Any, path: Path) -> Any:
    if not isinstance(base, dict) or not isinstance(override, dict):
        return override
    if "driver" not in override or "driver" not in base or override["driver"] == base["driver"]:
        return _merge_mappings(base, override, path)
    return override


def _merge_build(base: Any, override: Any, path: Path) -> Any:
    def as_mapping(value: Any) -> dict | None:
        if isinstance(value, str):
            return {"context": value}
        return value if isinstance(value, dict) else None

    left, right = as_mapping(base), as_mapping(override)
    if left is None or right is None:
        return right if right is not None else left
    return _merge_mappings(left, right, path)


_DEPENDENCY_DEFAULT = {"condition": "service_started", "required": True}


def _merge_depends_on(base: Any, override: Any, path: Path) -> Any:
    return _merge_mappings(
        _into_mapping(base, _DEPENDENCY_DEFAULT) or {}, _into_mapping(override, _DEPENDENCY_DEFAULT) or {}, path
    )


def _merge_as_mapping(base: Any, override: Any, path: Path) -> Any:
    return _merge_mappings(_into_mapping(base, None) or {}, _into_mapping(override, None) or {}, path)


def _merge_extra_hosts(base: Any, override: Any, path: Path) -> Any:
    left, right = into_sequence(base), into_sequence(override)
    return left + [entry for entry in right if entry not in left]


def _merge_to_sequence(base: Any, override: Any, path: Path) -> Any:
    return into_sequence(base) + into_sequence(override)


def _merge_ulimit(base: Any, override: Any, path: Path) -> Any:
    # compose-go merges the override with itself here: the override entry replaces the base one.
    return override


def _merge_ipam_config(base: Any, override: Any, path: Path) -> Any:
    if not isinstance(base, list) or not isinstance(override, list):
        raise MergeError(f"{path}: unexpected type", path=str(path))
    configs: list[dict] = []
    for original in base:
        right = _into_mapping(original, None)
        for entry in override:
            left = _into_mapping(entry, None)
            if left.get("subnet") != right.get("subnet"):
                if not any(c.get("subnet") == left.get("subnet") for c in configs):
                    configs.append(left)
                    continue
            merged = _merge_mappings(right, left, path)
            index = next((i for i, c in enumerate(configs) if c.get("subnet") == merged.get("subnet")), -1)
            if index >= 0:
                configs[index] = merged
            else:
                configs.append(merged)
    return configs


def _replace(base: Any, override: Any, path: Path) -> Any:
    return override


def go_format(value: Any) -> str:
    """Format a scalar like Go's ``%v`` does for YAML-decoded values."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_format(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_format(v) for v in value) + "]"
    return str(value)


def _go_float(value: float) -> str:
    """Go's ``%v`` for a float64: shortest digits, exponent form below 1e-4 or from 1e6 on."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign, magnitude = ("-" if value < 0 else ""), abs(value)
    shortest = next(
        text for precision in range(17) if float(text := format(magnitude, f".{precision}e")) == magnitude
    )
    significand, _, exponent = shortest.partition("e")
    exp = int(exponent)
    if exp < -4 or exp >= 6:
        return f"{sign}{significand}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    decimals = max(0, len(significand.replace(".", "")) - 1 - exp)
    return sign + format(magnitude, f".{decimals}f")


def into_sequence(value: Any) -> list:
    """``convertIntoSequence``: a mapping becomes sorted ``KEY=VALUE`` strings (bare ``KEY`` for null)."""
    if isinstance(value, dict):
        seq: list[str] = []
        for key, item in value.items():
            if item is None:
                seq.append(key)
            elif isinstance(item, list):
                seq.extend(f"{key}={go_format(v)}" for v in item)
            else:
                seq.append(f"{key}={go_format(item)}")
        return sorted(seq)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return [value]
    return []


def _into_mapping(value: Any, default: dict | None) -> dict | None:
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(entry): (dict(default) if default is not None else None) for entry in value}
    return None


MERGE_RULES: dict[str, Merger] = {
    "networks.*.ipam.config": _merge_ipam_config,
    "networks.*.labels": _merge_to_sequence,
    "volumes.*.labels": _merge_to_sequence,
    "services.*.annotations": _merge_to_sequence,
    "services.*.build": _merge_build,
    "services.*.build.args": _merge_to_sequence,
    "services.*.build.additional_contexts": _merge_to_sequence,
    "services.*.build.extra_hosts": _merge_extra_hosts,
    "services.*.build.labels": _merge_to_sequence,
    "services.*.command": _replace,
    "services.*.depends_on": _merge_depends_on,
    "services.*.deploy.labels": _merge_to_sequence,
    "services.*.dns": _merge_to_sequence,
    "services.*.dns_opt": _merge_to_sequence,
    "services.*.dns_search": _merge_to_sequence,
    "services.*.entrypoint": _replace,
    "services.*.env_file": _merge_to_sequence,
    "services.*.label_file": _merge_to_sequence,
    "services.*.environment": _merge_to_sequence,
    "services.*.extra_hosts": _merge_extra_hosts,
    "services.*.healthcheck.test": _replace,
    "services.*.labels": _merge_to_sequence,
    "services.*.volumes.*.volume.labels": _merge_to_sequence,
    "services.*.logging": _merge_logging,
    "services.*.models": _merge_as_mapping,
    "services.*.networks": _merge_as_mapping,
    "services.*.sysctls": _merge_to_sequence,
    "services.*.tmpfs": _merge_to_sequence,
    "services.*.ulimits.*": _merge_ulimit,
}


def _rule_for(path: Path, table: dict[str, Any], cache: dict[tuple[str, ...], Any]) -> Any:
    """Look a rule up by pattern (memoised; the name in second position is abstracted away)."""
    parts = path.parts
    key = tuple("*" if i == 1 else p for i, p in enumerate(parts))
    try:
        return cache[key]
    except KeyError:
        pass
    rule = next((candidate for pattern, candidate in table.items() if path.matches(pattern)), None)
    cache[key] = rule  # every pattern has '*' as its second segment, so the name there never matters
    return rule


_merge_rule_cache: dict[tuple[str, ...], Merger | None] = {}


# --- unicity ---------------------------------------------------------------------------------


def enforce_unicity(tree: dict) -> dict:
    """``override.EnforceUnicity``: a later entry with the same key replaces an earlier one in place."""
    if isinstance(tree, dict):
        _unique_within(tree, _unicity_trie(), None)
    return tree


def _unicity_trie() -> dict:
    global _UNICITY_TRIE
    if _UNICITY_TRIE is None:
        from dockyard.compose.canonical import compile_table

        _UNICITY_TRIE = compile_table(UNICITY_RULES)
    return _UNICITY_TRIE


_UNICITY_TRIE: dict | None = None
_UNNAMED = Path("")


def _unique_within(mapping: dict, trie: dict, link: tuple | None) -> None:
    """Walk only the subtrees a unicity pattern can reach; deduplicate the sequences they name.

    Runs twice per file over every service, so it is lean: the path is a ``(parent link, key)``
    chain spelled out only for an error, and a mapping where a pattern ends (``labels`` as a
    mapping) is not entered, since no pattern goes deeper.
    """
    wildcard = trie.get("*")
    for key, item in mapping.items():
        child = trie.get(key) or wildcard
        if child is None:
            continue
        if isinstance(item, dict):
            if len(child) > 1 or None not in child:
                _unique_within(item, child, (link, key))
        elif isinstance(item, list):
            indexer = child.get(None)
            if indexer is not None:
                mapping[key] = _unique_entries(item, indexer, (link, key))


def _unique_entries(entries: list, indexer: Indexer, link: tuple) -> list:
    try:
        keys = [indexer(entry, _UNNAMED) for entry in entries]  # the entry's path only matters in an error
    except ComposeError:
        where = Path(dotted(linked(link)))
        for i, entry in enumerate(entries):
            indexer(entry, where.next(f"[{i}]"))  # raises again, naming the entry
        raise
    if len(set(keys)) == len(keys):
        return entries[:]  # nothing redefined (the usual case): the same new list, without the loop below
    result: list = []
    seen: dict[str, int] = {}
    for key, entry in zip(keys, entries):
        if key in seen:
            result[seen[key]] = entry
        else:
            seen[key] = len(result)
            result.append(entry)
    return result


def _key_value_key(value: Any, path: Path) -> str:
    if not isinstance(value, str):
        raise MergeError(f"{path}: unexpected type {_go_type(value)}", path=str(path))
    return value.split("=", 1)[0]


def _volume_key(value: Any, path: Path) -> str:
    if isinstance(value, dict):
        target = value.get("target")
        if not isinstance(target, str):
            raise MergeError(f"service volume {path} is missing a mount target", path=str(path))
        return target
    if isinstance(value, str):
        target = _plain_volume_target(value)
        if target is not None:
            return target
        from dockyard.compose.canonical import parse_volume

        try:
            return parse_volume(value)["target"] or ""
        except ComposeError as error:
            raise MergeError(f"{path} {error.message}", path=str(path)) from None
    return ""


def _plain_volume_target(spec: str) -> str | None:
    """The target ``parse_volume`` finds in a plain ``source:target[:options]`` (no ``${``, no empty
    or one-letter section that could be a drive letter, at most three sections), else ``None``.
    Every short volume of a file comes here, twice: ``parse_volume`` would build its whole mapping
    (type, options) for a target: this shortcut saves ~0.8% of a 1,000-service `config`."""
    if len(spec) <= 2 or "$" in spec or "\0" in spec:
        return None
    parts = spec.split(":")
    if len(parts) > 3 or any(len(part) < 2 for part in parts[:-1]) or not parts[-1]:
        return None
    return parts[0] if len(parts) == 1 else parts[1]


def _device_key(value: Any, path: Path) -> str:
    if isinstance(value, dict):
        target = value.get("target")
        if not isinstance(target, str):
            raise MergeError(f"service device {path} is missing a mount target", path=str(path))
        return target
    if isinstance(value, str):
        parts = value.split(":")
        return parts[0] if len(parts) == 1 else parts[1]
    return ""


def _expose_key(value: Any, path: Path) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise MergeError(f"{path}: unsupported expose value {go_format(value)}", path=str(path))


def _mount_key(default_dir: str) -> Indexer:
    def key(value: Any, path: Path) -> str:
        if isinstance(value, str):
            return f"{default_dir}/{value}"
        if isinstance(value, dict):
            if "target" in value:
                return str(value["target"])
            return f"{default_dir}/{go_format(value.get('source'))}"
        raise MergeError(f"{path}: unsupported expose value {go_format(value)}", path=str(path))

    return key


def _go_sprintf_s(value: Any) -> str:
    """Go's ``%s`` applied to an ``any``: non-strings print as ``%!s(type=value)``."""
    if isinstance(value, str):
        return value
    if value is None:
        return "%!s(<nil>)"
    return f"%!s({_go_type(value)}={go_format(value)})"


def _go_type(value: Any) -> str:
    return {bool: "bool", int: "int", float: "float64", str: "string", dict: "map[string]interface {}",
            list: "[]interface {}"}.get(type(value), "<nil>" if value is None else type(value).__name__)


def _port_key(value: Any, path: Path) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        if "target" not in value:
            raise MergeError(f"service ports {path} is missing a target port", path=str(path))
        target = value["target"]
        target_text = str(target) if isinstance(target, int) else f"%!d({_go_type(target)}={go_format(target)})"
        published = _go_sprintf_s(value["published"]) if "published" in value else "%!s(<nil>)"
        host = _go_sprintf_s(value["host_ip"]) if "host_ip" in value else "0.0.0.0"
        protocol = _go_sprintf_s(value["protocol"]) if "protocol" in value else "tcp"
        return f"{host}:{published}:{target_text}/{protocol}"
    if isinstance(value, str):
        return value
    return ""


def _env_file_key(value: Any, path: Path) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "path" in value:
            return str(value["path"])
        raise MergeError(f"environment path attribute {path} is missing", path=str(path))
    return ""


UNICITY_RULES: dict[str, Indexer] = {
    "networks.*.labels": _key_value_key,
    "networks.*.ipam.options": _key_value_key,
    "services.*.annotations": _key_value_key,
    "services.*.build.args": _key_value_key,
    "services.*.build.additional_contexts": _key_value_key,
    "services.*.build.platform": _key_value_key,
    "services.*.build.tags": _key_value_key,
    "services.*.build.labels": _key_value_key,
    "services.*.cap_add": _key_value_key,
    "services.*.cap_drop": _key_value_key,
    "services.*.configs": _mount_key(""),
    "services.*.deploy.labels": _key_value_key,
    "services.*.dns": _key_value_key,
    "services.*.dns_opt": _key_value_key,
    "services.*.dns_search": _key_value_key,
    "services.*.environment": _key_value_key,
    "services.*.env_file": _env_file_key,
    "services.*.expose": _expose_key,
    "services.*.labels": _key_value_key,
    "services.*.links": _key_value_key,
    "services.*.networks.*.aliases": _key_value_key,
    "services.*.networks.*.link_local_ips": _key_value_key,
    "services.*.ports": _port_key,
    "services.*.profiles": _key_value_key,
    "services.*.secrets": _mount_key("/run/secrets"),
    "services.*.sysctls": _key_value_key,
    "services.*.tmpfs": _key_value_key,
    "services.*.volumes": _volume_key,
    "services.*.devices": _device_key,
}


# --- !reset / !override ----------------------------------------------------------------------


def apply_resets(tree: dict, paths: Iterable[tuple]) -> None:
    """Remove, from the accumulated tree, every location a later file tagged ``!reset`` or ``!override``."""
    for location in sorted(paths, key=len, reverse=True):
        _delete(tree, tuple(location))


def _delete(tree: Any, location: tuple) -> None:
    node = tree
    for part in location[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return
    last = location[-1] if location else None
    if isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        del node[last]
