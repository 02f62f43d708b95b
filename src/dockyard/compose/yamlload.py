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
import gc
import json
import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
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

from dockyard.compose.location import Location
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
    with _gc_paused():
        documents = _Builder(_events(text, file), file).documents()
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
    special = _SPECIAL.get(text, text)
    if special is not text:
        return special
    first = text[0]
    if first in _DIGITS:
        # Compose files are full of durations and sizes (30s, 1m, 512M) and small ints: neither
        # needs the timestamp and number regexes.
        if text[-1] in _NEVER_LAST_OF_NUMBER:
            return text
        if first != "0" and len(text) < 19 and text.isdigit() and text.isascii():
            return int(text)
        stamp = _timestamp(text)
        if stamp is not None:
            return stamp
        return _number(text)
    if first == ".":
        return float(text) if _DOT_FLOAT.match(text) else text
    if first in "+-":
        return _number(text)
    return text


_DIGITS = frozenset("0123456789")
_NEVER_LAST_OF_NUMBER = frozenset("ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXY")
"""Letters that end no int (hex digits are a-f), float or timestamp (which may end in ``Z``)."""


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


def _events(text: str, file: str) -> list:
    """All parser events of the stream, pulled in chunks.

    libyaml's parser is iterative (no crash on hostile nesting) but quadratic in nesting depth, so
    the running depth is checked after every chunk: deep input stops after a few thousand levels.
    """
    parser = yaml.CSafeLoader(text)
    pull = iter(parser.get_event, None)
    events: list = []
    depth = 0
    try:
        while chunk := list(islice(pull, _CHUNK)):
            events += chunk
            depth += sum(map(_DEPTH_STEP.__getitem__, map(type, chunk)))
            if depth > MAX_DEPTH:
                raise _error(f"exceeded max depth of {MAX_DEPTH}", file, chunk[-1].start_mark)
        return events
    except yaml.MarkedYAMLError as exc:
        raise _error(exc.problem or "invalid YAML", file, exc.problem_mark) from None
    except yaml.YAMLError as exc:
        raise YAMLError(str(exc).splitlines()[0], file=file) from None
    finally:
        parser.dispose()


_CHUNK = 2048
_DEPTH_STEP = {
    MappingStartEvent: 1, SequenceStartEvent: 1, MappingEndEvent: -1, SequenceEndEvent: -1,
    ScalarEvent: 0, AliasEvent: 0, StreamStartEvent: 0, StreamEndEvent: 0, DocumentStartEvent: 0, DocumentEndEvent: 0,
}


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building tens of thousands of containers triggers the cyclic GC over and over; none are garbage yet."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Positions(Mapping):
    """Path -> Location, built lazily: a large file has tens of thousands of entries, most never read."""

    __slots__ = ("_file", "_raw")

    def __init__(self, file: str, raw: dict[PathKey, Any]) -> None:
        self._file = file
        self._raw = raw

    def __getitem__(self, path: PathKey) -> Location:
        mark = self._raw[path]
        return Location(self._file, mark.line + 1, mark.column + 1)

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


_NON_STRING_STARTS = frozenset("0123456789+-.<")
"""First characters of plain scalars that may be numbers, timestamps or ``<<`` (words are checked in _SPECIAL):
any other plain scalar that is not in _SPECIAL is a string, without calling resolve_plain."""

_COLLECTION_TAGS = (None, RESET_TAG, OVERRIDE_TAG, _YAML_TAG + "map", _YAML_TAG + "seq")


