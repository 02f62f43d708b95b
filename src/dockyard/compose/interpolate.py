"""Substitute ``${...}`` in every string value of a Compose tree, then cast by path.

compose-go's ``interpolation.Interpolate``: keys are never interpolated, only string values; a value
found at a path of the cast table (``services.*.deploy.replicas``, ...) is converted after
substitution. Cast patterns are compiled into a small trie walked alongside the data, so a large
file costs one dictionary lookup per node rather than one pattern match per node and pattern.

Errors keep the reference's wording (``error while interpolating services.web.environment.X: ...``
and ``invalid interpolation format for ...``) and add file, line and column from the YAML positions.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from typing import Any

from dockyard.compose.location import Location
from dockyard.compose.template import Lookup, substitute_with_unset
from dockyard.compose.tree import ANY_INDEX, ANY_KEY, SEP
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
        result = walker.value(data, (), [_compile(casts)])
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


def _step(states: list[dict], part: str) -> list[dict]:
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


class _Walker:
    def __init__(self, lookup: Lookup, file: str, positions: Mapping[tuple, Location],
                 on_unset: Callable[[str], None] | None, in_place: bool = False) -> None:
        self.lookup = lookup
        self.in_place = in_place
        self.file = file
        self.positions = positions
        self.on_unset = on_unset
        self.errors: list[InterpolationError] = []

    def value(self, value: Any, path: tuple, states: list[dict]) -> Any:
        if isinstance(value, str):
            return self.string(value, path, states)
        if isinstance(value, dict):
            return self.mapping(value, path, states)
        if isinstance(value, list):
            following = _step(states, ANY_INDEX) if states else states
            items = [self.value(item, path + (index,), following) for index, item in enumerate(value)]
            if self.in_place:
                value[:] = items
                return value
            return items
        return value

    def mapping(self, value: dict, path: tuple, states: list[dict]) -> dict:
        in_place = self.in_place
        result = value if in_place else {}
        for key, item in value.items():  # in place: only existing keys are set, so iterating stays valid
            following = _step(states, key) if states else states
            if type(item) is str and not following and "$" not in item:
                if not in_place:
                    result[key] = item  # nothing to substitute, no cast: most values (no call, no path)
            else:
                result[key] = self.value(item, path + (key,), following)
        return result

    def string(self, text: str, path: tuple, states: list[dict]) -> Any:
        try:
            result, unset = substitute_with_unset(text, self.lookup)
        except InvalidTemplateError as error:
            self.errors.append(self.located(InvalidTemplateError, _invalid_format(path, error), path, error))
            return text
        except MissingRequiredError as error:
            self.errors.append(self.located(MissingRequiredError, _while(path, error.message), path, error))
            return text
        if self.on_unset is not None:
            for name in unset:
                self.on_unset(name)
        cast = next((state[_CAST] for state in states if _CAST in state), None)
        if cast is None:
            return result
        try:
            return cast(result)
        except ValueError as error:
            message = _while(path, f"failed to cast to expected type: {error}")
            self.errors.append(self.located(InterpolationError, message, path))
            return result

    def located(self, kind: type[InterpolationError], message: str, path: tuple,
                cause: InterpolationError | None = None) -> InterpolationError:
        where = self.positions.get(path)
        error = kind(message, file=self.file, path=list(path),
                     line=where.line if where else None, column=where.column if where else None)
        for attribute in ("variable", "reason", "template"):
            if hasattr(cause, attribute):
                setattr(error, attribute, getattr(cause, attribute))
        return error


def _dotted(path: tuple) -> str:
    return SEP.join(str(part) for part in path)


def _while(path: tuple, message: str) -> str:
    return f"error while interpolating {_dotted(path)}: {message}"


def _invalid_format(path: tuple, error: InvalidTemplateError) -> str:
    template = getattr(error, "template", "")
    return f"invalid interpolation format for {_dotted(path)}.\nYou may need to escape any $ with another $.\n{template}"
