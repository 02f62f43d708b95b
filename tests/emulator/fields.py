"""Field-level semantics of the API server: list types, field sets (managedFields fieldsV1), and patches.

Lists are typed like in the Kubernetes OpenAPI (`x-kubernetes-list-type` / `patchMergeKey`):
associative lists merge items by their keys, sets merge by value, everything else is atomic.
The table is keyed by the tail of the field-name path (list items contribute no name).
"""

from __future__ import annotations

import json
from typing import Any

MISSING: Any = object()

# (tail of field-name path) -> keys of an associative list, or "set".  Checked longest-tail first.
LIST_TYPES: dict[tuple[str, ...], tuple[str, ...] | str] = {
    ("containers",): ("name",),
    ("initContainers",): ("name",),
    ("ephemeralContainers",): ("name",),
    ("env",): ("name",),
    ("volumes",): ("name",),
    ("volumeMounts",): ("mountPath",),
    ("volumeDevices",): ("devicePath",),
    ("imagePullSecrets",): ("name",),
    ("hostAliases",): ("ip",),
    ("resourceClaims",): ("name",),
    ("conditions",): ("type",),
    ("ownerReferences",): ("uid",),
    ("topologySpreadConstraints",): ("topologyKey", "whenUnsatisfiable"),
    ("containers", "ports"): ("containerPort", "protocol"),
    ("initContainers", "ports"): ("containerPort", "protocol"),
    ("spec", "ports"): ("port", "protocol"),
    ("metadata", "finalizers"): "set",
    ("spec", "finalizers"): "set",
}
KEY_DEFAULTS = {"protocol": "TCP"}


def list_type(names: tuple[str, ...], schema: Any = None) -> tuple[str, ...] | str:
    """'atomic', 'set' or the tuple of map keys for the list at this field-name path."""
    if schema is not None:
        declared = schema.get("x-kubernetes-list-type")
        if declared == "map":
            return tuple(schema.get("x-kubernetes-list-map-keys") or ())
        if declared == "set":
            return "set"
        if names[:1] != ("metadata",):
            return "atomic"
    for length in (2, 1):
        found = LIST_TYPES.get(names[-length:]) if len(names) >= length else None
        if found is not None:
            return found
    return "atomic"


def sub_schema(schema: Any, name: str | None) -> Any:
    """The schema of a field (name) or of list items (None) inside a structural schema."""
    if schema is None:          # built-in kinds: the LIST_TYPES table decides
        return None
    if name is None:
        return schema.get("items") or {}
    props = schema.get("properties")
    if props and name in props:
        return props[name]
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else {}   # custom resources: undeclared lists are atomic


def item_key(item: Any, keys: tuple[str, ...]) -> str:
    fields = {k: item.get(k, KEY_DEFAULTS.get(k)) for k in keys if k in item or k in KEY_DEFAULTS}
    return "k:" + json.dumps(fields, separators=(",", ":"), sort_keys=True)


# --- field sets ------------------------------------------------------------------------------

FieldPath = tuple[str, ...]
IGNORED_META = {"managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink",
                "deletionTimestamp", "deletionGracePeriodSeconds", "name", "namespace", "generateName"}


def fieldset(obj: dict[str, Any], schema: Any = None, *, only: str | None = None,
             skip: tuple[str, ...] = ()) -> set[FieldPath]:
    """All leaf and list-item paths of an object, as managedFields counts them."""
    result: set[FieldPath] = set()
    for top, value in obj.items():
        if top in ("apiVersion", "kind") or top in skip or (only is not None and top != only):
            continue
        if top == "metadata":
            value = {k: v for k, v in (value or {}).items() if k not in IGNORED_META}
            if not value:
                continue
        _walk(value, ("f:" + top,), (top,), sub_schema(schema, top), result)
    return result


