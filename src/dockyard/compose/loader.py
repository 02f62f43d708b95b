"""The Compose loader: compose files in, an immutable ``Project`` out, in compose-go's order.

For each file, in ``-f`` order (``_load_file``):

1. parse the YAML (go-yaml typing, positions, ``!reset``/``!override`` tags);
2. interpolate ``${...}`` with the project environment, casting typed fields;
3. ``include``: load the included projects and import their resources;
4. remove from the accumulated tree what this file tagged ``!reset``/``!override``;
5. ``extends``: resolve services based on other services (same file or another);
6. merge into the accumulated tree, then enforce unicity of sequence entries;
7. validate the merged tree against the Compose schema;
8. canonical form (short → long syntax), omit empty values, unicity again.

Then, once for the whole project (``_Loader.finish``):

9.  default values (``build.context: .``);
10. project name (``--project-name``, ``COMPOSE_PROJECT_NAME``, ``name:``, directory name);
11. relative paths resolved against the project directory;
12. normalize (default network, ``<project>_<key>`` names, implicit ``depends_on`` ...);
13. profiles split services into enabled and disabled;
14. semantic validation (undefined services, networks, volumes, cycles ...);
15. ``env_file`` / ``label_file`` files read and merged under ``environment`` / ``labels``;
16. typed form: the tree now has the shape ``docker compose config`` prints;
17. bind the tree to the model (``bind.py``), once.
"""

from __future__ import annotations

import os
from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dockyard.compose import canonical as canon
from dockyard.compose import merge as merging
from dockyard.compose.files import DiskSource, FileSource, interpolate_tree, parse_document, parse_dotenv, read_text
from dockyard.compose.location import Location, nearest, placed
from dockyard.errors import ComposeError, ComposeErrors, EnvFileError

if TYPE_CHECKING:
    from dockyard.compose.model import Project

MAX_REFERENCED_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ConfigFile:
    filename: str
    content: str | None = None  # None = read from the ConfigDetails source


@dataclass(frozen=True)
class ConfigDetails:
    working_dir: str
    config_files: Sequence[ConfigFile]
    environment: Mapping[str, str] = field(default_factory=dict)
    source: FileSource = field(default_factory=DiskSource)


@dataclass(frozen=True)
class LoadOptions:
    project_name: str | None = None
    profiles: Sequence[str] = ()
    skip_interpolation: bool = False
    skip_normalization: bool = False
    skip_consistency_check: bool = False
    skip_validation: bool = False
    skip_extends: bool = False
    skip_include: bool = False
    skip_resolve_environment: bool = False
    resolve_paths: bool = True
    collect_files: bool = True  # fill Project.files with the referenced local files


def load(details: ConfigDetails, options: LoadOptions = LoadOptions()) -> Project:
    return load_tree(details, options)[1]


def load_tree(details: ConfigDetails, options: LoadOptions = LoadOptions()) -> tuple[dict, Project]:
    """The canonical tree (what ``dockyard config`` prints, enabled services only) and the model."""
    from dockyard.compose.bind import bind

    loader = _Loader(details, options)
    tree = loader.run()
    project = bind(
        tree,
        loader.disabled,
        working_dir=details.working_dir,
        environment=details.environment,
        profiles=loader.active_profiles,
        config_files=tuple(f.filename for f in details.config_files),
        files=loader.referenced,
        env_files=loader.env_files,
        positions=loader.positions,
        default_file=details.config_files[0].filename if details.config_files else "",
    )
    return tree, project


def resolve_tree(details: ConfigDetails, options: LoadOptions = LoadOptions()) -> tuple[dict, dict]:
    """The tree ``config`` prints and the disabled services' tree, without binding the model."""
    loader = _Loader(details, options)
    tree = loader.run(printing=True)
    return tree, loader.disabled


