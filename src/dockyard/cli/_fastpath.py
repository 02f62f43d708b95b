"""``dockyard config``, ``validate`` and ``render`` without typer, for the common command lines.

Importing typer (and click, rich's hooks ...) and building the command costs about half again
as much as the whole ``config`` run on a 2-service file (475M instead of 325M instructions with
typer 0.24; typer 0.29 also imported pydantic). ``run`` parses the plain forms of these
commands' options from the tables below and calls the same bodies (``_project.py``,
``_render.py``) as the typer commands. Anything
else (``--help``, an unknown or combined option, a value that looks like an option, an invalid
``--format`` or ``--output``, shell completion) returns ``None`` and typer handles the command
line, so usage messages and errors stay typer's. ``tests/compose/cli/test_fast_path.py`` and
``tests/cli/test_render_fast_path.py`` check these tables against the typer declarations in
``config_cmd.py``, ``validate_cmd.py`` and ``render_cmd.py``.

``main()`` keeps the cyclic garbage collector off while a fast command runs and until the process
exits: such a short process frees almost nothing before exit, and re-enabling it after loading a
large project made it re-scan every object once more (about 0.07 s of a 1,000-service render).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

# option -> (parameter, kind): "many" repeatable value, "one" single value (last wins), "flag"
PROJECT_OPTIONS: dict[str, tuple[str, str]] = {
    "--file": ("file", "many"),
    "-f": ("file", "many"),
    "--profile": ("profile", "many"),
    "--env-file": ("env_file", "many"),
    "--project-name": ("project_name", "one"),
    "-p": ("project_name", "one"),
    "--project-directory": ("project_directory", "one"),
}
COMMAND_OPTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "config": {
        **PROJECT_OPTIONS,
        "--format": ("format", "one"),
        "--no-interpolate": ("no_interpolate", "flag"),
        "--no-normalize": ("no_normalize", "flag"),
        "--no-consistency": ("no_consistency", "flag"),
        "--no-path-resolution": ("no_path_resolution", "flag"),
        "--services": ("services", "flag"),
        "--volumes": ("volumes", "flag"),
        "--profiles": ("profiles", "flag"),
    },
    "validate": {**PROJECT_OPTIONS, "--quiet": ("quiet", "flag"), "-q": ("quiet", "flag")},
    "render": {
        "--file": ("files", "many"),
        "-f": ("files", "many"),
        "--env": ("env", "one"),
        "-e": ("env", "one"),
        "--output": ("output", "one"),
        "-o": ("output", "one"),
        "--config": ("config", "many"),
        "--config-file": ("config_file", "many"),
        "--secret-keys": ("secret_keys", "many"),
        "--var": ("variables", "many"),
        "--profile": ("profiles", "many"),
        "--allow": ("allow", "many"),
        "--env-file": ("env_files", "many"),
        "--project-name": ("project_name", "one"),
        "-p": ("project_name", "one"),
        "--project-directory": ("project_directory", "one"),
    },
}
# command -> (parameter, the values typer accepts): anything else is typer's to report
CHOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "config": ("format", ("yaml", "json")),
    "render": ("output", ("yaml", "json")),
}
COMPLETION_VARIABLE = "_DOCKYARD_COMPLETE"


def parse(command: str, argv: Sequence[str]) -> dict[str, Any] | None:
    """The parameters of ``command`` given ``argv`` (its options), or None if typer must decide."""
    table = COMMAND_OPTIONS.get(command)
    if table is None:
        return None
    values: dict[str, Any] = {}
    rest = list(argv)
    rest.reverse()
    while rest:
        token = rest.pop()
        option, equals, inline = token.partition("=") if token.startswith("--") else (token, "", "")
        if option not in table:
            return None
        name, kind = table[option]
        if kind == "flag":
            if equals:
                return None
            values[name] = True
            continue
        if equals:
            value = inline
        elif rest and (rest[-1] == "-" or not rest[-1].startswith("-")):
            value = rest.pop()
        else:
            return None
        if kind == "many":
            values.setdefault(name, []).append(value)
        else:
            values[name] = value
    return values


def run(argv: Sequence[str]) -> int | None:
    """Run ``dockyard <argv>`` and return its exit code, or None when typer must run it."""
    if not argv or COMPLETION_VARIABLE in os.environ:
        return None
    command, *options = argv
    values = parse(command, options)
    if values is None:
        return None
    choice = CHOICES.get(command)
    if choice is not None and values.get(choice[0], choice[1][0]) not in choice[1]:
        return None
    try:
        _COMMANDS[command](values)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (``| head``): exit 1 quietly, like click
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        typer = sys.modules.get("typer")  # reported_errors imported it to raise typer.Exit
        if typer is not None and isinstance(exc, typer.Exit):
            return exc.exit_code
        raise
    return 0


def _config(values: dict[str, Any]) -> None:
    from dockyard.cli._project import print_config

    print_config(
        _project_arguments(
            values,
            interpolate=not values.get("no_interpolate", False),
            normalize=not values.get("no_normalize", False),
            consistency=not values.get("no_consistency", False),
            resolve_paths=not values.get("no_path_resolution", False),
            all_profiles=values.get("profiles", False),
        ),
        format=values.get("format", "yaml"),
        services=values.get("services", False),
        volumes=values.get("volumes", False),
        profiles=values.get("profiles", False),
    )


def _validate(values: dict[str, Any]) -> None:
    from dockyard.cli._project import validate_project

    validate_project(_project_arguments(values), quiet=values.get("quiet", False))


def _project_arguments(values: dict[str, Any], **more: bool):
    from dockyard.cli._project import ProjectArguments

    return ProjectArguments(
        files=values.get("file", []),
        profiles=values.get("profile", []),
        env_files=values.get("env_file", []),
        project_name=values.get("project_name"),
        project_directory=values.get("project_directory"),
        **more,
    )


def _render(values: dict[str, Any]) -> None:
    from dockyard.cli._render import print_render

    print_render(
        values.get("files"), values.get("env", "dev"), values.get("output", "yaml"), values.get("config"),
        values.get("config_file"), values.get("secret_keys"), values.get("variables"), values.get("profiles"),
        values.get("allow"), values.get("env_files"), values.get("project_name"), values.get("project_directory"),
    )


_COMMANDS = {"config": _config, "validate": _validate, "render": _render}
