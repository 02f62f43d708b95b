"""Relative paths become absolute, against the project directory (compose-go ``paths``).

A table keyed by path patterns names the values that are paths; ``~`` expands to the home
directory; remote build contexts (``https://...``, ``git@...``) are left alone; bind-mount
sources are resolved, named-volume sources are not.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from dockyard.compose.canonical import compile_table, walk

_REMOTE_PREFIXES = ("http://", "https://", "git://", "github.com/", "git@", "ssh://")


def _absolute(base: str) -> Callable[[Any, tuple], Any]:
    def resolve(value: Any, path: tuple) -> Any:
        if isinstance(value, str):
            return absolute(base, value)
        if isinstance(value, list):
            return [absolute(base, v) if isinstance(v, str) else v for v in value]
        return value

    return resolve


def absolute(base: str, value: str) -> str:
    if value.startswith("~"):
        value = os.path.expanduser(value)
    if os.path.isabs(value):
        return value
    return os.path.normpath(os.path.join(base, value))


def _maybe_unix(base: str) -> Callable[[Any, tuple], Any]:
    """Bind sources and config/secret files: a Windows absolute path is kept as written."""

    def resolve(value: Any, path: tuple) -> Any:
        if isinstance(value, str) and not is_windows_absolute(value):
            return absolute(base, value)
        return value

    return resolve


def is_windows_absolute(value: str) -> bool:
    if value.startswith("\\\\"):
        return True
    return len(value) >= 3 and value[0].isalpha() and value[1] == ":" and value[2] in "\\/"


def _context(base: str) -> Callable[[Any, tuple], Any]:
    def resolve(value: Any, path: tuple) -> Any:
        if not isinstance(value, str) or is_remote(value) or value.startswith("service:"):
            return value
        return absolute(base, value)

    return resolve


def is_remote(context: str) -> bool:
    return context.startswith(_REMOTE_PREFIXES) or "://" in context


def _volume(base: str) -> Callable[[Any, tuple], Any]:
    def resolve(value: Any, path: tuple) -> Any:
        if isinstance(value, dict) and value.get("type") == "bind" and isinstance(value.get("source"), str):
            value["source"] = _maybe_unix(base)(value["source"], path)
        return value

    return resolve


def _local_volume(base: str) -> Callable[[Any, tuple], Any]:
    def resolve(value: Any, path: tuple) -> Any:
        if isinstance(value, dict) and value.get("driver") in (None, "local"):
            options = value.get("driver_opts")
            if isinstance(options, dict) and options.get("o") == "bind" and isinstance(options.get("device"), str):
                options["device"] = absolute(base, options["device"])
        return value

    return resolve


def resolve_relative_paths(tree: dict, working_dir: str) -> dict:
    absolute_path = _absolute(working_dir)
    table = compile_table(
        {
            "services.*.build.context": _context(working_dir),
            "services.*.build.additional_contexts.*": _context(working_dir),
            "services.*.env_file.[].path": absolute_path,
            "services.*.label_file": absolute_path,
            "services.*.extends.file": absolute_path,
            "services.*.develop.watch.[].path": absolute_path,
            "services.*.volumes.[]": _volume(working_dir),
            "configs.*.file": _maybe_unix(working_dir),
            "secrets.*.file": _maybe_unix(working_dir),
            "include.[].path": absolute_path,
            "include.[].project_directory": absolute_path,
            "include.[].env_file": absolute_path,
            "volumes.*": _local_volume(working_dir),
        }
    )
    return walk(tree, table)
