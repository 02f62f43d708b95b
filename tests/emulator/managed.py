"""managedFields bookkeeping: who owns which field, and server-side apply on top of it.

Updates (POST/PUT/non-apply PATCH) move ownership of the fields they change to their manager
(operation Update); apply (operation Apply) merges the applied configuration, conflicts with other owners
of a field holding a different value unless forced, and removes fields its manager stopped applying
and nobody else owns.
"""

from __future__ import annotations

import json
from typing import Any

from tests.emulator import fields
from tests.emulator.errors import StatusError
from tests.emulator.fields import FieldPath


class Entry:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.manager = raw.get("manager", "")
        self.operation = raw.get("operation", "Update")
        self.api_version = raw.get("apiVersion", "")
        self.subresource = raw.get("subresource", "")
        self.time = raw.get("time")
        self.paths = fields.from_fields_v1(raw.get("fieldsV1") or {})

    def identity(self) -> tuple[str, str, str]:
        return (self.manager, self.operation, self.subresource)

    def render(self) -> dict[str, Any]:
        raw = {"manager": self.manager, "operation": self.operation, "apiVersion": self.api_version,
               "time": self.time, "fieldsType": "FieldsV1", "fieldsV1": fields.to_fields_v1(self.paths)}
        if self.subresource:
            raw["subresource"] = self.subresource
        return raw


def scope(subresource: str, has_status: bool) -> dict[str, Any]:
    if subresource == "status":
        return {"only": "status"}
    return {"skip": ("status",)} if has_status else {}


def _entries(obj: dict[str, Any] | None) -> list[Entry]:
    return [Entry(raw) for raw in ((obj or {}).get("metadata") or {}).get("managedFields") or []]


def _store(obj: dict[str, Any], entries: list[Entry]) -> None:
    rendered = [e.render() for e in entries if e.paths]
    if rendered:
        obj.setdefault("metadata", {})["managedFields"] = rendered
    else:
        obj.get("metadata", {}).pop("managedFields", None)


def record_update(old: dict[str, Any] | None, new: dict[str, Any], manager: str, api_version: str,
                  subresource: str, has_status: bool, schema: Any, now: str) -> None:
    """Give `manager` the fields this write changed; forget removed fields."""
    sc = scope(subresource, has_status)
    old_set = fields.fieldset(old, schema, **sc) if old else set()
    new_set = fields.fieldset(new, schema, **sc)
    changed = {p for p in new_set if p not in old_set
               or (p[-1][:2] not in ("k:", "v:") and fields.get_at(old, p) != fields.get_at(new, p))}
    removed = old_set - new_set
    entries = _entries(old)
    identity = (manager, "Update", subresource)
    mine = next((e for e in entries if e.identity() == identity), None)
    for entry in entries:
        entry.paths -= removed
        if entry is not mine:
            entry.paths -= changed
    if changed:
        if mine is None:
            mine = Entry({"manager": manager, "operation": "Update", "subresource": subresource})
            entries.append(mine)
        mine.paths |= changed
        mine.time, mine.api_version = now, api_version
    _store(new, entries)


def dotted(path: FieldPath) -> str:
    text = ""
    for elem in path:
        kind, _, name = elem.partition(":")
        if kind == "f":
            text += "." + name
        elif kind == "k":
            text += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in json.loads(name).items()) + "]"
        else:
            text += f"[={name}]"
    return text


def conflict_error(conflicts: list[tuple[str, str, FieldPath]]) -> StatusError:
    by_manager: dict[tuple[str, str], list[str]] = {}
    for manager, api_version, path in conflicts:
        by_manager.setdefault((manager, api_version), []).append(dotted(path))
    count = len(conflicts)
    parts = []
    for (manager, api_version), paths in by_manager.items():
        if len(paths) == 1 and count == 1:
            parts.append(f'conflict with "{manager}" using {api_version}: {paths[0]}')
        else:
            parts.append(f'conflicts with "{manager}" using {api_version}:\n' + "\n".join(f"- {p}" for p in paths))
    message = f"Apply failed with {count} conflict{'s' if count > 1 else ''}: " + "\n".join(parts)
    causes = [{"reason": "FieldManagerConflict", "message": f'conflict with "{m}" using {v}', "field": dotted(p)}
              for m, v, p in conflicts]
    return StatusError(409, "Conflict", message, {"causes": causes})


def apply(live: dict[str, Any] | None, applied: dict[str, Any], manager: str, api_version: str, force: bool,
          subresource: str, has_status: bool, schema: Any, now: str) -> dict[str, Any]:
    """Server-side apply of `applied` onto `live` (None when absent); returns the new object."""
    sc = scope(subresource, has_status)
    applied = fields.clone(applied)
    if subresource == "status":
        applied = {"status": applied.get("status") or {}}
    elif has_status:
        applied.pop("status", None)
    applied.get("metadata", {}).pop("managedFields", None)
    base = fields.clone(live) if live is not None else {}
    applied_set = fields.fieldset(applied, schema, **sc)
    entries = _entries(live)
    identity = (manager, "Apply", subresource)
    mine = next((e for e in entries if e.identity() == identity), None)
    others = [e for e in entries if e is not mine and e.manager != manager]

    conflicts = []
    for entry in others:
        for path in sorted(applied_set & entry.paths):
            if path[-1][:2] in ("k:", "v:"):
                continue
            if fields.get_at(base, path) != fields.get_at(applied, path):
                conflicts.append((entry.manager, entry.api_version, path))
    if conflicts and not force:
        raise conflict_error(conflicts)
    for manager_name, _, path in conflicts:
        for entry in others:
            if entry.manager == manager_name:
                entry.paths.discard(path)

    merged = fields.apply_merge(base, applied, (), schema)
    owned_by_others = set().union(*(e.paths for e in entries if e is not mine))
    previous = mine.paths if mine else set()
    dropped = {path for path in previous - applied_set
               if not any(other[:len(path)] == path for other in owned_by_others)}
    for path in sorted(dropped, key=len, reverse=True):
        if any(path[:n] in dropped for n in range(1, len(path))):
            continue
        fields.remove_at(merged, path)
        fields.prune_empty(merged, path, owned_by_others | applied_set)
    if mine is None:
        mine = Entry({"manager": manager, "operation": "Apply", "subresource": subresource})
        entries.append(mine)
    mine.paths, mine.time, mine.api_version = applied_set, now, api_version
    _store(merged, entries)
    return merged
