"""Structural schemas of CustomResourceDefinitions: pruning, defaulting and validation of custom resources.

What the real server does with a CRD's openAPIV3Schema on every write: unknown fields are dropped
silently (unless `x-kubernetes-preserve-unknown-fields`), nulls of non-nullable fields are dropped,
`default`s are filled in, and type/required/enum/length/pattern/item-count violations are 422 Invalid.
CEL rules (`x-kubernetes-validations`) are not evaluated.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from tests.emulator.fields import clone

KEEP_ALWAYS = ("apiVersion", "kind", "metadata")


def prune(obj: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The object as stored: unknown fields gone, defaults filled in."""
    if not schema:
        return obj
    result = {k: v for k, v in obj.items() if k in KEEP_ALWAYS}
    rest = _prune({k: v for k, v in obj.items() if k not in KEEP_ALWAYS},
                  {**schema, "properties": {k: v for k, v in (schema.get("properties") or {}).items()
                                            if k not in KEEP_ALWAYS}})
    result.update(rest)
    return result


def _prune(value: Any, schema: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        keep_unknown = schema.get("x-kubernetes-preserve-unknown-fields") or extra is True
        result = {}
        for key, item in value.items():
            sub = props.get(key) if key in props else extra if isinstance(extra, dict) else None
            if item is None and not (sub or {}).get("nullable") and (sub is not None or not keep_unknown):
                continue
            if sub is not None:
                result[key] = _prune(item, sub)
            elif keep_unknown or schema.get("x-kubernetes-int-or-string"):
                result[key] = item
        for key, sub in props.items():
            if key not in result and "default" in sub:
                result[key] = clone(sub["default"])
        return result
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_prune(item, schema["items"]) for item in value]
    return value


_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "object": (dict,),
          "array": (list,)}


def validate(obj: dict[str, Any], schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each violation, worded like the API server."""
    if not schema:
        return []
    causes: list[tuple[str, str]] = []
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    props = {k: v for k, v in (schema.get("properties") or {}).items() if k not in KEEP_ALWAYS}
    _check(body, {**schema, "properties": props, "required": [r for r in schema.get("required") or []
                                                                if r not in KEEP_ALWAYS]}, "", causes)
    return causes


def _type_ok(value: Any, schema: dict[str, Any]) -> bool:
    if schema.get("x-kubernetes-int-or-string"):
        return isinstance(value, (int, str)) and not isinstance(value, bool)
    kind = schema.get("type")
    if kind is None:
        return True
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES.get(kind, (object,)))


def _check(value: Any, schema: dict[str, Any], path: str, causes: list[tuple[str, str]]) -> None:
    where = path or "<root>"
    if value is None:
        return
    if not _type_ok(value, schema):
        found = _json_type(value)
        causes.append((where, f'Invalid value: "{found}": {where} in body must be of type {schema.get("type")}: '
                              f'"{found}"'))
        return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(json.dumps(v) for v in schema["enum"])
        causes.append((where, f"Unsupported value: {json.dumps(value)}: supported values: {allowed}"))
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            causes.append((where, f"Too long: may not be more than {schema['maxLength']} bytes"))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            causes.append((where, f'Invalid value: "{value}": {where} in body should match \'{schema["pattern"]}\''))
        if schema.get("format") == "byte":
            try:
                base64.b64decode(value, validate=True)
            except ValueError:
                causes.append((where, f'Invalid value: "{value[:20]}": {where} in body must be of type byte'))
    if isinstance(value, dict):
        for key in schema.get("required") or []:
            if key not in value:
                causes.append((f"{path}.{key}" if path else key, "Required value"))
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key) if key in props else extra if isinstance(extra, dict) else None
            if sub is not None:
                _check(item, sub, f"{path}.{key}" if path else key, causes)
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            causes.append((where, f"Invalid value: {len(value)}: {where} in body should have at least "
                                  f"{schema['minItems']} items"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            causes.append((where, f"Too many: {len(value)}: must have at most {schema['maxItems']} items"))
        if isinstance(schema.get("items"), dict):
            for n, item in enumerate(value):
                _check(item, schema["items"], f"{where}[{n}]", causes)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
