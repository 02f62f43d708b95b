"""``include``: import the resources of other compose projects (compose-go ``loader/include.go``).

Each entry is loaded as a project of its own (its own project directory, ``.env`` and
``env_file``s, relative paths resolved against that directory), then its services, volumes,
networks, secrets, configs and models are copied into the including file. A name defined on both
sides with a different definition is a conflict; an include chain that comes back to a file
already on it is a cycle.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from dockyard.compose.files import FileSource, parse_dotenv, read_text
from dockyard.errors import ComposeError

LoadProject = Callable[[Sequence[str], str, Mapping[str, str], list[str]], dict]
"""(files, project directory, environment, include chain) → the loaded (canonical) tree."""

IMPORTED = ("services", "volumes", "networks", "secrets", "configs", "models")


class IncludeError(ComposeError):
    """An ``include`` entry that cannot be loaded or conflicts with the including project."""


def apply_include(
    tree: dict,
    *,
    file: str,
    working_dir: str,
    environment: Mapping[str, str],
    included: list[str],
    source: FileSource,
    load_project: LoadProject,
) -> None:
    entries = tree.pop("include", None)
    if not entries:
        return
    for index, entry in enumerate(entries if isinstance(entries, list) else [entries]):
        entry = {"path": [entry]} if isinstance(entry, str) else dict(entry or {})
        paths = entry.get("path") or []
        paths = [paths] if isinstance(paths, str) else list(paths)
        if not paths:
            raise IncludeError(f"include.{index}.path is required", file=file, path=("include", index))
        paths = [_absolute(working_dir, str(p)) for p in paths]
        main = paths[0]
        if main in included:
            chain = [*included, main]
            raise IncludeError(
                "include cycle detected:\n" + chain[0] + "\n include " + "\n include ".join(chain[1:]), file=file
            )
        project_dir = entry.get("project_directory")
        project_dir = os.path.dirname(main) if not project_dir else _absolute(working_dir, str(project_dir))
        scoped = dict(environment)
        for key, value in _env_from_files(entry.get("env_file"), project_dir, working_dir, environment, source).items():
            scoped.setdefault(key, value)
        try:
            imported = load_project(paths, project_dir, scoped, [*included, main])
        except ComposeError as error:
            if error.file not in paths or error.line is not None:
                raise
            # an included file that cannot be read: point at the ``include`` entry that names it
            raise IncludeError(error.message, file=file, path=("include", index)) from None
        _import_resources(imported, tree, file)


def _absolute(base: str, path: str) -> str:
    if path.startswith("~"):
        path = os.path.expanduser(path)
    return os.path.normpath(os.path.join(base, path))


def _env_from_files(
    env_file, project_dir: str, working_dir: str, environment: Mapping[str, str], source: FileSource
) -> dict[str, str]:
    if not env_file:
        default = os.path.join(project_dir, ".env")
        files = [default] if source.exists(default) and not source.is_dir(default) else []
    else:
        files = [env_file] if isinstance(env_file, str) else list(env_file)
        files = [_absolute(working_dir, f) for f in files if f != "/dev/null"]
    values: dict[str, str] = {}
    for path in files:
        if source.is_dir(path):
            raise IncludeError(f"{path} is not a file", file=path)
        text = read_text(source, path, what="env file", error=IncludeError)
        values.update(parse_dotenv(text, lambda name: values.get(name, environment.get(name)), file=path))
    return values


def _import_resources(imported: dict, target: dict, file: str) -> None:
    for key in IMPORTED:
        incoming = imported.get(key)
        if not isinstance(incoming, dict):
            continue
        existing = target.get(key)
        existing = existing if isinstance(existing, dict) else {}
        for name, definition in incoming.items():
            if name in existing:
                if existing[name] == definition:
                    continue
                raise IncludeError(f"{key}.{name} conflicts with imported resource", file=file, path=(key, name))
            existing[name] = definition
        target[key] = existing
