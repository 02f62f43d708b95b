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
import re
from collections.abc import Iterable, Iterator, Mapping
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
        return OPEN in value or CLOSE in value
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


def scan(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every (compose path, string) under ``value`` that holds a marker (dataclasses, mappings, sequences)."""
    if isinstance(value, str):
        if OPEN in value or CLOSE in value:
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
