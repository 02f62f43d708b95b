"""Where a value came from in the user's files: file, line and column.

A module of its own so that the loader's phases record positions without importing the typed
model (``model.py`` re-exports ``Location``): ``dockyard config`` never binds the model, and
importing it costs more than loading a small file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value came from: file, 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


def nearest(positions: Mapping[tuple, Location], path: tuple) -> Location | None:
    """Where ``path`` was written, or else its nearest parent that has a position."""
    while True:
        found = positions.get(path)
        if found is not None or not path:
            return found
        path = path[:-1]


def placed(positions: Mapping[tuple, Location], path: tuple, file: str) -> dict:
    """``file``/``line``/``column`` keyword arguments of a ``ComposeError`` about ``path``."""
    where = nearest(positions, path)
    if where is None:
        return {"file": file, "line": None, "column": None}
    return {"file": where.file, "line": where.line, "column": where.column}
