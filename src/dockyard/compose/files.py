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
    try:
        from dockyard.compose.yamlload import parse_yaml
    except ImportError:  # TODO(H1): remove once yamlload lands
        return Document(file, _fallback_yaml(text, file))
    parsed = parse_yaml(text, file)
    return Document(
        file,
        parsed.data,
        parsed.positions,
        tuple(parsed.reset_paths),
        tuple(parsed.override_paths),
    )


def _fallback_yaml(text: str, file: str) -> Any:
    import re

    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    for tag in ("!reset", "!override"):
        Loader.add_constructor(tag, lambda loader, node: None)
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        from dockyard.errors import YAMLError

        mark = getattr(exc, "problem_mark", None)
        raise YAMLError(
            str(getattr(exc, "problem", exc)),
            file=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None


def parse_dotenv(text: str, lookup, *, file: str, raw: bool = False) -> dict[str, str]:
    """Parse a ``.env`` / ``env_file`` text (``dockyard.compose.dotenv``)."""
    try:
        from dockyard.compose import dotenv
    except ImportError:  # TODO(H1): remove once dotenv lands
        return _fallback_dotenv(text)
    if raw:
        return dict(dotenv.parse_raw(text, file=file))
    return dict(dotenv.parse(text, lookup, file=file))


def _fallback_dotenv(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def interpolate_tree(data, environment, *, file: str, positions):
    """Substitute ``${...}`` in every string and apply compose's type casts (``dockyard.compose.interpolate``)."""
    try:
        from dockyard.compose.casts import COMPOSE_CASTS
        from dockyard.compose.interpolate import interpolate
    except ImportError:  # TODO(H1): remove once interpolate lands
        return _fallback_interpolate(data, environment)
    return interpolate(data, environment.get, casts=COMPOSE_CASTS, file=file, positions=positions)


def _fallback_interpolate(data, environment):
    import re

    pattern = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")

    def substitute(text: str) -> str:
        def one(match):
            if match.group(0) == "$$":
                return "$"
            name = match.group(1) or match.group(3)
            value = environment.get(name)
            return value if value else (match.group(2) or "")

        return pattern.sub(one, text)

    def visit(value):
        if isinstance(value, dict):
            return {k: visit(v) for k, v in value.items()}
        if isinstance(value, list):
            return [visit(v) for v in value]
        return substitute(value) if isinstance(value, str) else value

    return visit(data)
