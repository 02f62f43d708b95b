"""The project environment and file discovery, outside the loader (compose-go ``cli/options.go``).

``project_environment`` builds the interpolation environment like ``docker compose``: the OS
environment wins over ``.env`` (or the ``--env-file`` files, read in order, each able to use the
variables before it). ``find_config_files`` resolves ``-f`` / ``COMPOSE_FILE`` / the default
names. ``project_name`` applies compose's precedence and normalisation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

from dockyard.compose.files import DiskSource, FileSource, parse_dotenv, read_text
from dockyard.errors import ComposeError, EnvFileError

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
DEFAULT_OVERRIDES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)


def project_environment(
    os_environ: Mapping[str, str],
    working_dir: str,
    env_files: Sequence[str] = (),
    source: FileSource | None = None,
) -> dict[str, str]:
    """OS environment + ``.env`` (or ``--env-file`` files); the OS environment wins."""
    source = source or DiskSource()
    environment = dict(os_environ)
    paths = [os.path.join(working_dir, f) for f in env_files] if env_files else []
    if not env_files:
        default = os.path.join(working_dir, ".env")
        if source.exists(default) and not source.is_dir(default):
            paths = [default]
    from_files: dict[str, str] = {}
    for path in paths:
        if source.is_dir(path):
            raise EnvFileError(f"{path} is a directory", file=path)
        text = read_text(source, path, what="env file", error=EnvFileError)

        def lookup(name: str, _seen: dict = from_files) -> str | None:
            if name in _seen:
                return _seen[name]
            return os_environ.get(name)

        from_files.update(parse_dotenv(text, lookup, file=path))
    for key, value in from_files.items():
        environment.setdefault(key, value)
    return environment


def find_config_files(
    files: Sequence[str], working_dir: str, environment: Mapping[str, str], source: FileSource | None = None
) -> list[str]:
    """``-f`` files, else ``COMPOSE_FILE``, else the default names (searching up from ``working_dir``)."""
    source = source or DiskSource()
    if files:
        return [f if f == "-" else os.path.abspath(os.path.join(working_dir, f)) for f in files]
    if environment.get("COMPOSE_FILE"):
        separator = environment.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
        return [os.path.abspath(os.path.join(working_dir, f)) for f in environment["COMPOSE_FILE"].split(separator) if f]
    directory = os.path.abspath(working_dir)
    while True:
        found = [name for name in DEFAULT_FILES if source.exists(os.path.join(directory, name))]
        if found:
            result = [os.path.join(directory, found[0])]
            override = next((n for n in DEFAULT_OVERRIDES if source.exists(os.path.join(directory, n))), None)
            if override:
                result.append(os.path.join(directory, override))
            return result
        parent = os.path.dirname(directory)
        if parent == directory:
            raise ComposeError("no configuration file provided: not found")
        directory = parent


_NAME_DROP = re.compile(r"[^-_a-z0-9]+")
_VALID_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def normalize_project_name(name: str) -> str:
    """compose-go ``NormalizeProjectName``: lower-case, keep ``[-_a-z0-9]``, no leading ``-``/``_``."""
    return _NAME_DROP.sub("", name.lower()).lstrip("_-")


def check_project_name(name: str) -> str:
    if not _VALID_NAME.match(name):
        raise ComposeError(
            f'invalid project name "{name}": must consist only of lowercase alphanumeric characters, '
            "hyphens, and underscores as well as start with a letter or number"
        )
    return name


def project_name(option: str | None, from_file: str | None, environment: Mapping[str, str], working_dir: str) -> str:
    """``--project-name``, then ``COMPOSE_PROJECT_NAME`` (both must be valid as given), then ``name:``
    (normalised like a directory name, as compose-go does), then the directory name."""
    if option:
        return check_project_name(option)
    if environment.get("COMPOSE_PROJECT_NAME"):
        return check_project_name(environment["COMPOSE_PROJECT_NAME"])
    if from_file:
        name = normalize_project_name(str(from_file))
        if not name:
            raise ComposeError("project name must not be empty")
        return name
    return normalize_project_name(os.path.basename(os.path.abspath(working_dir)))


def active_profiles(option: Sequence[str], environment: Mapping[str, str]) -> tuple[str, ...]:
    """``--profile`` values, else ``COMPOSE_PROFILES`` (comma separated)."""
    if option:
        return tuple(option)
    return tuple(p.strip() for p in environment.get("COMPOSE_PROFILES", "").split(",") if p.strip())
