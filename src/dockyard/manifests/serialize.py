"""Deterministic YAML / JSON text for rendered objects.

Rendered objects hold only dicts, lists, strings, ints, bools and None, so YAML is written by a
small block-style emitter (PyYAML's pure-Python representer dominated the render time of large
projects). Key order is the order builders wrote (apiVersion, kind, metadata, spec ...). A
string is written plain only when it matches a conservative pattern that no YAML 1.1 or 1.2
reader can take for anything but a string; every other string is double-quoted with JSON
escapes, which YAML reads identically. ``tests/manifests/test_mapping_serialize.py`` round-trips it.
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


def _string(value: str) -> str:
    if _PLAIN.fullmatch(value) and value.lower() not in _RESERVED:
        return value
    return _quoted(value)


def _scalar(value: Any, strings: dict[str, str]) -> str:
    if type(value) is str:
        text = strings.get(value)
        if text is None:
            text = strings[value] = _string(value)
        return text
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
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


class _Emitter:
    """Block-style YAML lines; ``strings`` memoises the text of repeated strings (keys, labels)."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.strings: dict[str, str] = {}

    def block(self, value: dict | list, indent: str) -> None:
        """The lines of a non-empty dict or list at ``indent``."""
        out = self.out
        if type(value) is dict:
            for key, item in value.items():
                self.entry(f"{indent}{_scalar(str(key), self.strings)}:", item, indent, True)
        else:
            nested = indent + "  "
            for item in value:
                if type(item) is dict and item:
                    first = len(out)
                    self.block(item, nested)
                    out[first] = f"{indent}- {out[first][len(nested):]}"
                else:
                    self.entry(f"{indent}-", item, indent, False)

    def entry(self, head: str, item: Any, indent: str, is_key: bool) -> None:
        kind = type(item)
        if kind is dict or kind is list:
            if item:
                self.out.append(head)
                self.block(item, indent if kind is list and is_key else indent + "  ")
            else:
                self.out.append(f"{head} {{}}" if kind is dict else f"{head} []")
        else:
            self.out.append(f"{head} {_scalar(item, self.strings)}")


def to_yaml(objects: Iterable[dict[str, Any]]) -> str:
    emitter = _Emitter()
    for obj in objects:
        emitter.out.append("---")
        emitter.block(obj, "")
    return "\n".join(emitter.out) + "\n" if emitter.out else ""


def to_json(objects: Iterable[dict[str, Any]]) -> str:
    document = {"apiVersion": "v1", "kind": "List", "items": list(objects)}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def dump(objects: Iterable[dict[str, Any]], output: str = "yaml") -> str:
    if output == "json":
        return to_json(objects)
    if output == "yaml":
        return to_yaml(objects)
    raise ValueError(f"output must be yaml or json, not {output!r}")
