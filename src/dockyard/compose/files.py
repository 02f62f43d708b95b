"""Where the loader reads files from, so a project can be re-loaded without a disk.

Every file the loader touches (compose files, ``.env``, ``env_file``, ``extends``/``include``
targets, configs/secrets files, bind-mount sources) goes through a ``FileSource``:
``DiskSource`` reads the machine's files, ``MemorySource`` serves stored contents (the reconciler
re-loads a Composition from the file contents it kept in ``Project.files``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from dockyard.errors import ComposeError


@runtime_checkable
class FileSource(Protocol):
    def read(self, path: str) -> bytes: ...

    def exists(self, path: str) -> bool: ...

    def is_dir(self, path: str) -> bool: ...

    def walk(self, path: str) -> Iterator[str]:
        """Every regular file under directory ``path``, as absolute paths, sorted."""
        ...


class DiskSource:
    """The local file system."""

    def read(self, path: str) -> bytes:
        with open(path, "rb") as handle:
            return handle.read()

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)

    def walk(self, path: str) -> Iterator[str]:
        for root, dirs, names in os.walk(path):
            dirs.sort()
            for name in sorted(names):
                full = os.path.join(root, name)
                if os.path.isfile(full):
                    yield full

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DiskSource)

    def __hash__(self) -> int:
        return hash(DiskSource)


@dataclass(frozen=True)
class MemorySource:
    """Files held in memory, keyed by absolute path; directories are implied by the paths."""

    files: Mapping[str, bytes] = field(default_factory=dict)

    def read(self, path: str) -> bytes:
        try:
            return self.files[os.path.normpath(path)]
        except KeyError:
            raise FileNotFoundError(path) from None

    def exists(self, path: str) -> bool:
        return os.path.normpath(path) in self.files or self.is_dir(path)

    def is_dir(self, path: str) -> bool:
        prefix = os.path.normpath(path).rstrip("/") + "/"
        return any(name.startswith(prefix) for name in self.files)

    def walk(self, path: str) -> Iterator[str]:
        prefix = os.path.normpath(path).rstrip("/") + "/"
        yield from sorted(name for name in self.files if name.startswith(prefix))


def read_text(source: FileSource, path: str, *, what: str = "file", error: type[ComposeError] = ComposeError) -> str:
    try:
        return source.read(path).decode("utf-8")
    except FileNotFoundError:
        raise error(f"{what} {path} not found", file=path) from None
    except IsADirectoryError:
        raise error(f"{what} {path} is a directory", file=path) from None
    except UnicodeDecodeError as exc:
        raise error(f"{what} {path} is not UTF-8 text: {exc.reason}", file=path) from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}", file=path) from None


@dataclass
class Document:
    """One parsed compose file: the data plus what the YAML layer recorded about it."""

    file: str
    data: Any
    positions: Mapping[tuple, Any] = field(default_factory=dict)
    reset_paths: tuple = ()
    override_paths: tuple = ()


def parse_document(text: str, file: str) -> Document:
    """Parse a compose file with the go-yaml compatible parser (``dockyard.compose.yamlload``)."""
    from dockyard.compose.yamlload import parse_yaml

    parsed = parse_yaml(text, file)
    return Document(file, parsed.data, parsed.positions, tuple(parsed.reset_paths), tuple(parsed.override_paths))


def parse_dotenv(text: str, lookup, *, file: str, raw: bool = False) -> dict[str, str]:
    """Parse a ``.env`` / ``env_file`` text (``dockyard.compose.dotenv``); ``raw``: ``format: raw``."""
    from dockyard.compose import dotenv

    if raw:
        return dict(dotenv.parse_raw(text, file=file))
    return dict(dotenv.parse(text, lookup, file=file))


def interpolate_tree(data, environment, *, file: str, positions, in_place: bool = False):
    """Substitute ``${...}`` in every string and apply compose's type casts (``dockyard.compose.interpolate``)."""
    from dockyard.compose.casts import COMPOSE_CASTS
    from dockyard.compose.interpolate import interpolate

    return interpolate(data, environment.get, casts=COMPOSE_CASTS, file=file, positions=positions, in_place=in_place)