def _walk(value: Any, path: FieldPath, names: tuple[str, ...], schema: Any, out: set[FieldPath]) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _walk(v, path + ("f:" + k,), names + (k,), sub_schema(schema, k), out)
    elif isinstance(value, list) and value and isinstance(lt := list_type(names, schema), tuple):
        for item in value:
            if not isinstance(item, dict):
                out.add(path)
                return
            item_path = path + (item_key(item, lt),)
            out.add(item_path)
            _walk(item, item_path, names, sub_schema(schema, None), out)
    elif isinstance(value, list) and value and lt == "set":
        for item in value:
            out.add(path + ("v:" + json.dumps(item, separators=(",", ":")),))
    else:
        out.add(path)


def to_fields_v1(paths: set[FieldPath]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for elem in path:
            node = node.setdefault(elem, {})
        if path[-1].startswith("k:"):
            node.setdefault(".", {})
    return tree


def from_fields_v1(tree: dict[str, Any], prefix: FieldPath = ()) -> set[FieldPath]:
    result: set[FieldPath] = set()
    for elem, sub in tree.items():
        if elem == ".":
            result.add(prefix)
        elif not sub:
            result.add(prefix + (elem,))
        else:
            result |= from_fields_v1(sub, prefix + (elem,))
    return result


def get_at(obj: Any, path: FieldPath) -> Any:
    node = obj
    for elem in path:
        kind, _, name = elem.partition(":")
        if kind == "f":
            if not isinstance(node, dict) or name not in node:
                return MISSING
            node = node[name]
        elif kind == "k":
            keys = json.loads(name)
            node = _find_item(node, keys)
            if node is MISSING:
                return MISSING
        elif kind == "v":
            value = json.loads(name)
            return value if isinstance(node, list) and value in node else MISSING
    return node


def _find_item(node: Any, keys: dict[str, Any]) -> Any:
    if not isinstance(node, list):
        return MISSING
    for item in node:
        if isinstance(item, dict) and all(item.get(k, KEY_DEFAULTS.get(k)) == v for k, v in keys.items()):
            return item
    return MISSING


def remove_at(obj: Any, path: FieldPath) -> None:
    parent = get_at(obj, path[:-1])
    kind, _, name = path[-1].partition(":")
    if kind == "f" and isinstance(parent, dict):
        parent.pop(name, None)
    elif kind == "k" and isinstance(parent, list):
        item = _find_item(parent, json.loads(name))
        if item is not MISSING:
            parent.remove(item)
    elif kind == "v" and isinstance(parent, list):
        value = json.loads(name)
        if value in parent:
            parent.remove(value)


def prune_empty(obj: dict[str, Any], path: FieldPath, owned: set[FieldPath]) -> None:
    """After a removal, drop parents left empty unless someone owns them."""
    for cut in range(len(path) - 1, 1, -1):
        parent_path = path[:cut]
        value = get_at(obj, parent_path)
        if value in ({}, []) and parent_path not in owned:
            remove_at(obj, parent_path)
        else:
            break


# --- merging -----------------------------------------------------------------------------------

def apply_merge(live: Any, applied: Any, names: tuple[str, ...] = (), schema: Any = None) -> Any:
    """Merge an applied configuration into the live object (server-side apply merge)."""
    if isinstance(live, dict) and isinstance(applied, dict):
        result = dict(live)
        for k, v in applied.items():
            result[k] = apply_merge(live.get(k, MISSING), v, names + (k,), sub_schema(schema, k))
        return result
    if isinstance(live, list) and isinstance(applied, list):
        lt = list_type(names, schema)
        if isinstance(lt, tuple) and all(isinstance(i, dict) for i in live + applied):
            result = list(live)
            for item in applied:
                key = item_key(item, lt)
                for index, existing in enumerate(result):
                    if item_key(existing, lt) == key:
                        result[index] = apply_merge(existing, item, names, sub_schema(schema, None))
                        break
                else:
                    result.append(clone(item))
            return result
        if lt == "set":
            return list(live) + [i for i in applied if i not in live]
    return clone(applied)


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = json_merge_patch(result.get(k), v)
    return result


def strategic_merge_patch(target: Any, patch: Any, names: tuple[str, ...] = ()) -> Any:
    """Strategic merge patch for built-in kinds: merge-key lists, `$patch` and `$retainKeys` directives."""
    if not isinstance(patch, dict):
        return clone(patch)
    if patch.get("$patch") == "replace":
        return {k: v for k, v in clone(patch).items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return MISSING
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if k.startswith("$setElementOrder/") or k in ("$patch", "$retainKeys"):
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            field = k.split("/", 1)[1]
            result[field] = [i for i in result.get(field) or [] if i not in v]
            continue
        if v is None:
            result.pop(k, None)
        elif isinstance(v, list):
            result[k] = _smp_list(result.get(k), v, names + (k,))
        else:
            merged = strategic_merge_patch(result.get(k), v, names + (k,))
            if merged is MISSING:
                result.pop(k, None)
            else:
                result[k] = merged
    if "$retainKeys" in patch:
        result = {k: v for k, v in result.items() if k in patch["$retainKeys"]}
    return result


def _smp_list(live: Any, patch: list[Any], names: tuple[str, ...]) -> list[Any]:
    lt = list_type(names)
    live = list(live) if isinstance(live, list) else []
    if lt == "set":
        return live + [i for i in patch if i not in live]
    if not isinstance(lt, tuple) or not all(isinstance(i, dict) for i in patch):
        return clone(patch)
    if any(i.get("$patch") == "replace" for i in patch):
        return [i for i in clone(patch) if i.get("$patch") != "replace"]
    key = lt[0]
    result = list(live)
    for item in patch:
        index = next((n for n, e in enumerate(result) if e.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
        elif index is None:
            result.append({k: v for k, v in clone(item).items() if k != "$patch"})
        else:
            result[index] = strategic_merge_patch(result[index], item, names)
    return result


class JSONPatchError(ValueError):
    pass


def json_patch(target: Any, ops: list[dict[str, Any]]) -> Any:
    """RFC 6902."""
    doc = clone(target)
    for op in ops:
        kind, path = op.get("op"), op.get("path", "")
        if kind == "add":
            doc = _jp_put(doc, path, clone(op.get("value")), insert=True)
        elif kind == "remove":
            _jp_get(doc, path)
            doc = _jp_remove(doc, path)
        elif kind == "replace":
            _jp_get(doc, path)
            doc = _jp_put(doc, path, clone(op.get("value")), insert=False)
        elif kind in ("move", "copy"):
            value = clone(_jp_get(doc, op["from"]))
            if kind == "move":
                doc = _jp_remove(doc, op["from"])
            doc = _jp_put(doc, path, value, insert=True)
        elif kind == "test":
            if _jp_get(doc, path) != op.get("value"):
                raise JSONPatchError(f"testing value {path} failed")
        else:
            raise JSONPatchError(f"unexpected op: {kind}")
    return doc


def _jp_tokens(path: str) -> list[str]:
    if path == "":
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]


def _jp_get(doc: Any, path: str) -> Any:
    node = doc
    for token in _jp_tokens(path):
        try:
            node = node[int(token)] if isinstance(node, list) else node[token]
        except (KeyError, IndexError, ValueError, TypeError):
            raise JSONPatchError(f"path {path} not found") from None
    return node


def _jp_put(doc: Any, path: str, value: Any, insert: bool) -> Any:
    tokens = _jp_tokens(path)
    if not tokens:
        return value
    parent = _jp_get(doc, "/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens[:-1])) \
        if len(tokens) > 1 else doc
    last = tokens[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if insert:
            parent.insert(index, value)
        else:
            parent[index] = value
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise JSONPatchError(f"path {path} not found")
    return doc


def _jp_remove(doc: Any, path: str) -> Any:
    tokens = _jp_tokens(path)
    parent = _jp_get(doc, "/" + "/".join(tokens[:-1])) if len(tokens) > 1 else doc
    if isinstance(parent, list):
        parent.pop(int(tokens[-1]))
    else:
        parent.pop(tokens[-1])
    return doc


def clone(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars); much faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: clone(v) if isinstance(v, (dict, list)) else v for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) if isinstance(v, (dict, list)) else v for v in value]
    return value
