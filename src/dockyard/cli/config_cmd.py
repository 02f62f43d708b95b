"""``dockyard config``: print the resolved Compose model, like ``docker compose config``.

The options are declared here for typer; the work is in ``_project.py``, which ``main.py``'s
fast path also calls (its option table must match these declarations: a test checks it).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dockyard.cli._project import ProjectArguments, load_for_cli  # noqa: F401 (re-exported)

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
    from dockyard.cli._project import FORMATS, print_config

    if format not in FORMATS:
        raise typer.BadParameter("must be yaml or json", param_hint="--format")
    print_config(
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
        ),
        format=format,
        services=services,
        volumes=volumes,
        profiles=profiles,
    )
