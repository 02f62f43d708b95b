"""What ``dockyard config`` and ``dockyard validate`` do once their options are parsed.

Kept free of typer so that ``main.py``'s fast path can run these two commands without importing
typer (and, through typer, pydantic): on a small file the imports cost more than the work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

FORMATS = ("yaml", "json")


@dataclass(frozen=True)
class ProjectArguments:
    """The project options ``config`` and ``validate`` share, as given on the command line."""

    files: Sequence[str] = ()
    profiles: Sequence[str] = ()
    env_files: Sequence[str] = ()
    project_name: str | None = None
    project_directory: str | None = None
    interpolate: bool = True
    normalize: bool = True
    consistency: bool = True
    resolve_paths: bool = True
    all_profiles: bool = False


def print_config(
    args: ProjectArguments, *, format: str = "yaml", services: bool = False, volumes: bool = False,
    profiles: bool = False,
) -> None:
    """Load the project and print it (or its service, volume or profile names) to stdout."""
    from dockyard.cli._common import reported_errors

    with reported_errors():
        tree, disabled = load_for_cli(args)
        if services:
            _print_lines(tree.get("services") or {})
            return
        if volumes:
            _print_lines(tree.get("volumes") or {})
            return
        if profiles:
            from dockyard.compose.profiles import all_profiles

            _print_lines(all_profiles({**(tree.get("services") or {}), **disabled}))
            return
        from dockyard.compose.serialize import to_format

        text = to_format(tree, format, raw=not args.interpolate)
        print(text, end="" if text.endswith("\n") else "\n")


def validate_project(args: ProjectArguments, *, quiet: bool = False) -> None:
    """Load and bind the project; print "valid", or every error (``reported_errors``)."""
    from dockyard.cli._common import reported_errors

    with reported_errors():
        load_for_cli(args, bind=True)
    if not quiet:
        print("valid")


def load_for_cli(args: ProjectArguments, *, stdin: str | None = None, bind: bool = False) -> tuple[dict, Any]:
    """Find the files and the environment exactly like ``docker compose``, then load.

    Returns (printed tree, disabled services' tree), or (tree, Project) with ``bind=True``.
    """
    import os
    import sys

    from dockyard.compose.environment import find_config_files, project_environment
    from dockyard.compose.files import DiskSource
    from dockyard.compose.loader import ConfigDetails, ConfigFile, LoadOptions, load_tree, resolve_tree

    cwd = os.getcwd()
    base_dir = os.path.abspath(args.project_directory) if args.project_directory else cwd
    source = DiskSource()
    os_environment = dict(os.environ)
    env_files = [os.path.abspath(f) for f in args.env_files]  # relative to where the command runs
    # COMPOSE_FILE and friends may come from the .env of the directory the command runs in
    discovery_env = project_environment(os_environment, base_dir, env_files, source)
    paths = find_config_files(list(args.files), cwd, discovery_env, source)
    if args.project_directory:
        working_dir = base_dir
    elif paths[0] == "-":
        working_dir = cwd
    else:
        working_dir = os.path.dirname(paths[0])
    environment = project_environment(os_environment, working_dir, env_files, source)
    config_files = []
    for path in paths:
        if path == "-":
            config_files.append(ConfigFile("-", stdin if stdin is not None else sys.stdin.read()))
        else:
            config_files.append(ConfigFile(path))
    options = LoadOptions(
        project_name=args.project_name,
        profiles=("*",) if args.all_profiles else tuple(args.profiles),
        skip_interpolation=not args.interpolate,
        skip_normalization=not args.normalize,
        skip_consistency_check=not args.consistency,
        resolve_paths=args.resolve_paths,
        collect_files=False,
    )
    details = ConfigDetails(working_dir, config_files, environment, source)
    return load_tree(details, options) if bind else resolve_tree(details, options)


def _print_lines(names) -> None:
    if names:
        print("\n".join(names))
