"""Load + translate, shared by ``dockyard render``/``plan`` and the reconciler.

The interpolation environment is built here, the same way for render, plan and apply
(the controller cannot see anyone's shell, so the shell environment is never used):

    .env beside the project (or the --env-file files)      lowest
    env-config values (--config K=V, --config-file)
    env-secret KEYS (--secret-keys), each as an opaque marker (see ``secretrefs``)
    --var K=V                                              highest

The loader substitutes markers like any value, so the loaded model carries secret references,
never values; ``translate`` turns them into ``secretKeyRef``s. A loader error caused by a marker
(a secret in ``ports``, say) is re-worded so the marker never shows.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from dockyard.compose.model import Project
from dockyard.compose.tree import dotted
from dockyard.errors import ComposeError, ComposeErrors, TranslationError

from . import secretrefs
from .context import RenderOptions
from .result import Environment, Rendered, RenderWarning
from .translate import RunBoth, translate
from .translate import yaml_in_halves as translate_in_halves

_REFERENCE = re.compile(r"(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")
# no default; starts with the literal "$" so finditer jumps from "$" to "$" (a leading "(?<!\$)" made it try every
# position: 12 ms on a 1,000-service file); a "$$" escape is skipped by the caller
_PLAIN_REFERENCE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def interpolation_environment(details: Any, environment: Environment, variables: Mapping[str, str] = {},
                              env_files: Sequence[str] = ()) -> dict[str, str]:
    from dockyard.compose.environment import project_environment

    merged = project_environment({}, details.working_dir, env_files, details.source)
    merged.update(details.environment)
    merged.update(environment.config)
    merged.update({key: secretrefs.marker(key) for key in environment.secret_keys})
    merged.update(variables)
    return merged


def _config_texts(details: Any) -> list[tuple[str, str]]:
    """(file name, text) of each compose file given to the loader (inline content or read once more)."""
    out = []
    for config in details.config_files:
        try:
            text = config.content if config.content is not None else details.source.read(config.filename).decode("utf-8", "replace")
        except OSError:
            continue
        out.append((config.filename, text))
    return out


def _reference_location(details: Any, key: str) -> tuple[str | None, int | None, int | None]:
    """Where ``${KEY}`` / ``$KEY`` first appears in the compose files (for loader errors without a line)."""
    pattern = re.compile(r"(?<!\$)\$\{?" + re.escape(key) + r"\b")
    for filename, text in _config_texts(details):
        for number, line in enumerate(text.splitlines(), start=1):
            match = pattern.search(line)
            if match:
                return filename, number, match.start() + 1
    return None, None, None


def _clean(error: ComposeError, details: Any) -> ComposeError:
    text = error.message
    if not (secretrefs.has_marker(text) or secretrefs.CLOSE in text):
        return error
    keys = secretrefs.keys_in(text)
    file, line, column = error.file, error.line, error.column
    if line is None and keys:
        file, line, column = _reference_location(details, keys[0])
    where = f"{error.path}: " if error.path else ""
    return TranslationError(
        f"{where}{secretrefs.misplaced(keys)}: {secretrefs.unmark(text)}",
        file=file, path=error.path, line=line, column=column,
    )


def load_project(details: Any, load_options: Any, environment: Environment, variables: Mapping[str, str] = {},
                 env_files: Sequence[str] = ()) -> Project:
    """The project as ``render`` sees it: loaded with the environment's config values and secret markers."""
    from dockyard.compose import load

    details = dataclasses.replace(details, environment=interpolation_environment(details, environment, variables, env_files))
    try:
        return load(details, load_options)
    except ComposeErrors as errors:
        cleaned = [_clean(e, details) for e in errors.errors]
        if any(c is not e for c, e in zip(cleaned, errors.errors)):
            raise ComposeErrors(cleaned) from None
        raise
    except ComposeError as error:
        cleaned = _clean(error, details)
        if cleaned is not error:
            raise cleaned from None
        raise


def _raw_services(details: Any) -> list[tuple[dict, dict]]:
    """(raw services mapping, raw whole document) for each compose file, before interpolation."""
    from dockyard.compose.files import parse_document

    out = []
    for filename, text in _config_texts(details):
        try:
            data = parse_document(text, filename).data
        except ComposeError:
            continue
        if isinstance(data, dict):
            services = data.get("services")
            out.append((services if isinstance(services, dict) else {}, data))
    return out


def references(text: str) -> set[str]:
    return {a or b for a, b in _REFERENCE.findall(text)}


def _local_base(entry: Any) -> str | None:
    """The service an ``extends`` in the same file names (a base in another file is not followed)."""
    extends = entry.get("extends") if isinstance(entry, dict) else None
    if isinstance(extends, str):
        return extends
    if isinstance(extends, dict) and "file" not in extends:
        return extends.get("service")
    return None


def _entry_references(services: dict, name: str) -> set[str] | None:
    """Variables referenced by a service's raw entry and its local extends chain; None when the file lacks it."""
    if name not in services:
        return None
    found: set[str] = set()
    seen: set[str] = set()
    current: str | None = name
    while current and current in services and current not in seen:
        seen.add(current)
        found |= references(json.dumps(services[current], default=str))
        current = _local_base(services[current])
    return found


