"""``extends``: a service starts from another service, in the same file or another one.

compose-go ``loader/extends.go``: the base service is resolved first (recursively, so chains
work), deep-copied, and the extending service is merged onto it with the service merge rules.
A base taken from another file has its relative paths rebased onto that file's directory, so
``build: .`` in ``sub/base.yaml`` means ``sub``. A chain that comes back to a service already on
it is a cycle, reported like compose does.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any

from dockyard.compose.merge import _merge, apply_resets
from dockyard.compose.tree import Path
from dockyard.errors import ComposeError

LoadBase = Callable[[str], tuple[dict, str, frozenset]]
"""(path of an extended file) → (its services, parsed and canonical; its absolute path; the
locations it tagged ``!reset``/``!override``)."""


class ExtendsError(ComposeError):
    """An ``extends`` that cannot be resolved (missing service, cycle ...)."""


def apply_extends(
    tree: dict, *, file: str, working_dir: str, load_base: LoadBase, resets: frozenset = frozenset()
) -> None:
    """Resolve every service's ``extends`` in ``tree`` (in place).

    ``resets`` are the locations the file tagged ``!reset``/``!override``: on an extending
    service they remove the inherited value before the merge.
    """
    services = tree.get("services")
    if not isinstance(services, dict):
        return
    resolver = _Resolver(working_dir, load_base, {file: resets})
    for name in list(services):
        resolver.resolve(name, services, file, ())


class _Resolver:
    def __init__(self, working_dir: str, load_base: LoadBase, resets: dict[str, frozenset]) -> None:
        self.working_dir = working_dir
        self.load_base = load_base
        self.resets = resets

    def resolve(self, name: str, services: dict, file: str, chain: tuple[tuple[str, str], ...]) -> Any:
        return _resolve(self, name, services, file, chain)

    def base_from(self, path: str) -> tuple[dict, str]:
        services, file, resets = self.load_base(path)
        self.resets[file] = resets
        return services, file

    def drop_reset(self, source: dict, file: str, name: str) -> None:
        for location in self.resets.get(file, ()):
            if len(location) > 2 and location[0] == "services" and location[1] == name:
                apply_resets(source, [location[2:]])


def _resolve(
    resolver: _Resolver, name: str, services: dict, file: str, chain: tuple[tuple[str, str], ...]
) -> Any:
    service = services.get(name)
    if not isinstance(service, dict) or "extends" not in service:
        return service
    extends = service["extends"]
    if isinstance(extends, str):
        ref, other_file = extends, None
    elif isinstance(extends, dict):
        if "service" not in extends:
            raise ExtendsError(f"extends.{name}.service is required", file=file, path=("services", name, "extends"))
        ref, other_file = str(extends["service"]), extends.get("file")
    else:
        return service
    chain = _track(chain, file, name)
    base_services, base_file = services, file
    if other_file is not None:
        target = os.path.join(resolver.working_dir, str(other_file))
        try:
            base_services, base_file = resolver.base_from(target)
        except ComposeError as error:
            if error.file != target or error.line is not None:
                raise
            # the file itself cannot be read: point at the ``extends.file`` that names it
            raise ExtendsError(error.message, file=file, path=("services", name, "extends", "file")) from None
        if ref not in base_services:
            raise ExtendsError(
                f"cannot extend service {name!r} in {file}: service {ref!r} not found in {base_file}",
                file=file,
                path=("services", name, "extends"),
            )
    elif ref not in services:
        raise ExtendsError(
            f'cannot extend service "{name}" in {file}: service "{ref}" not found',
            file=file,
            path=("services", name, "extends"),
        )
    _track(chain, base_file, ref)
    base = resolver.resolve(ref, base_services, base_file, chain)
    if base is None:
        service = dict(service)
        service.pop("extends", None)
        services[name] = service
        return service
    source = copy.deepcopy(base)
    source.pop("extends", None)
    resolver.drop_reset(source, file, name)
    merged = _merge(source, {k: v for k, v in service.items() if k != "extends"}, Path("services.x"))
    services[name] = merged
    return merged


def _track(chain: tuple[tuple[str, str], ...], file: str, service: str) -> tuple[tuple[str, str], ...]:
    entry = (file, service)
    if entry in chain:
        lines = ["Circular reference:", f"  {chain[0][1]} in {chain[0][0]}"]
        lines += [f"  extends {s} in {f}" for f, s in (*chain[1:], entry)]
        raise ExtendsError("\n".join(lines), file=file, path=("services", service, "extends"))
    return (*chain, entry)


REBASED = ("build.context", "env_file", "label_file", "extends.file")


def rebase_paths(services: dict, relative_dir: str) -> None:
    """Re-anchor the relative paths of services loaded from another file onto that file's directory."""
    if relative_dir in ("", "."):
        return
    for service in services.values():
        if not isinstance(service, dict):
            continue
        build = service.get("build")
        if isinstance(build, dict) and isinstance(build.get("context"), str):
            build["context"] = _join(relative_dir, build["context"])
        extends = service.get("extends")
        if isinstance(extends, dict) and isinstance(extends.get("file"), str):
            extends["file"] = _join(relative_dir, extends["file"])
        for entry in service.get("env_file") or []:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                entry["path"] = _join(relative_dir, entry["path"])
        for volume in service.get("volumes") or []:
            if isinstance(volume, dict) and volume.get("type") == "bind" and isinstance(volume.get("source"), str):
                source = volume["source"]
                if not source.startswith("~"):
                    volume["source"] = _join(relative_dir, source)


def _join(base: str, path: str) -> str:
    if os.path.isabs(path) or "://" in path or path.startswith("~"):
        return path
    return os.path.normpath(os.path.join(base, path))
