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
_json_string = json.encoder.encode_basestring  # ensure_ascii=False's string encoder (C)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _quoted(value: str) -> str:
    text = _json_string(value)  # json.dumps(value, ensure_ascii=False) without building an encoder each time
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


def _mapping(value: dict, indent: str, lead: str, out: list[str], strings: dict[str, str]) -> None:
    """The lines of a non-empty dict at ``indent``; the first line starts with ``lead`` instead
    (``"- "`` where the dict is a list item). ``strings`` memoises the text of repeated strings
    (keys, labels), looked up inline: this loop writes most of the output."""
    prefix = lead
    memo = strings.get
    for key, item in value.items():
        text = memo(key)
        if text is None:
            text = _scalar(str(key), strings)
        head = f"{prefix}{text}:"
        prefix = indent
        kind = type(item)
        if kind is str:
            text = memo(item)
            out.append(f"{head} {text if text is not None else _scalar(item, strings)}")
        elif kind is dict:
            if item:
                out.append(head)
                nested = indent + "  "
                _mapping(item, nested, nested, out, strings)
            else:
                out.append(head + " {}")
        elif kind is list:
            if item:
                out.append(head)
                _sequence(item, indent, out, strings)  # a list under a key is not indented further
            else:
                out.append(head + " []")
        else:
            out.append(f"{head} {_scalar(item, strings)}")


def _sequence(value: list, indent: str, out: list[str], strings: dict[str, str]) -> None:
    """The lines of a non-empty list at ``indent``."""
    nested = indent + "  "
    dash = indent + "- "
    for item in value:
        kind = type(item)
        if kind is dict:
            if item:
                _mapping(item, nested, dash, out, strings)
            else:
                out.append(dash + "{}")
        elif kind is list:
            if item:
                out.append(indent + "-")
                _sequence(item, nested, out, strings)
            else:
                out.append(dash + "[]")
        else:
            out.append(dash + _scalar(item, strings))


def to_yaml(objects: Iterable[dict[str, Any]]) -> str:
    out: list[str] = []
    strings: dict[str, str] = {}  # memoised text of repeated strings (keys, labels)
    for obj in objects:
        out.append("---")
        if obj:
            _mapping(obj, "", "", out, strings)
    return "\n".join(out) + "\n" if out else ""


def yaml_documents(objects: Iterable[dict[str, Any]]) -> list[str]:
    """Each object's YAML document (starting with ``---``): ``"".join(yaml_documents(x)) == to_yaml(x)``,
    so documents written apart (in another process, say) can be put in any order afterwards."""
    documents: list[str] = []
    strings: dict[str, str] = {}
    for obj in objects:
        out = ["---"]
        if obj:
            _mapping(obj, "", "", out, strings)
        out.append("")
        documents.append("\n".join(out))
    return documents


def to_json(objects: Iterable[dict[str, Any]]) -> str:
    """``json.dumps(document, indent=2, ensure_ascii=False)``, byte for byte, by compose's JSON writer
    (with ``indent`` the stdlib uses its generic pure-Python encoder, which took most of
    ``render -o json``'s time)."""
    from dockyard.compose.serialize import indented_json

    return indented_json({"apiVersion": "v1", "kind": "List", "items": list(objects)}, sort_keys=False) + "\n"


def dump(objects: Iterable[dict[str, Any]], output: str = "yaml") -> str:
    if output == "json":
        return to_json(objects)
    if output == "yaml":
        return to_yaml(objects)
    raise ValueError(f"output must be yaml or json, not {output!r}")
