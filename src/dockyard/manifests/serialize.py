"""Deterministic YAML / JSON text for rendered objects.

Rendered objects hold only dicts, lists, strings, ints, bools and None, so YAML is written by a
small block-style emitter (PyYAML's pure-Python representer dominated the render time of large
projects). Key order is the order builders wrote (apiVersion, kind, metadata, spec ...). A
string is written plain only when it matches a conservative pattern that no YAML 1.1 or 1.2
reader can take for anything but a string; every other string is double-quoted with JSON
escapes, which YAML reads identically. ``tests/manifests/test_serialize.py`` round-trips it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_/][-A-Za-z0-9_./@+=,]*(?::[-A-Za-z0-9_./@+=,]+)*$")
_RESERVED = frozenset({"y", "yes", "n", "no", "true", "false", "on", "off", "null", "nan", "inf"})


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _quoted(value: str) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)  # e.g. U+2028, which YAML reads as a line break


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _RESERVED:
            return value
        return _quoted(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _block(value: Any, indent: str, out: list[str]) -> None:
    """Append the lines of a non-empty dict or list at ``indent``."""
    if isinstance(value, dict):
        for key, item in value.items():
            _entry(f"{indent}{_scalar(str(key))}:", item, indent, out)
    else:
        for item in value:
            if isinstance(item, dict) and item:
                first = len(out)
                _block(item, indent + "  ", out)
                out[first] = f"{indent}- {out[first][len(indent) + 2:]}"
            else:
                _entry(f"{indent}-", item, indent, out)


def _entry(head: str, item: Any, indent: str, out: list[str]) -> None:
    if isinstance(item, dict | list) and item:
        out.append(head)
        _block(item, indent + ("" if isinstance(item, list) and head.endswith(":") else "  "), out)
    elif isinstance(item, dict):
        out.append(f"{head} {{}}")
    elif isinstance(item, list):
        out.append(f"{head} []")
    else:
        out.append(f"{head} {_scalar(item)}")


def to_yaml(objects: Iterable[dict[str, Any]]) -> str:
    out: list[str] = []
    for obj in objects:
        out.append("---")
        _block(obj, "", out)
    return "\n".join(out) + "\n" if out else ""


def to_json(objects: Iterable[dict[str, Any]]) -> str:
    document = {"apiVersion": "v1", "kind": "List", "items": list(objects)}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def dump(objects: Iterable[dict[str, Any]], output: str = "yaml") -> str:
    if output == "json":
        return to_json(objects)
    if output == "yaml":
        return to_yaml(objects)
    raise ValueError(f"output must be yaml or json, not {output!r}")
