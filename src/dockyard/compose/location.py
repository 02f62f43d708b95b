"""Where a value came from in the user's files: file, line and column.

A module of its own so that the loader's phases record positions without importing the typed
model (``model.py`` re-exports ``Location``): ``dockyard config`` never binds the model, and
importing it costs more than loading a small file.
"""

from __future__ import annotations

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
