"""``dockyard config``: print the resolved Compose model, like ``docker compose config``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Optional

import typer

FileOption = Annotated[Optional[list[str]], typer.Option("--file", "-f", help="Compose file(s), in merge order ('-' = stdin).")]
ProfileOption = Annotated[Optional[list[str]], typer.Option("--profile", help="Profile(s) to enable.")]
EnvFileOption = Annotated[Optional[list[str]], typer.Option("--env-file", help="Alternate environment file(s).")]
ProjectNameOption = Annotated[Optional[str], typer.Option("--project-name", "-p", help="Project name.")]
ProjectDirOption = Annotated[
    Optional[str], typer.Option("--project-directory", help="Project directory (default: the first file's directory).")
]


def register(app: typer.Typer) -> None:
    app.command("config")(config)


def config(
    file: FileOption = None,
    profile: ProfileOption = None,
    env_file: EnvFileOption = None,
    project_name: ProjectNameOption = None,
    project_directory: ProjectDirOption = None,
    format: Annotated[str, typer.Option("--format", help="yaml or json.")] = "yaml",
    no_interpolate: Annotated[bool, typer.Option("--no-interpolate", help="Do not interpolate variables.")] = False,
    no_normalize: Annotated[bool, typer.Option("--no-normalize", help="Do not normalize the model.")] = False,
    no_consistency: Annotated[bool, typer.Option("--no-consistency", help="Skip the consistency checks.")] = False,
    no_path_resolution: Annotated[
        bool, typer.Option("--no-path-resolution", help="Keep relative paths as written.")
    ] = False,
    services: Annotated[bool, typer.Option("--services", help="Print the service names, one per line.")] = False,
    volumes: Annotated[bool, typer.Option("--volumes", help="Print the volume names, one per line.")] = False,
    profiles: Annotated[bool, typer.Option("--profiles", help="Print the profile names, one per line.")] = False,
) -> None:
    """Print the resolved compose model (the equivalent of ``docker compose config``)."""
    from dockyard.cli._common import reported_errors

    if format not in ("yaml", "json"):
        raise typer.BadParameter("must be yaml or json", param_hint="--format")
    with reported_errors():
        tree, disabled = load_for_cli(
            ProjectArguments(
                files=file or [],
                profiles=profile or [],
                env_files=env_file or [],
                project_name=project_name,
                project_directory=project_directory,
                interpolate=not no_interpolate,
                normalize=not no_normalize,
                consistency=not no_consistency,
                resolve_paths=not no_path_resolution,
                # --profiles lists every profile, so every service must be visible
                all_profiles=profiles,
            )
        )
        if services:
            _print_lines(tree.get("services") or {})
            return
        if volumes:
            _print_lines(tree.get("volumes") or {})
            return
        if profiles:
            from dockyard.compose.profiles import all_profiles

            names = all_profiles({**(tree.get("services") or {}), **disabled})
            if names:
                print("\n".join(names))
            return
        from dockyard.compose.serialize import to_format

        text = to_format(tree, format, raw=no_interpolate)
        print(text, end="" if text.endswith("\n") else "\n")


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


def load_for_cli(args: ProjectArguments, *, stdin: str | None = None, bind: bool = False) -> tuple[dict, Any]:
    """Find the files and the environment exactly like ``docker compose``, then load.

    Returns (printed tree, disabled services' tree), or (tree, Project) with ``bind=True``.
    """
    import os
    import sys

    from dockyard.compose import ConfigDetails, ConfigFile, DiskSource, LoadOptions, load_tree
    from dockyard.compose.loader import resolve_tree
    from dockyard.compose.environment import find_config_files, project_environment

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