def _used_definitions(document: dict, service: Any) -> list[Any]:
    """The raw top-level configs/secrets/volumes entries a service uses."""
    out = [(document.get(section) or {}).get(ref.source) for section, refs in
           (("configs", service.configs), ("secrets", service.secrets)) for ref in refs]
    out += [(document.get("volumes") or {}).get(v.source) for v in service.volumes if v.type == "volume" and v.source]
    return out


def config_references(details: Any, project: Project, keys: frozenset[str]) -> dict[str, frozenset[str]]:
    """Per service, the env-config keys its compose text (own entry, extends base, env_file files,
    used configs/secrets/volumes) references. Over-approximates: an extra key only costs a restart."""
    if not keys:
        return {name: frozenset() for name in project.services}
    raw = _raw_services(details)
    out: dict[str, frozenset[str]] = {}
    for name, service in project.services.items():
        found: set[str] = set()
        located = False
        for services, document in raw:
            own = _entry_references(services, name)
            located = located or own is not None
            found |= own or set()
            for definition in _used_definitions(document, service):
                found |= references(json.dumps(definition, default=str))
        for env_file in service.env_files:
            content = project.files.get(env_file.path)
            if content is not None:
                found |= references(content.decode("utf-8", "replace"))
        out[name] = frozenset(found & keys) if located else keys
    return out


def _path_at(project: Project, file: str, line: int) -> str:
    """The most specific compose path the loader recorded on ``file:line`` ("" when none)."""
    found = [path for path, loc in project.source_map.positions.items() if loc.line == line and loc.file == file]
    return dotted(max(found, key=len)) if found else ""


def _in_comment(text: str, start: int) -> bool:
    """Whether ``text[start]`` sits in a ``# comment`` (a ``#`` inside quotes counts too: a missed warning at worst)."""
    line = text[text.rfind("\n", 0, start) + 1:start]
    return line.lstrip().startswith("#") or " #" in line


def unset_variables(details: Any, project: Project, merged: Mapping[str, str]) -> tuple[RenderWarning, ...]:
    """One warning per variable the compose files (or env_files) use without a default and nobody set.

    Compose substitutes an empty string there; render cannot read the shell, so a forgotten
    ``--config``/``--secret-keys``/``--var`` would otherwise render an empty password silently.
    """
    texts = _config_texts(details) + [(f.path, project.files[f.path].decode("utf-8", "replace"))
                                      for s in project.services.values() for f in s.env_files
                                      if f.path in project.files and f.format != "raw"]
    warnings: dict[str, RenderWarning] = {}
    for filename, text in texts:
        for match in _PLAIN_REFERENCE.finditer(text):
            if match.start() and text[match.start() - 1] == "$":
                continue  # "$$NAME" is an escaped "$"
            name = match.group(1) or match.group(2)
            if name in merged or name in warnings or _in_comment(text, match.start()):
                continue
            number = text.count("\n", 0, match.start()) + 1
            column = match.start() - text.rfind("\n", 0, match.start())
            warnings[name] = RenderWarning(
                message=f"variable {name} is not set, so it is an empty string here (pass it with --config, "
                        "--secret-keys or --var; render does not read the shell)",
                path=_path_at(project, filename, number) or match.group(0), location=f"{filename}:{number}:{column}")
    return tuple(warnings[name] for name in sorted(warnings))


def render(details: Any, load_options: Any, environment: Environment, variables: Mapping[str, str] = {},
           options: RenderOptions = RenderOptions(), *, env_files: Sequence[str] = ()) -> Rendered:
    """Load the compose files in ``details`` for ``environment`` and translate them."""
    project = load_project(details, load_options, environment, variables, env_files)
    return translate_loaded(details, project, environment, variables, options, env_files=env_files)


def translate_loaded(details: Any, project: Project, environment: Environment, variables: Mapping[str, str] = {},
                     options: RenderOptions = RenderOptions(), *, env_files: Sequence[str] = ()) -> Rendered:
    """``translate`` a project ``load_project`` returned, with its env-config references and unset variables."""
    rendered = translate(project, environment, options=_with_references(details, project, environment, options))
    unset = _unset(details, project, environment, variables, env_files)
    return dataclasses.replace(rendered, warnings=unset + rendered.warnings) if unset else rendered


def yaml_in_halves(details: Any, project: Project, environment: Environment, variables: Mapping[str, str] = {},
                   options: RenderOptions = RenderOptions(), *, env_files: Sequence[str] = (),
                   run_both: RunBoth) -> tuple[str, tuple[RenderWarning, ...]] | None:
    """``to_yaml(translate_loaded(...).objects)`` and its warnings, the services translated and written
    in two halves by ``run_both`` (``translate.yaml_in_halves``); None: use ``translate_loaded``."""
    options = _with_references(details, project, environment, options)
    done = translate_in_halves(project, environment, options=options, run_both=run_both)
    if done is None:
        return None
    text, warnings = done
    return text, _unset(details, project, environment, variables, env_files) + warnings


def _with_references(details: Any, project: Project, environment: Environment, options: RenderOptions) -> RenderOptions:
    if options.config_references is not None:
        return options
    return dataclasses.replace(options, config_references=config_references(details, project, frozenset(environment.config)))


def _unset(details: Any, project: Project, environment: Environment, variables: Mapping[str, str],
           env_files: Sequence[str]) -> tuple[RenderWarning, ...]:
    return unset_variables(details, project, interpolation_environment(details, environment, variables, env_files))