class _Builder:
    """Walks the event list with a cursor; an alias replays its anchor's events at the alias's path.

    ``sequence`` and ``mapping`` run once per item of the whole file: they keep the cursor and the
    count of decoded nodes in locals (written back to ``self`` around any call that reads them) and
    take a plain untagged scalar inline, and open an untagged, unanchored collection themselves
    (``node``'s depth check without its alias, tag and anchor work).
    """

    def __init__(self, events: list, file: str) -> None:
        self.events = events
        self.file = file
        self.pos = 0

    def documents(self) -> list[ParsedFile]:
        events = self.events
        documents = []
        self.pos = 1  # after StreamStartEvent
        while type(events[self.pos]) is DocumentStartEvent:
            self.pos += 1
            documents.append(self.document())
            self.pos += 1  # DocumentEndEvent
        return documents

    def document(self) -> ParsedFile:
        self.positions: dict[PathKey, Any] = {}  # path -> libyaml mark (0-based), made a Location on lookup
        self.resets: set[PathKey] = set()
        self.overrides: set[PathKey] = set()
        self.anchors: dict[str, int] = {}
        self.building: dict[int, PathKey] = {}
        self.decoded = 0
        self.alias_decoded = 0
        self.alias_depth = 0
        self.depth = 0
        root = self.events[self.pos]
        if type(root) is not MappingStartEvent:
            raise _error("top-level object must be a mapping", self.file, root.start_mark)
        try:
            data = self.node(())
        except RecursionError:
            raise _error("document is nested too deeply", self.file, root.start_mark) from None
        return ParsedFile(self.file, data, _Positions(self.file, self.positions),
                          frozenset(self.resets), frozenset(self.overrides))

    def node(self, path: PathKey) -> Any:
        index = self.pos
        event = self.events[index]
        self.pos = index + 1
        kind = type(event)
        self.decoded += 1
        if self.alias_depth:
            self.count_alias(event, path)
        if kind is ScalarEvent:
            if event.anchor is not None and not self.alias_depth:
                self.anchors[event.anchor] = index
            if event.tag is None:
                return resolve_plain(event.value) if not event.style else event.value
            return _explicit(event.tag, event.value, event.start_mark, self.file)
        if kind is AliasEvent:
            return self.alias(event, path)
        if event.tag not in _COLLECTION_TAGS:
            _explicit(event.tag, "", event.start_mark, self.file)
        anchor = event.anchor
        if anchor is not None:
            if not self.alias_depth:
                self.anchors[anchor] = index
            self.building[index] = path
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(f"exceeded max depth of {MAX_DEPTH}", self.file, event.start_mark, path)
        try:
            return self.mapping(path) if kind is MappingStartEvent else self.sequence(path)
        finally:
            self.depth -= 1
            if anchor is not None:
                del self.building[index]

    def count_alias(self, event: Any, path: PathKey) -> None:
        self.alias_decoded += 1
        if self.alias_decoded > 100 and self.decoded > 1000 and (
            self.alias_decoded / self.decoded > _alias_ratio_allowed(self.decoded)
        ):
            raise _error("document contains excessive aliasing", self.file, event.start_mark, path)

    def target(self, event: Any) -> int:
        target = self.anchors.get(event.anchor)
        if target is None:
            raise _error(f"unknown anchor '{event.anchor}' referenced", self.file, event.start_mark)
        return target

    def alias(self, event: Any, path: PathKey) -> Any:
        target = self.target(event)
        if target in self.building:
            # compose-go notices the cycle one expansion later: path + (path relative to the anchor)
            deeper = path + path[len(self.building[target]):]
            raise _error(f"cycle detected: node at path {_dotted(deeper)} references node at path {_dotted(path)}",
                         self.file, event.start_mark, path)
        resume = self.pos
        self.pos = target
        self.alias_depth += 1
        try:
            return self.node(path)
        finally:
            self.alias_depth -= 1
            self.pos = resume

    def skip(self) -> None:
        """Step over a !reset node, still noting its anchors (aliases elsewhere may use them)."""
        depth = 0
        events = self.events
        while True:
            event = events[self.pos]
            kind = type(event)
            if kind is MappingStartEvent or kind is SequenceStartEvent:
                depth += 1
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                depth -= 1
            if kind is not AliasEvent and kind is not MappingEndEvent and kind is not SequenceEndEvent:
                if event.anchor is not None and not self.alias_depth:
                    self.anchors[event.anchor] = self.pos
            self.pos += 1
            if depth == 0:
                return

    def sequence(self, path: PathKey) -> list:
        items: list = []
        events = self.events
        positions = self.positions
        replaying = self.alias_depth
        pos = synced = self.pos  # events after ``synced`` were taken by the inline paths (one node each)
        resets = 0
        while True:
            event = events[pos]
            kind = type(event)
            if kind is ScalarEvent:
                if event.tag is None and event.anchor is None and not replaying:
                    pos += 1
                    positions[path + (len(items),)] = event.start_mark
                    value = event.value
                    items.append(value if event.style or (value and value[0] not in _NON_STRING_STARTS and value not in _SPECIAL) else resolve_plain(value))
                    continue
            elif kind is SequenceEndEvent:
                self.pos = pos + 1
                self.decoded += pos - synced
                return items
            elif kind is not AliasEvent and event.tag is None and event.anchor is None and not replaying:
                item_path = path + (len(items),)
                positions[item_path] = event.start_mark
                self.pos = pos + 1
                self.decoded += pos - synced + 1
                depth = self.depth = self.depth + 1
                if depth > MAX_DEPTH:
                    raise _error(f"exceeded max depth of {MAX_DEPTH}", self.file, event.start_mark, item_path)
                items.append(self.mapping(item_path) if kind is MappingStartEvent else self.sequence(item_path))
                self.depth = depth - 1
                pos = synced = self.pos
                continue
            self.pos = pos
            self.decoded += pos - synced
            tag = events[self.target(event)].tag if kind is AliasEvent else event.tag
            if tag == RESET_TAG:
                self.resets.add(path + (len(items) + resets,))
                resets += 1
                self.skip()
            else:
                item_path = path + (len(items),)
                if tag == OVERRIDE_TAG:
                    self.overrides.add(item_path)
                positions[item_path] = event.start_mark
                items.append(self.node(item_path))
            pos = synced = self.pos

    def mapping(self, path: PathKey) -> dict:
        result: dict = {}
        events = self.events
        positions = self.positions
        seen: dict[str, Any] = {}  # key -> its mark, for the duplicate-key error
        replaying = self.alias_depth
        pos = synced = self.pos  # events after ``synced`` were taken by the inline paths (one node each)
        while True:
            event = events[pos]
            kind = type(event)
            if kind is ScalarEvent:
                raw = event.value
                if raw in seen:
                    raise _error(f"mapping key {json.dumps(raw, ensure_ascii=False)} already defined at line {seen[raw].line + 1}",
                                 self.file, event.start_mark, path)
                seen[raw] = event.start_mark
                if event.tag is None and event.anchor is None and not replaying and (
                    event.style or (raw and raw[0] not in _NON_STRING_STARTS and raw not in _SPECIAL)
                ):
                    key = raw  # the common case: a plain word or a quoted key
                    pos += 1
                else:
                    self.pos = pos
                    self.decoded += pos - synced
                    if raw == "<<" and not event.style and event.tag in (None, "!", _YAML_TAG + "merge"):
                        self.pos += 1
                        self.merge(result, path)
                        pos = synced = self.pos
                        continue
                    key = self.key(path)
                    pos = synced = self.pos
            elif kind is MappingEndEvent:
                self.pos = pos + 1
                self.decoded += pos - synced
                return result
            else:
                self.pos = pos
                self.decoded += pos - synced
                key = self.key(path)
                pos = synced = self.pos
            value_path = path + (key,)
            event = events[pos]
            kind = type(event)
            if kind is ScalarEvent:
                if event.tag is None and event.anchor is None and not replaying:
                    pos += 1
                    positions[value_path] = event.start_mark
                    value = event.value
                    result[key] = value if event.style or (value and value[0] not in _NON_STRING_STARTS and value not in _SPECIAL) else resolve_plain(value)
                    continue
            elif kind is not AliasEvent and event.tag is None and event.anchor is None and not replaying:
                positions[value_path] = event.start_mark
                self.pos = pos + 1
                self.decoded += pos - synced + 1
                depth = self.depth = self.depth + 1
                if depth > MAX_DEPTH:
                    raise _error(f"exceeded max depth of {MAX_DEPTH}", self.file, event.start_mark, value_path)
                result[key] = self.mapping(value_path) if kind is MappingStartEvent else self.sequence(value_path)
                self.depth = depth - 1
                pos = synced = self.pos
                continue
            self.pos = pos
            self.decoded += pos - synced
            tag = events[self.target(event)].tag if kind is AliasEvent else event.tag
            if tag == RESET_TAG:
                self.resets.add(value_path)
                self.skip()
                result.pop(key, None)
            else:
                if tag == OVERRIDE_TAG:
                    self.overrides.add(value_path)
                positions[value_path] = event.start_mark
                result[key] = self.node(value_path)
            pos = synced = self.pos

    def key(self, path: PathKey) -> str:
        event = self.events[self.pos]
        kind = type(event)
        if kind is AliasEvent:
            kind = type(self.events[self.target(event)])
        if kind is not ScalarEvent:
            raise _error(f"invalid map key in {_dotted(path) or 'top level'}: keys must be scalars",
                         self.file, event.start_mark, path)
        value = self.node(path)
        plain_timestamp = type(event) is ScalarEvent and not event.style and event.tag is None and _looks_like_timestamp(event.value)
        if isinstance(value, str) and not plain_timestamp:
            return value
        where = f"in {_dotted_go(path)}" if path else "at top level"
        raise _error(f"non-string key {where}: {_go_repr(value)}", self.file, event.start_mark, path)

    def merge(self, result: dict, path: PathKey) -> None:
        """``<<: *a`` / ``<<: [*a, *b]`` / ``<<: *list``: keys already present (explicit or earlier source) win."""
        event = self.events[self.pos]
        if type(event) is AliasEvent:
            start = self.target(event)
            kind = type(self.events[start])
            if kind is SequenceStartEvent:
                resume = self.pos + 1
                self.pos = start
                self.alias_depth += 1
                try:
                    self.merge_sequence(result, path)
                finally:
                    self.alias_depth -= 1
                    self.pos = resume
                return
        else:
            kind = type(event)
            if kind is SequenceStartEvent:
                self.merge_sequence(result, path)
                return
        if kind is not MappingStartEvent:
            raise _error("map merge requires map or sequence of maps as the value", self.file, event.start_mark, path)
        self.merge_one(result, path)

    def merge_sequence(self, result: dict, path: PathKey) -> None:
        self.pos += 1
        while type(self.events[self.pos]) is not SequenceEndEvent:
            item = self.events[self.pos]
            kind = type(self.events[self.target(item)]) if type(item) is AliasEvent else type(item)
            if kind is not MappingStartEvent:
                raise _error("map merge requires map or sequence of maps as the value", self.file, item.start_mark, path)
            self.merge_one(result, path)
        self.pos += 1

    def merge_one(self, result: dict, path: PathKey) -> None:
        positions = self.positions
        self.positions = {}
        try:
            source = self.node(path)
            merged_positions = self.positions
        finally:
            self.positions = positions
        depth = len(path)
        added = [key for key in source if key not in result]  # in the source's order: a set's order varies per process
        for key in added:
            result[key] = source[key]
        added = set(added)
        for where, mark in merged_positions.items():
            if where[depth] in added:
                positions[where] = mark


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

