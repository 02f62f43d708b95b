"""Read one Compose YAML file into a plain tree, typed the way go-yaml v3 types it, with positions.

docker compose decodes YAML with go-yaml, whose plain-scalar rules are neither YAML 1.1 (PyYAML's
default: ``yes`` is a bool) nor plain YAML 1.2 (``0400`` is still octal). We therefore let libyaml
(PyYAML's C parser) produce only *events* and build the tree ourselves in one pass:

* plain scalars are typed by ``resolve_plain`` (go-yaml's ``resolve``), quoted ones stay strings;
* ``<<`` merge keys, anchors and aliases are expanded here, with go-yaml's alias-ratio limit
  against alias bombs and compose-go's cycle check against recursive aliases;
* ``!reset`` / ``!override`` (compose-go ``loader/reset.go``) are recorded by path, and a
  ``!reset`` node is dropped from the data;
* every mapping value and sequence item gets its line/column, for error messages later on.

Events rather than PyYAML's composer: the C composer recurses on the C stack and crashes the
interpreter on deeply nested input; the event parser does not.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from dockyard.compose.model import Location
from dockyard.errors import YAMLError

__all__ = ["ParsedFile", "parse_yaml", "resolve_plain"]

PathKey = tuple[str | int, ...]

MAX_DEPTH = 200
"""Deepest nesting accepted (Compose files nest about 10 deep; deeper input is hostile)."""

_YAML_TAG = "tag:yaml.org,2002:"
RESET_TAG = "!reset"
OVERRIDE_TAG = "!override"


@dataclass(frozen=True)
class ParsedFile:
    file: str
    data: Any
    positions: Mapping[PathKey, Location]
    reset_paths: frozenset[PathKey]
    override_paths: frozenset[PathKey]
    more_documents: tuple[ParsedFile, ...] = field(default=())
    """Further ``---`` documents of the same file; compose-go merges them, in order, over ``data``."""


def parse_yaml(text: str, file: str) -> ParsedFile:
    """Parse ``text`` (the content of ``file``) into a ParsedFile; raise YAMLError for any bad input."""
    documents = [_build_document(events, ends, aliases, file) for events, ends, aliases in _documents(text, file)]
    if not documents:
        return ParsedFile(file, {}, _Positions(file, {}), frozenset(), frozenset())
    first, *rest = documents
    if rest:
        return ParsedFile(first.file, first.data, first.positions, first.reset_paths, first.override_paths, tuple(rest))
    return first


# ---------------------------------------------------------------- plain scalars (go-yaml resolve)

_NULLS = ("", "~", "null", "Null", "NULL")
_SPECIAL: dict[str, Any] = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(_NULLS, None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?\Z")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[+-]\d{2}:\d{2}))"
    r"|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?))?\Z"
)
_INT64 = 1 << 63


def resolve_plain(text: str) -> Any:
    """Type an untagged plain scalar as go-yaml v3 does when decoding into ``any``.

    Timestamps become their RFC 3339 text (what Go's ``time.Time`` marshals to), so the tree stays
    JSON-like.
    """
    if not text:
        return None
    first = text[0]
    if first in "yYnNtTfFoO~":
        return _SPECIAL.get(text, text)
    if first == ".":
        if text in _SPECIAL:
            return _SPECIAL[text]
        return float(text) if _DOT_FLOAT.match(text) else text
    if first in "0123456789":
        stamp = _timestamp(text)
        if stamp is not None:
            return stamp
        return _number(text)
    if first in "+-":
        if text in _SPECIAL:
            return _SPECIAL[text]
        return _number(text)
    return text


def _number(text: str) -> Any:
    plain = text.replace("_", "")
    match = _INT.match(plain)
    if match:
        sign, digits = match.groups()
        value = int(digits, 8) if len(digits) > 1 and digits[0] == "0" and digits[1] in "01234567" else int(digits, 0)
        value = -value if sign == "-" else value
        if -_INT64 <= value < _INT64 or (not sign and value < 2 * _INT64):
            return value
    if _YAML_FLOAT.match(plain):
        value = float(plain)
        if not math.isinf(value):
            return value
    return text


def _timestamp(text: str) -> str | None:
    if len(text) < 8 or text[4] != "-":
        return None
    match = _TIMESTAMP.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone, s_hour, s_minute, s_second, s_fraction = match.groups()
    if hour is None:
        hour, minute, second, fraction = s_hour, s_minute, s_second, s_fraction
    try:
        stamp = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    digits = (fraction or ".")[1:10].rstrip("0")
    rendered = stamp.strftime("%Y-%m-%dT%H:%M:%S") + (f".{digits}" if digits else "")
    if zone is None or zone == "Z" or zone in ("+00:00", "-00:00"):
        return rendered + "Z"
    return rendered + zone


def _explicit(tag: str, value: str, mark: Any, file: str) -> Any:
    """A scalar with an explicit tag: go-yaml's resolve() checks the text fits the tag."""
    if tag == "!" or tag in (RESET_TAG, OVERRIDE_TAG):
        return value
    short = tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else None
    if short == "str":
        return value
    if short == "null":
        return None
    if short == "binary":
        try:
            return base64.b64decode("".join(value.split()), validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            raise _error(f"cannot decode !!binary `{value}`", file, mark) from None
    if short in ("int", "float", "bool", "timestamp"):
        resolved = _timestamp(value) if short == "timestamp" else resolve_plain(value)
        if short == "timestamp" and resolved is None:
            resolved = value
        if short == "float" and type(resolved) is int:
            return float(resolved)
        expected = {"int": int, "float": float, "bool": bool, "timestamp": str}[short]
        if type(resolved) is expected and (short != "timestamp" or resolved is not value):
            return resolved
        raise _error(f"cannot decode `{value}` as a !!{short}", file, mark)
    raise _error(f"unsupported YAML tag {tag} (dockyard knows !reset, !override and the standard !! tags)", file, mark)


# ---------------------------------------------------------------- events -> documents

def _error(message: str, file: str, mark: Any, path: PathKey | None = None) -> YAMLError:
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return YAMLError(message, file=file, line=line, column=column, path=list(path) if path else None)


def _documents(text: str, file: str) -> Iterator[tuple[list, list[int], dict[int, int]]]:
    """Split the event stream into documents; per document: events, end index of each node, alias targets."""
    try:
        yield from _scan(yaml.CSafeLoader(text), file)
    except yaml.MarkedYAMLError as exc:
        raise _error(exc.problem or "invalid YAML", file, exc.problem_mark) from None
    except yaml.YAMLError as exc:
        raise YAMLError(str(exc).splitlines()[0], file=file) from None


def _scan(parser: Any, file: str) -> Iterator[tuple[list, list[int], dict[int, int]]]:
    try:
        events: list = []
        ends: list[int] = []
        aliases: dict[int, int] = {}
        anchors: dict[str, int] = {}
        open_nodes: list[int] = []
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is ScalarEvent or kind is AliasEvent:
                index = len(events)
                events.append(event)
                ends.append(index)
                if kind is AliasEvent:
                    target = anchors.get(event.anchor)
                    if target is None:
                        raise _error(f"unknown anchor '{event.anchor}' referenced", file, event.start_mark)
                    aliases[index] = target
                elif event.anchor is not None:
                    anchors[event.anchor] = index
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                index = len(events)
                events.append(event)
                ends.append(-1)
                open_nodes.append(index)
                if len(open_nodes) > MAX_DEPTH:
                    raise _error(f"exceeded max depth of {MAX_DEPTH}", file, event.start_mark)
                if event.anchor is not None:
                    anchors[event.anchor] = index
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                ends[open_nodes.pop()] = len(events) - 1
            elif kind is DocumentStartEvent:
                events, ends, aliases, anchors = [], [], {}, {}
            elif kind is DocumentEndEvent:
                yield events, ends, aliases
            elif kind is StreamEndEvent:
                return
            elif kind is not StreamStartEvent:  # pragma: no cover - libyaml emits nothing else
                raise YAMLError(f"unexpected YAML event {kind.__name__}", file=file)
    finally:
        parser.dispose()


def _build_document(events: list, ends: list[int], aliases: dict[int, int], file: str) -> ParsedFile:
    builder = _Builder(events, ends, aliases, file)
    root = events[0]
    if type(root) is not MappingStartEvent and not (type(root) is AliasEvent and type(events[aliases[0]]) is MappingStartEvent):
        raise _error("Top-level object must be a mapping", file, root.start_mark)
    try:
        data = builder.node(0, ())
    except RecursionError:
        raise _error("document is nested too deeply", file, root.start_mark) from None
    return ParsedFile(file, data, _Positions(file, builder.positions), frozenset(builder.resets), frozenset(builder.overrides))


class _Positions(Mapping):
    """Path -> Location, built lazily: a large file has tens of thousands of entries, most never read."""

    __slots__ = ("_file", "_raw")

    def __init__(self, file: str, raw: dict[PathKey, tuple[int, int]]) -> None:
        self._file = file
        self._raw = raw

    def __getitem__(self, path: PathKey) -> Location:
        line, column = self._raw[path]
        return Location(self._file, line, column)

    def __contains__(self, path: object) -> bool:
        return path in self._raw

    def __iter__(self) -> Iterator[PathKey]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _go_repr(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _alias_ratio_allowed(decoded: int) -> float:
    """go-yaml v3's allowedAliasRatio: share of alias-expanded nodes tolerated at a given size."""
    if decoded <= 400_000:
        return 0.99
    if decoded >= 4_000_000:
        return 0.10
    return 0.99 - 0.89 * (decoded - 400_000) / 3_600_000


class _Builder:
    """Turns one document's events into data, positions and !reset/!override paths."""

    def __init__(self, events: list, ends: list[int], aliases: dict[int, int], file: str) -> None:
        self.events = events
        self.ends = ends
        self.aliases = aliases
        self.file = file
        self.positions: dict[PathKey, tuple[int, int]] = {}
        self.resets: set[PathKey] = set()
        self.overrides: set[PathKey] = set()
        self.decoded = 0
        self.alias_decoded = 0
        self.alias_depth = 0
        self.depth = 0
        self.building: dict[int, PathKey] = {}

    def node(self, index: int, path: PathKey) -> Any:
        event = self.events[index]
        kind = type(event)
        self.decoded += 1
        if self.alias_depth:
            self.alias_decoded += 1
            if self.alias_decoded > 100 and self.decoded > 1000 and (
                self.alias_decoded / self.decoded > _alias_ratio_allowed(self.decoded)
            ):
                raise _error("document contains excessive aliasing", self.file, event.start_mark, path)
        if kind is ScalarEvent:
            if event.tag is None:
                return resolve_plain(event.value) if not event.style else event.value
            return _explicit(event.tag, event.value, event.start_mark, self.file)
        if kind is AliasEvent:
            return self.alias(index, path)
        if event.tag is not None and event.tag not in (RESET_TAG, OVERRIDE_TAG, _YAML_TAG + "map", _YAML_TAG + "seq"):
            _explicit(event.tag, "", event.start_mark, self.file)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(f"exceeded max depth of {MAX_DEPTH}", self.file, event.start_mark, path)
        anchored = event.anchor is not None
        if anchored:
            self.building[index] = path
        try:
            return self.mapping(index, path) if kind is MappingStartEvent else self.sequence(index, path)
        finally:
            self.depth -= 1
            if anchored:
                del self.building[index]

    def alias(self, index: int, path: PathKey) -> Any:
        target = self.aliases[index]
        if target in self.building:
            raise _error(
                f"cycle detected: node at path {_dotted(path)} references node at path {_dotted(self.building[target])}",
                self.file, self.events[index].start_mark, path,
            )
        self.alias_depth += 1
        try:
            return self.node(target, path)
        finally:
            self.alias_depth -= 1

    def tag_of(self, index: int) -> str | None:
        event = self.events[index]
        return None if type(event) is AliasEvent else event.tag

    def record(self, index: int, path: PathKey) -> bool:
        """Note position and merge-control tag of the node at ``index``; False if it is !reset (skip it)."""
        mark = self.events[index].start_mark
        tag = self.tag_of(index)
        if tag == RESET_TAG:
            self.resets.add(path)
            return False
        if tag == OVERRIDE_TAG:
            self.overrides.add(path)
        self.positions[path] = (mark.line + 1, mark.column + 1)
        return True

    def sequence(self, start: int, path: PathKey) -> list:
        items: list = []
        ends = self.ends
        index = start + 1
        end = ends[start]
        original = 0
        while index <= end:
            if self.tag_of(index) == RESET_TAG:
                self.resets.add(path + (original,))
            else:
                item_path = path + (len(items),)
                self.record(index, item_path)
                items.append(self.node(index, item_path))
            original += 1
            index = ends[index] + 1
        return items

    def mapping(self, start: int, path: PathKey) -> dict:
        ends = self.ends
        events = self.events
        pairs: list[tuple[str, int]] = []
        merges: list[int] = []
        seen: dict[str, int] = {}
        index = start + 1
        end = ends[start]
        while index <= end:
            key_index = index
            value_index = ends[key_index] + 1
            index = ends[value_index] + 1
            key_event = events[key_index]
            if type(key_event) is ScalarEvent:
                raw = key_event.value
                if raw in seen:
                    raise _error(f"mapping key {json.dumps(raw, ensure_ascii=False)} already defined at line {seen[raw]}",
                                 self.file, key_event.start_mark, path)
                seen[raw] = key_event.start_mark.line + 1
                if raw == "<<" and not key_event.style and key_event.tag in (None, "!", _YAML_TAG + "merge"):
                    merges.append(value_index)
                    continue
            pairs.append((self.key(key_index, path), value_index))
        result: dict = {}
        for value_index in merges:
            result.update(self.merge_sources(value_index, path))
        for key, value_index in pairs:
            key_path = path + (key,)
            if self.record(value_index, key_path):
                result[key] = self.node(value_index, key_path)
            else:
                result.pop(key, None)
        return result

    def key(self, index: int, path: PathKey) -> str:
        event = self.events[index]
        if type(event) is not ScalarEvent and not (type(event) is AliasEvent and type(self.events[self.aliases[index]]) is ScalarEvent):
            raise _error(f"invalid map key in {_dotted(path) or 'top level'}: keys must be scalars", self.file, event.start_mark, path)
        value = self.node(index, path)
        if isinstance(value, str) and not (type(event) is ScalarEvent and not event.style and event.tag is None and _looks_like_timestamp(event.value)):
            return value
        where = f"in {_dotted_go(path)}" if path else "at top level"
        raise _error(f"non-string key {where}: {_go_repr(value)}", self.file, event.start_mark, path)

    def merge_sources(self, value_index: int, path: PathKey) -> dict:
        """``<<: *a`` or ``<<: [*a, *b]``: earlier sources win, explicit keys (applied later) win over all."""
        target = self.aliases.get(value_index, value_index)
        kind = type(self.events[target])
        if kind is MappingStartEvent:
            return self.node(value_index, path)
        if kind is SequenceStartEvent:
            merged: dict = {}
            item = target + 1
            items = []
            while item <= self.ends[target]:
                items.append(item)
                item = self.ends[item] + 1
            for item in reversed(items):
                if type(self.events[self.aliases.get(item, item)]) is not MappingStartEvent:
                    break
                merged.update(self.node(item, path))
            else:
                return merged
        raise _error("map merge requires map or sequence of maps as the value", self.file, self.events[value_index].start_mark, path)


def _looks_like_timestamp(text: str) -> bool:
    return len(text) >= 8 and text[0].isdigit() and _timestamp(text) is not None


def _dotted(path: PathKey) -> str:
    return ".".join(str(part) for part in path)


def _dotted_go(path: PathKey) -> str:
    """compose-go's convertToStringKeysRecursive prefix: ``services.web.ports[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out

