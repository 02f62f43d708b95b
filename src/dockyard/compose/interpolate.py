"""Substitute ``${...}`` in every string value of a Compose tree, then cast by path.

compose-go's ``interpolation.Interpolate``: keys are never interpolated, only string values; a value
found at a path of the cast table (``services.*.deploy.replicas``, ...) is converted after
substitution. Cast patterns are compiled into a small deterministic automaton walked alongside the
data, so a large file costs one dictionary lookup per node rather than one pattern match per node and
pattern.

Errors keep the reference's wording (``error while interpolating services.web.environment.X: ...``
and ``invalid interpolation format for ...``) and add file, line and column from the YAML positions.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from typing import Any

from dockyard.compose.location import Location
from dockyard.compose.template import Lookup, substitute_with_unset
from dockyard.compose.tree import ANY_INDEX, ANY_KEY, SEP, linked
from dockyard.errors import ComposeErrors, InterpolationError, InvalidTemplateError, MissingRequiredError

__all__ = ["interpolate"]

Cast = Callable[[str], Any]
_CAST = object()  # trie slot holding the cast of a complete pattern


def interpolate(
    data: Any,
    lookup: Lookup,
    *,
    casts: Mapping[str, Cast],
    file: str,
    positions: Mapping[tuple, Location],
    on_unset: Callable[[str], None] | None = None,
    in_place: bool = False,
) -> Any:
    """A new tree with every string value substituted and cast; ``data`` is left untouched.

    ``in_place``: substitute into ``data``'s own containers instead, for a caller that owns the
    tree (the loader): no copy to build, and no original to free afterwards (about 35 ms of a
    1,000-service file). Every value that cannot be substituted is reported, not only the first
    (``ComposeErrors`` when there are several, in document order).
    """
    walker = _Walker(lookup, file, positions, on_unset, in_place)
    was_enabled = gc.isenabled()
    gc.disable()  # the copy is all new containers, none garbage: spare the cyclic GC its repeated scans
    try:
        result = walker.value(data, None, _automaton(casts))
    finally:
        if was_enabled:
            gc.enable()
    if walker.errors:
        raise walker.errors[0] if len(walker.errors) == 1 else ComposeErrors(walker.errors)
    return result


def _compile(casts: Mapping[str, Cast]) -> dict:
    trie: dict = {}
    for pattern, cast in casts.items():
        node = trie
        for part in pattern.split(SEP):
            node = node.setdefault(part, {})
        node.setdefault(_CAST, cast)
    return trie


def _step(states: list[dict], part: Any) -> list[dict]:
    following = []
    for state in states:
        exact = state.get(part)
        if exact is not None:
            following.append(exact)
        if part != ANY_KEY:
            wildcard = state.get(ANY_KEY)
            if wildcard is not None:
                following.append(wildcard)
    return following


class _State:
    """Where a path can be in the cast trie (several nodes at once: ``ulimits.*`` and ``ulimits.*.soft``
    patterns overlap), with the next state of every key precomputed: the walker steps with one
    dictionary lookup per node, and a subtree no cast pattern reaches has no state at all (``None``)."""

    __slots__ = ("children", "other", "cast")

    children: dict[Any, _State | None]  # key (or ANY_INDEX for a list item) -> next state
    other: _State | None  # the next state of any other key (the wildcards only)
    cast: Cast | None


_NO_KEY = object()  # equal to no pattern segment: stepping with it follows the wildcards only
_automata: dict[int, tuple[Mapping[str, Cast], _State | None]] = {}  # id(casts) -> (casts, its automaton)
_AUTOMATA_KEPT = 16  # the loader uses one table; a caller making a table per call must not grow this forever


def _automaton(casts: Mapping[str, Cast]) -> _State | None:
    """The cast trie of ``casts`` as a deterministic automaton (built once per casts table)."""
    known = _automata.get(id(casts))
    if known is not None and known[0] is casts:
        return known[1]
    if len(_automata) >= _AUTOMATA_KEPT:
        _automata.clear()
    memo: dict[tuple[int, ...], _State | None] = {}

    def state_of(nodes: list[dict]) -> _State | None:
        if not nodes:
            return None
        key = tuple(map(id, nodes))
        if key not in memo:
            state = memo[key] = _State()
            state.cast = next((node[_CAST] for node in nodes if _CAST in node), None)
            parts = {part for node in nodes for part in node if part is not _CAST}
            state.children = {part: state_of(_step(nodes, part)) for part in parts}
            state.other = state_of(_step(nodes, _NO_KEY))
        return memo[key]

    root = state_of([_compile(casts)])
    _automata[id(casts)] = (casts, root)
    return root


class _Walker:
    """Containers are walked with their path as a ``(parent link, key)`` chain, turned into a tuple
    only when an error needs it, and values are dispatched on their exact type: most values of a
    Compose file are strings without ``$`` outside any cast path, left alone without a call."""

    def __init__(self, lookup: Lookup, file: str, positions: Mapping[tuple, Location],
                 on_unset: Callable[[str], None] | None, in_place: bool = False) -> None:
        self.lookup = lookup
        self.in_place = in_place
        self.file = file
        self.positions = positions
        self.on_unset = on_unset
        self.errors: list[InterpolationError] = []

    def value(self, value: Any, link: tuple | None, state: _State | None) -> Any:
        if isinstance(value, str):
            return self.string(value, link, _NO_KEY, state)
        if isinstance(value, dict):
            return self.mapping(value, link, state)
        if isinstance(value, list):
            return self.sequence(value, link, state)
        return value

    def mapping(self, value: dict, link: tuple | None, state: _State | None) -> dict:
        in_place = self.in_place
        result = value if in_place else {}
        for key, item in value.items():  # in place: only existing keys are set, so iterating stays valid
            following = None if state is None else state.children.get(key, state.other)
            kind = type(item)
            if kind is str:
                if following is None and "$" not in item:
                    if not in_place:
                        result[key] = item
                else:
                    result[key] = self.string(item, link, key, following)
            elif kind is dict:
                result[key] = self.mapping(item, (link, key), following)
            elif kind is list:
                result[key] = self.sequence(item, (link, key), following)
            elif kind in _SCALARS:
                if not in_place:
                    result[key] = item
            else:
                result[key] = self.value(item, (link, key), following)
        return result

    def sequence(self, value: list, link: tuple | None, state: _State | None) -> list:
        result = value if self.in_place else list(value)
        following = None if state is None else state.children.get(ANY_INDEX, state.other)
        for index, item in enumerate(value):  # in place: items are replaced, never added or removed
            kind = type(item)
            if kind is str:
                if following is not None or "$" in item:
                    result[index] = self.string(item, link, index, following)
            elif kind is dict:
                result[index] = self.mapping(item, (link, index), following)
            elif kind is list:
                result[index] = self.sequence(item, (link, index), following)
            elif kind not in _SCALARS:
                result[index] = self.value(item, (link, index), following)
        return result

    def string(self, text: str, link: tuple | None, key: Any, state: _State | None) -> Any:
        if "$" in text:
            try:
                text, unset = substitute_with_unset(text, self.lookup)
            except InvalidTemplateError as error:
                path = _where(link, key)
                self.errors.append(self.located(InvalidTemplateError, _invalid_format(path, error), path, error))
                return text
            except MissingRequiredError as error:
                path = _where(link, key)
                self.errors.append(self.located(MissingRequiredError, _while(path, error.message), path, error))
                return text
            if self.on_unset is not None:
                for name in unset:
                    self.on_unset(name)
        cast = None if state is None else state.cast
        if cast is None:
            return text
        try:
            return cast(text)
        except ValueError as error:
            path = _where(link, key)
            message = _while(path, f"failed to cast to expected type: {error}")
            self.errors.append(self.located(InterpolationError, message, path))
            return text

    def located(self, kind: type[InterpolationError], message: str, path: tuple,
                cause: InterpolationError | None = None) -> InterpolationError:
        where = self.positions.get(path)
        error = kind(message, file=self.file, path=list(path),
                     line=where.line if where else None, column=where.column if where else None)
        for attribute in ("variable", "reason", "template"):
            if hasattr(cause, attribute):
                setattr(error, attribute, getattr(cause, attribute))
        return error


_SCALARS = frozenset({int, float, bool, type(None)})


def _where(link: tuple | None, key: Any) -> tuple:
    """The path of the string ``_Walker.string`` was given: ``key`` under ``link``, or ``link`` itself
    (``_NO_KEY``: a string reached through ``value``, whose link already ends with its key)."""
    return linked(link if key is _NO_KEY else (link, key))


def _dotted(path: tuple) -> str:
    return SEP.join(str(part) for part in path)


def _while(path: tuple, message: str) -> str:
    return f"error while interpolating {_dotted(path)}: {message}"


def _invalid_format(path: tuple, error: InvalidTemplateError) -> str:
    template = getattr(error, "template", "")
    return f"invalid interpolation format for {_dotted(path)}.\nYou may need to escape any $ with another $.\n{template}"
