"""What ``dockyard render`` and ``dockyard plan`` share, without typer.

``render_cmd`` declares the options for typer; ``_fastpath`` parses the same options without
typer and calls ``print_render`` here, so both paths run the same body. Warnings go to stderr so
stdout stays valid YAML/JSON.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dockyard.compose.model import Project
    from dockyard.manifests.result import Environment, Rendered, RenderWarning


def _pairs(items: list[str] | None, option: str) -> dict[str, str]:
    from dockyard.errors import DockyardError

    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise DockyardError(f"{option} expects KEY=VALUE, got {item!r}")
        out[key] = value
    return out


def _config_files(paths: list[str] | None) -> dict[str, str]:
    from dockyard.compose.files import DiskSource, parse_dotenv, read_text
    from dockyard.errors import EnvFileError

    out: dict[str, str] = {}
    for path in paths or []:
        out.update(parse_dotenv(read_text(DiskSource(), path, what="config file", error=EnvFileError), lambda _: None, file=path))
    return out


def _comma_list(items: list[str] | None) -> frozenset[str]:
    """``--opt a,b --opt c`` → {a, b, c}."""
    return frozenset(k.strip() for item in items or [] for k in item.split(",") if k.strip())


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Loading and translating allocate many small objects and free almost none before exit: the
    cyclic collector only re-scans them (about 15% of a 1,000-service render)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _left_for_exit(*values: object) -> None:
    """Leave ``values`` (the loaded project, the rendered objects) in an unreachable cycle instead
    of freeing them object by object when the function returns (about 25 ms on 1,000 services).
    Under the fast path the cyclic collector is off, then frozen before exit (``main``), so the
    process ends without visiting them; with the collector on, it frees them as usual."""
    cycle: list = [*values]
    cycle.append(cycle)


def _environment(env: str, config: list[str] | None, config_file: list[str] | None, secret_keys: list[str] | None,
                 allow: list[str] | None) -> Environment:
    from dockyard.errors import DockyardError
    from dockyard.manifests import policy
    from dockyard.manifests.names import is_env_name
    from dockyard.manifests.result import Environment

    allowed = _comma_list(allow)
    unknown = sorted(allowed - set(policy.NAMES))
    if unknown:
        raise DockyardError(f"--allow {', '.join(unknown)}: unknown policy (known: {', '.join(policy.NAMES)})")
    if not is_env_name(env):
        raise DockyardError(f"--env {env!r}: use at most 59 lowercase letters, digits and '-', starting and ending "
                            "with a letter or digit (the namespace is env-NAME)")
    return Environment(
        name=env,
        config={**_config_files(config_file), **_pairs(config, "--config")},
        secret_keys=_comma_list(secret_keys),
        allow=allowed,
    )


def _loaded(
    files: list[str] | None, env: str, config: list[str] | None, config_file: list[str] | None,
    secret_keys: list[str] | None, variables: list[str] | None, profiles: list[str] | None,
    allow: list[str] | None, env_files: list[str] | None, project_name: str | None, project_directory: str | None,
) -> tuple[Any, Project, Environment, dict[str, str], tuple[str, ...]]:
    """Parse options and load: (config details, project, environment, --var pairs, --env-file files)."""
    import dataclasses
    import os

    from dockyard.compose import ConfigDetails, ConfigFile, DiskSource, LoadOptions
    from dockyard.compose.environment import find_config_files
    from dockyard.manifests.names import dns_label
    from dockyard.manifests.render import load_project

    environment = _environment(env, config, config_file, secret_keys, allow)
    paths = find_config_files(files or [], project_directory or os.getcwd(), {}, DiskSource())
    working_dir = os.path.abspath(project_directory) if project_directory else os.path.dirname(paths[0])
    details = ConfigDetails(working_dir=working_dir, config_files=[ConfigFile(p) for p in paths], environment={})
    load_options = LoadOptions(project_name=project_name, profiles=tuple(profiles or ()))
    pairs, dotenv_files = _pairs(variables, "--var"), tuple(env_files or ())
    project = load_project(details, load_options, environment, pairs, dotenv_files)
    environment = dataclasses.replace(environment, composition=dns_label(project.name))
    return details, project, environment, pairs, dotenv_files


def rendered_from_options(
    files: list[str] | None, env: str, config: list[str] | None, config_file: list[str] | None,
    secret_keys: list[str] | None, variables: list[str] | None, profiles: list[str] | None,
    allow: list[str] | None, env_files: list[str] | None, project_name: str | None, project_directory: str | None,
) -> Rendered:
    """Everything ``render`` and ``plan`` share: parse options, load, translate (raises dockyard errors)."""
    from dockyard.manifests.render import translate_loaded

    with _without_cyclic_gc():
        details, project, environment, pairs, dotenv_files = _loaded(
            files, env, config, config_file, secret_keys, variables, profiles, allow, env_files, project_name,
            project_directory)
        rendered = translate_loaded(details, project, environment, pairs, env_files=dotenv_files)
        _left_for_exit(project)
        return rendered


def _rendered_text(
    files: list[str] | None, env: str, output: str, config: list[str] | None, config_file: list[str] | None,
    secret_keys: list[str] | None, variables: list[str] | None, profiles: list[str] | None,
    allow: list[str] | None, env_files: list[str] | None, project_name: str | None, project_directory: str | None,
) -> tuple[str, tuple[RenderWarning, ...]]:
    """What ``render`` prints: the objects' text and the warnings. A large project's YAML is
    translated and written by two processes, half the services each (``manifests.render.yaml_in_halves``)."""
    from dockyard.cli._parallel import in_two_processes, worth_splitting
    from dockyard.manifests.render import translate_loaded, yaml_in_halves
    from dockyard.manifests.serialize import dump

    with _without_cyclic_gc():
        details, project, environment, pairs, dotenv_files = _loaded(
            files, env, config, config_file, secret_keys, variables, profiles, allow, env_files, project_name,
            project_directory)
        _left_for_exit(project)
        if output == "yaml" and worth_splitting(len(project.services), HALVES_FROM_SERVICES):
            done = yaml_in_halves(details, project, environment, pairs, env_files=dotenv_files, run_both=in_two_processes)
            if done is not None:
                return done
        rendered = translate_loaded(details, project, environment, pairs, env_files=dotenv_files)
        _left_for_exit(rendered)
        return dump(rendered.objects, output), rendered.warnings


HALVES_FROM_SERVICES = 200
"""Projects with this many services are translated in two processes: the fork and the pages both
processes then copy cost as much as half the work up to ~150 services (render of generated files,
one process vs two: 128 services 114 vs 115 ms, 256: 173 vs 152 ms, 512: 275 vs 232 ms)."""

def print_warnings(warnings: Sequence[RenderWarning]) -> None:
    """``warning: ...`` lines on stderr, as ``_common.warn`` prints them, in one write (stderr is
    line-buffered, or unbuffered under PYTHONUNBUFFERED: printing each line cost one or two system
    calls, up to 4,000 on 1,000 services)."""
    if warnings:
        sys.stderr.write("".join(f"warning: {warning}\n" for warning in warnings))
        sys.stderr.flush()


def print_render(
    files: list[str] | None, env: str, output: str, config: list[str] | None, config_file: list[str] | None,
    secret_keys: list[str] | None, variables: list[str] | None, profiles: list[str] | None,
    allow: list[str] | None, env_files: list[str] | None, project_name: str | None, project_directory: str | None,
) -> None:
    """Render and print the objects (``output`` is yaml or json), warnings to stderr; dockyard
    errors are reported by ``reported_errors`` (exit code 1 via ``typer.Exit``)."""
    from dockyard.cli._common import reported_errors

    with reported_errors():
        text, warnings = _rendered_text(files, env, output, config, config_file, secret_keys, variables, profiles,
                                        allow, env_files, project_name, project_directory)
    print_warnings(warnings)
    sys.stdout.write(text)
    sys.stdout.flush()