class _Loader:
    def __init__(self, details: ConfigDetails, options: LoadOptions) -> None:
        self.details = details
        self.options = options
        self.source = details.source
        # one mapping per file, newest first: a path resolves to the last file that set it
        self.positions: ChainMap[tuple, Location] = ChainMap()
        self.referenced: dict[str, bytes] = {}
        self.referenced_size = 0
        self.remembered_trees: set[str] = set()
        self.disabled: dict[str, Any] = {}
        # service -> (EnvFile entries with their values, explicit environment), for the model
        self.env_files: dict[str, tuple] = {}
        self.last_resets: frozenset = frozenset()  # !reset/!override locations of the last file read
        self.active_profiles: tuple[str, ...] = ()
        self.parsed: dict[str, Any] = {}  # documents read early to find the project name

    def run(self, *, printing: bool = False) -> dict:
        details = self.details
        environment = details.environment
        if not self.options.skip_interpolation:
            environment = _WithProjectName(environment, self._project_name_for_interpolation)
        tree = self.load_model(list(details.config_files), details.working_dir, environment, [])
        if not tree:  # compose-go: nothing at all after merging every file (an included empty file is fine)
            raise ComposeError("empty compose file", file=_first_file(details))
        return self.finish(tree, printing=printing)

    # -- per-file phases (1-8) -----------------------------------------------------------------

    def load_model(self, files: Sequence[ConfigFile | str], working_dir: str, environment, included: list[str]) -> dict:
        tree: dict = {}
        for config_file in files:
            config_file = config_file if isinstance(config_file, ConfigFile) else ConfigFile(config_file)
            tree = self._load_file(config_file, tree, working_dir, environment, included)
        return tree

    def _load_file(self, config_file: ConfigFile, tree: dict, working_dir: str, environment, included) -> dict:
        name = config_file.filename
        document = self._parse(config_file)
        data = document.data
        if not self.options.skip_interpolation:
            data = interpolate_tree(data, environment, file=name, positions=document.positions, in_place=True)
        self.last_resets = frozenset((*document.reset_paths, *document.override_paths))
        try:
            self._include(data, name, working_dir, environment, included)
            merging.apply_resets(tree, self.last_resets)
            self._extend(data, name, working_dir, environment)
        except ComposeError as exc:
            if exc.file in (None, name):  # about this file (not about a file it includes or extends)
                exc = _located(exc, name, document.positions)
            raise exc from None
        self.positions.maps.insert(0, document.positions)
        try:
            tree = merging.enforce_unicity(merging.merge(tree, data))
        except ComposeError as exc:
            raise _located(exc, name, self.positions) from None
        if not self.options.skip_validation:
            self._validate_schema(tree, name)
            tree.pop("version", None)
        try:
            tree = canon.omit_empty(canon.canonical(tree))
            return merging.enforce_unicity(tree)
        except ComposeError as exc:
            raise _located(exc, name, self.positions) from None

    def _include(self, data: dict, name: str, working_dir: str, environment, included) -> None:
        if self.options.skip_include or "include" not in data:
            return
        from dockyard.compose.include import apply_include

        apply_include(
            data,
            file=name,
            working_dir=working_dir,
            environment=environment,
            included=[*included, os.path.abspath(name)],
            source=self.source,
            load_project=self._load_included,
        )

    def _extend(self, data: dict, name: str, working_dir: str, environment) -> None:
        if self.options.skip_extends:
            return
        from dockyard.compose.extends import apply_extends

        apply_extends(
            data,
            file=name,
            working_dir=working_dir,
            load_base=lambda path: self._load_extends_base(path, working_dir, environment),
            resets=self.last_resets,
        )

    def _project_name_for_interpolation(self) -> str:
        """compose-go's ``projectName``: the last ``name:`` of the files, interpolated on its own."""
        from dockyard.compose.environment import project_name
        from dockyard.compose.template import substitute

        written = None
        for config_file in self.details.config_files:
            document = self.parsed.setdefault(config_file.filename, self._parse(config_file))
            if isinstance(document.data.get("name"), str):
                written = document.data["name"]
        if written is not None:
            try:
                written = substitute(written, self.details.environment.get)
            except ComposeError:
                pass  # reported, located, when the file itself is interpolated
        return project_name(self.options.project_name, written, self.details.environment, self.details.working_dir)

    def _parse(self, config_file: ConfigFile):
        name = config_file.filename
        if name in self.parsed:
            return self.parsed.pop(name)
        text = config_file.content
        if text is None:
            text = read_text(self.source, name, what="compose file")
        document = parse_document(text, name)
        if document.data is None:
            document.data = {}
        if not isinstance(document.data, dict):
            raise ComposeError("top-level object must be a mapping", file=name)
        first = next(iter(document.positions.values()), None)
        if first is not None and not isinstance(first, Location):
            document.positions = {path: _location(name, where) for path, where in document.positions.items()}
        return document

    def _validate_schema(self, tree: dict, file: str) -> None:
        from dockyard.compose import schema

        errors = schema.validate(tree, file=file, positions=self.positions, every=True)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ComposeErrors(errors)

    def _load_included(self, paths: Sequence[str], project_dir: str, environment, included: list[str]) -> dict:
        nested = _Loader(
            ConfigDetails(project_dir, [ConfigFile(p) for p in paths], environment, self.source),
            LoadOptions(
                skip_interpolation=self.options.skip_interpolation,
                skip_validation=self.options.skip_validation,
                skip_normalization=True,
                skip_consistency_check=True,
                resolve_paths=True,
            ),
        )
        tree = nested.load_model(list(paths), project_dir, environment, included)
        tree = _defaults(tree)
        # absolute paths when the project resolves them, else relative to the including project
        base = project_dir if self.options.resolve_paths else os.path.relpath(project_dir, self.details.working_dir)
        tree = _resolve_paths(tree, base)
        self.positions.maps[:0] = nested.positions.maps
        return tree

    def _load_extends_base(self, path: str, working_dir: str, environment) -> tuple[dict, str, frozenset]:
        from dockyard.compose.extends import rebase_paths

        nested = _Loader(
            ConfigDetails(os.path.dirname(path), [ConfigFile(path)], environment, self.source),
            LoadOptions(skip_interpolation=self.options.skip_interpolation, skip_validation=True, skip_extends=True,
                        skip_include=True),
        )
        tree = nested.load_model([path], os.path.dirname(path), environment, [])
        services = tree.get("services") or {}
        relative = os.path.relpath(os.path.dirname(path), working_dir)
        rebase_paths(services, relative)
        return services, path, nested.last_resets

    # -- project phases (9-16) -------------------------------------------------------------------

    def finish(self, tree: dict, *, printing: bool = False) -> dict:
        """Phases 9-16. ``printing`` without interpolation stops after normalization: ``docker
        compose config --no-interpolate`` prints compose-go's model dict as it is (every service,
        no consistency check, no environment resolution, no typed form)."""
        from dockyard.compose.environment import active_profiles, project_name

        details, options = self.details, self.options
        tree = _defaults(tree)
        tree["name"] = project_name(options.project_name, tree.get("name"), details.environment, details.working_dir)
        if options.resolve_paths:
            tree = _resolve_paths(tree, details.working_dir)
        if not options.skip_normalization:
            from dockyard.compose.normalize import normalize

            # without interpolation compose normalizes without the environment (bare KEYs stay)
            tree = normalize(tree, {} if options.skip_interpolation else details.environment)
        if printing and options.skip_interpolation:
            return tree
        self.active_profiles = active_profiles(options.profiles, details.environment)
        self._split_profiles(tree)
        if not options.skip_consistency_check:
            self._check_consistency(tree)
        if not options.skip_resolve_environment:
            self._resolve_bare_variables(tree)
            self._resolve_env_files(tree)
            self._resolve_label_files(tree)
        if options.collect_files:
            self._collect_referenced_files(tree)
        try:
            tree = canon.typed(tree)
            self.disabled = canon.typed({"services": self.disabled})["services"]
        except ComposeError as exc:
            raise _located(exc, _first_file(details), self.positions) from None
        return tree

    def _split_profiles(self, tree: dict) -> None:
        from dockyard.compose.profiles import split_by_profiles

        services = tree.get("services") or {}
        enabled, self.disabled = split_by_profiles(services, self.active_profiles)
        tree["services"] = enabled  # docker compose prints ``services: {}`` even when no file has the key

    def _check_consistency(self, tree: dict) -> None:
        from dockyard.compose import validation

        errors = validation.check(
            tree, positions=self.positions, file=_first_file(self.details), disabled=tuple(self.disabled)
        )
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ComposeErrors(errors)

    def _resolve_bare_variables(self, tree: dict) -> None:
        """``environment: [HOME]``: a variable without a value takes the project environment's."""
        from dockyard.compose.normalize import resolve_environment

        for service in (tree.get("services") or {}).values():
            if "environment" in service:
                service["environment"] = resolve_environment(service["environment"], self.details.environment)

    def _resolve_env_files(self, tree: dict) -> None:
        environment = self.details.environment
        for name, service in (tree.get("services") or {}).items():
            entries = service.pop("env_file", None)
            if not entries:
                continue
            from dockyard.compose.model import EnvFile

            values: dict[str, Any] = {}
            bound = []
            for index, entry in enumerate(entries):
                path = entry["path"]
                required = entry.get("required", True) is not False
                if not self.source.exists(path) or self.source.is_dir(path):
                    if not required:
                        bound.append(EnvFile(path, False, entry.get("format"), None))
                        continue
                    where = ("services", name, "env_file", index)
                    raise EnvFileError(
                        f"env file {path} not found: stat {path}: no such file or directory",
                        path=where, **placed(self.positions, where, _first_file(self.details)),
                    )
                text = self._read_referenced(path, what="env file")

                def lookup(key: str, _values=values) -> str | None:
                    value = _values.get(key)
                    return value if value is not None else environment.get(key)

                parsed = parse_dotenv(text, lookup, file=path, raw=entry.get("format") == "raw")
                bound.append(EnvFile(path, required, entry.get("format"), parsed))
                values.update(parsed)
            explicit = canon._key_value_mapping(None)(service.get("environment") or {}, ())
            self.env_files[name] = (tuple(bound), explicit)
            values.update(explicit)
            service["environment"] = values

    def _resolve_label_files(self, tree: dict) -> None:
        """``label_file`` entries: labels read from files, under the explicit ``labels``."""
        for name, service in (tree.get("services") or {}).items():
            entries = service.pop("label_file", None)
            if not entries:
                continue
            labels: dict[str, Any] = {}
            for index, path in enumerate([entries] if isinstance(entries, str) else entries):
                if not self.source.exists(path) or self.source.is_dir(path):
                    where = ("services", name, "label_file", index)
                    raise EnvFileError(
                        f"label file {path} not found",
                        path=where, **placed(self.positions, where, _first_file(self.details)),
                    )
                text = self._read_referenced(path, what="label file")
                labels.update(parse_dotenv(text, self.details.environment.get, file=path))
            labels.update(canon._key_value_mapping("")(service.get("labels") or {}, ()))
            service["labels"] = labels

    def _read_referenced(self, path: str, *, what: str) -> str:
        data = self._remember(path)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EnvFileError(f"{what} {path} is not UTF-8 text: {exc.reason}", file=path) from None

    def _remember(self, path: str, *, optional: bool = False) -> bytes | None:
        """Read a referenced file into ``Project.files``; ``optional``: skip what cannot be read
        (sockets, devices, permission denied under a bind-mount source)."""
        if path in self.referenced:
            return self.referenced[path]
        try:
            data = self.source.read(path)
        except OSError as exc:
            if optional:
                return None
            raise ComposeError(f"cannot read {path}: {exc.strerror or exc}", file=path) from None
        self.referenced_size += len(data)
        if self.referenced_size > MAX_REFERENCED_BYTES:
            raise ComposeError(
                f"the files this project references exceed {MAX_REFERENCED_BYTES // (1024 * 1024)} MiB "
                f"(reached while reading {path}); mount large data from a volume instead",
                file=path,
            )
        self.referenced[path] = data
        return data

    def _collect_referenced_files(self, tree: dict) -> None:
        for section in ("configs", "secrets"):
            for resource in (tree.get(section) or {}).values():
                path = (resource or {}).get("file")
                if isinstance(path, str) and os.path.isabs(path):
                    self._remember_tree(path)
        for service in (tree.get("services") or {}).values():
            for volume in service.get("volumes") or []:
                source = volume.get("source") if isinstance(volume, dict) else None
                if volume.get("type") != "bind" or not isinstance(source, str) or not os.path.isabs(source):
                    continue
                self._remember_tree(source)

    def _remember_tree(self, path: str) -> None:
        if path in self.remembered_trees:  # services often share one bind-mount source
            return
        self.remembered_trees.add(path)
        if self.source.is_dir(path):
            for inner in self.source.walk(path):
                self._remember(inner, optional=True)
        elif self.source.exists(path):
            self._remember(path, optional=True)


