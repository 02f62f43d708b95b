"""Env-secret values never leave Secret objects: markers in, ``secretKeyRef`` out.

``render.py`` interpolates every env-secret KEY as an opaque marker (private-use characters
around the key), so the loaded model carries references, never values. This module finds those
markers and turns each into the one Kubernetes construct that keeps the value in the Secret:

- a whole env value                 → ``valueFrom.secretKeyRef`` (Secret ``env-secret``, that key)
- inside a longer env value, or in entrypoint/command → a secretKeyRef helper variable defined
  first, then ``$(VAR)`` expansion; the user's own ``$`` are escaped so Kubernetes leaves them
- in a CMD-SHELL healthcheck        → the helper variable, read by the shell (``${VAR}``)
- anywhere else                     → ``TranslationError`` naming the compose path (see ``scan``)
"""

from __future__ import annotations

import dataclasses
import gc
import re
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, compress
from types import MappingProxyType
from typing import Any

OPEN = "\ue000"
CLOSE = "\ue001"
ENV_SECRET = "env-secret"  # the Secret holding an environment's secret values (namespace env-NAME)
HELPER_PREFIX = "DOCKYARD_SECRET_"
_MARKER = re.compile(f"{OPEN}([^{OPEN}{CLOSE}]*){CLOSE}")


def marker(key: str) -> str:
    return f"{OPEN}{key}{CLOSE}"


def has_marker(text: str) -> bool:
    return OPEN in text


def keys_in(text: str) -> list[str]:
    return _MARKER.findall(text)


def unmark(text: str) -> str:
    """For messages: markers shown as the ``${KEY}`` the user wrote, never anything else."""
    return _MARKER.sub(lambda m: "${" + m.group(1) + "}", text).replace(OPEN, "").replace(CLOSE, "")


def whole_key(text: str) -> str | None:
    """The key when ``text`` is exactly one marker."""
    match = _MARKER.fullmatch(text)
    return match.group(1) if match else None


def helper_name(key: str) -> str:
    return HELPER_PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", key)


def misplaced(keys: Iterable[str]) -> str:
    """The message for env-secret keys used where no Secret reference can go."""
    return (f"env-secret {', '.join(keys) or '?'} cannot be used here: secret values only go into environment, "
            "entrypoint/command and CMD-SHELL healthchecks (they stay in the Secret)")


def secret_key_ref(key: str) -> dict[str, Any]:
    return {"secretKeyRef": {"name": ENV_SECRET, "key": key}}


def escape_expansion(text: str) -> str:
    """Make Kubernetes ``$(VAR)`` expansion leave ``text`` as written (``$`` → ``$$`` when needed)."""
    return text.replace("$", "$$") if "$(" in text or "$$" in text else text


