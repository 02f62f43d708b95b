"""A dotted path into the untyped Compose tree, with ``*`` (any key) and ``[]`` (any index) wildcards.

Phase tables (merge strategies, canonical forms, interpolation casts) are keyed by patterns such
as ``services.*.ports.[]``; the walkers build concrete paths with ``next`` and look rules up
with ``matches``.
"""

from __future__ import annotations

from typing import Final

SEP: Final = "."
ANY_KEY: Final = "*"
ANY_INDEX: Final = "[]"


class Path(str):
    """A dotted path. Concrete paths use ``[]`` for every list index, like compose-go's tree.Path."""

    __slots__ = ()

    def next(self, part: str) -> Path:
        return Path(part) if not self else Path(f"{self}{SEP}{part}")

    @property
    def parts(self) -> list[str]:
        return self.split(SEP) if self else []

    def parent(self) -> Path:
        index = self.rfind(SEP)
        return Path(self[:index]) if index >= 0 else Path("")

    def last(self) -> str:
        return self.rsplit(SEP, 1)[-1]

    def matches(self, pattern: str) -> bool:
        mine = self.parts
        theirs = pattern.split(SEP) if pattern else []
        if len(mine) != len(theirs):
            return False
        return all(t == ANY_KEY or t == m for m, t in zip(mine, theirs))


def dotted(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """Render a concrete location (with real list indexes) as users read it: ``services.web.ports.0``."""
    return SEP.join(str(p) for p in parts)


def linked(link: tuple | None) -> tuple[str | int, ...]:
    """The concrete path of a ``(parent link, key)`` chain: the hot walkers (interpolation,
    consistency checks, unicity) carry a path that way and spell it out only for an error."""
    parts = []
    while link is not None:
        link, key = link
        parts.append(key)
    return tuple(reversed(parts))
