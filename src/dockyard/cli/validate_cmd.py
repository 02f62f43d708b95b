"""``dockyard validate``: check compose files; list every problem found, not only the first."""

from __future__ import annotations

from typing import Annotated

import typer

from dockyard.cli.config_cmd import EnvFileOption, FileOption, ProfileOption, ProjectDirOption, ProjectNameOption


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)


def validate(
    file: FileOption = None,
    profile: ProfileOption = None,
    env_file: EnvFileOption = None,
    project_name: ProjectNameOption = None,
    project_directory: ProjectDirOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing when the files are valid.")] = False,
) -> None:
    """Validate compose files: exit 0 and print "valid", or list every error and exit 1."""
    from dockyard.cli._project import ProjectArguments, validate_project

    validate_project(
        ProjectArguments(
            files=file or [],
            profiles=profile or [],
            env_files=env_file or [],
            project_name=project_name,
            project_directory=project_directory,
        ),
        quiet=quiet,
    )