def _defaults(tree: dict) -> dict:
    for service in (tree.get("services") or {}).values():
        build = service.get("build") if isinstance(service, dict) else None
        if isinstance(build, dict) and "context" not in build:
            build["context"] = "."
    return tree


def _resolve_paths(tree: dict, working_dir: str) -> dict:
    from dockyard.compose.paths import resolve_relative_paths

    return resolve_relative_paths(tree, working_dir)


class _WithProjectName(Mapping):
    """The environment files are interpolated with: the user's, plus ``COMPOSE_PROJECT_NAME`` set to
    the project's name as compose-go does, worked out only if a file asks for it."""

    KEY = "COMPOSE_PROJECT_NAME"

    def __init__(self, environment: Mapping[str, str], resolve: Any) -> None:
        self.environment = environment
        self.resolve = resolve
        self.name: str | None = None

    def __getitem__(self, key: str) -> str:
        if key != self.KEY:
            return self.environment[key]
        if self.name is None:
            self.name = self.resolve()
        return self.name

    def __iter__(self) -> Any:
        yield from self.environment
        if self.KEY not in self.environment:
            yield self.KEY

    def __len__(self) -> int:
        return len(self.environment) + (self.KEY not in self.environment)


def _first_file(details: ConfigDetails) -> str:
    return details.config_files[0].filename if details.config_files else ""


def _location(file: str, where: Any) -> Location:
    if isinstance(where, Location):
        return where
    if isinstance(where, tuple) and len(where) == 2:
        return Location(file, where[0], where[1])
    return Location(getattr(where, "file", file), getattr(where, "line", None), getattr(where, "column", None))


def _path_part(text: str) -> str | int:
    text = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    return int(text) if text.isdigit() else text


def _located(error: ComposeError, file: str, positions: Mapping[tuple, Location]) -> ComposeError:
    if error.file is None:
        error.file = file
    if error.line is None and error.path:
        where = nearest(positions, tuple(_path_part(p) for p in str(error.path).split(".") if p != "[]"))
        if where is not None:
            error.file, error.line, error.column = where.file, where.line, where.column
    return error