class SecretEnv:
    """Env entries for one container: helper variables first, then the user's, secrets by reference."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self._helpers: set[str] = set()

    def _helper(self, key: str) -> str:
        self.used.add(key)
        self._helpers.add(key)
        return helper_name(key)

    def env_var(self, name: str, value: str) -> dict[str, Any]:
        # every env value of every service comes through here: most hold no marker, so no regex runs
        if not has_marker(value):
            return {"name": name, "value": escape_expansion(value)}
        key = whole_key(value)
        if key is not None:
            self.used.add(key)
            return {"name": name, "valueFrom": secret_key_ref(key)}
        return {"name": name, "value": self.expandable(value)}

    def expandable(self, text: str) -> str:
        """A string Kubernetes expands (env value, command, args) with secrets as ``$(HELPER)``."""
        if not has_marker(text):
            return escape_expansion(text)
        pieces = _MARKER.split(text)  # literal, key, literal, key, ..., literal
        out = []
        for index, piece in enumerate(pieces):
            out.append(f"$({self._helper(piece)})" if index % 2 else piece.replace("$", "$$"))
        return "".join(out)

    def shell(self, text: str) -> str:
        """A shell command string with secrets read from the helper variables."""
        if not has_marker(text):
            return text
        return _MARKER.sub(lambda m: "${" + self._helper(m.group(1)) + "}", text)

    def helpers(self) -> list[dict[str, Any]]:
        return [{"name": helper_name(k), "valueFrom": secret_key_ref(k)} for k in sorted(self._helpers)]


_COMPOSE_KEYS = {"env_files": "env_file", "values": "values"}  # model field -> compose key, where they differ


_SHAPES: dict[type, tuple[str, tuple[str, ...]]] = {}  # type -> (shape, dataclass field names)
_SEQUENCES = (tuple, list, frozenset, set)


def _shape(kind: type) -> tuple[str, tuple[str, ...]]:
    shape = _SHAPES.get(kind)
    if shape is None:
        if kind is str:
            shape = ("str", ())
        elif issubclass(kind, (int, float, bytes, type(None))):
            shape = ("atom", ())
        elif dataclasses.is_dataclass(kind):
            shape = ("dataclass", tuple(f.name for f in dataclasses.fields(kind) if f.compare))
        elif issubclass(kind, Mapping):
            shape = ("mapping", ())
        elif issubclass(kind, _SEQUENCES):
            shape = ("sequence", ())
        else:
            shape = ("atom", ())
        _SHAPES[kind] = shape
    return shape


def _marked(text: str) -> bool:
    return OPEN in text or CLOSE in text


def contains_marker(value: Any, skip: frozenset[str] = frozenset()) -> bool:
    """Whether any string under ``value`` holds a marker (``skip``: top-level dataclass fields to ignore).

    The fast yes/no twin of ``scan``, which only runs to locate what this found. Empty and
    atomic fields are passed over without a call; a dataclass's own strings, and collections of
    strings, are joined and searched in one C-level pass.
    """
    kind = type(value)
    if kind is str:
        return _marked(value)
    shape, names = _SHAPES.get(kind) or _shape(kind)
    if shape == "dataclass":
        strings = []
        for name in names:
            if name in skip:
                continue
            item = getattr(value, name)
            if not item:
                continue
            if type(item) is str:
                strings.append(item)
            elif contains_marker(item):
                return True
        return _marked("".join(strings))
    if shape == "mapping":
        try:
            return _marked("".join(value)) or _marked("".join(value.values()))
        except TypeError:
            return any(contains_marker(k) or contains_marker(v) for k, v in value.items())
    if shape == "sequence":
        try:
            return _marked("".join(value))
        except TypeError:
            return any(contains_marker(item) for item in value)
    return False


# How ``any_marker`` treats instances of each type it met (decided once per type, see ``_learn``).
_STRINGS = frozenset({str})
_DICTS = frozenset({dict})
_WALKED: set[type] = {dict, MappingProxyType, tuple, list, frozenset, set}  # gc.get_referents lists their contents
_CALLED: set[type] = set()  # other mappings and sequences, str subclasses, plain dataclasses: contains_marker
_KNOWN: set[type] = {str, int, float, bool, bytes, type(None), type} | _WALKED
_MAX_DEPTH = 64


def _learn(kinds: set[type]) -> None:
    for kind in kinds:
        if issubclass(kind, (int, float, bytes, type)):
            pass
        elif dataclasses.is_dataclass(kind) and "__slots__" in vars(kind):
            _WALKED.add(kind)  # get_referents lists its slot values (and its class, skipped)
        else:
            _CALLED.add(kind)
        _KNOWN.add(kind)


def _called(item: Any) -> bool:
    return _marked(item) if isinstance(item, str) else contains_marker(item)


def any_marker(values: Iterable[Any]) -> bool:
    """Whether any string under any of ``values`` may hold a marker: ``contains_marker`` for many
    values at once (every field of every service, on each render).

    Breadth-first, one level of the whole forest at a time, with no Python step per object:
    ``gc.get_referents`` lists the children of every container of a level in one C call (a
    slotted dataclass's slot values, a tuple's items, a dict's values), ``filter`` drops the
    empty ones, ``compress`` sorts them by type, and each level's strings are joined and searched
    at once. Dict keys, which ``get_referents`` leaves out when they are all strings, are added.
    It may answer yes where ``contains_marker`` says no (it also reads ``compare=False`` fields,
    and too deep a forest is a yes): a yes only means the exact walk runs.
    """
    level = list(filter(None, values))
    for _ in range(_MAX_DEPTH):
        if not level:
            return False
        types = list(map(type, level))
        kinds = set(types)
        if not kinds <= _KNOWN:
            _learn(kinds - _KNOWN)
        if _marked("".join(compress(level, map(_STRINGS.__contains__, types)))):
            return True
        if not _CALLED.isdisjoint(kinds) and any(map(_called, compress(level, map(_CALLED.__contains__, types)))):
            return True
        walked = list(compress(level, map(_WALKED.__contains__, types)))
        children = list(filter(None, gc.get_referents(*walked)))
        if dict in kinds:
            children += chain.from_iterable(compress(level, map(_DICTS.__contains__, types)))
        level = children
    return True


def scan(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every (compose path, string) under ``value`` that holds a marker (dataclasses, mappings, sequences)."""
    if isinstance(value, str):
        if _marked(value):
            yield path, value
    elif isinstance(value, bytes | bytearray | int | float | bool) or value is None:
        return
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if f.compare is False:
                continue
            yield from scan(getattr(value, f.name), (*path, _COMPOSE_KEYS.get(f.name, f.name)))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from scan(key, (*path, str(key)))
            yield from scan(item, (*path, str(key)))
    elif isinstance(value, tuple | list | frozenset | set):
        for index, item in enumerate(value):
            yield from scan(item, (*path, index))
