"""The Composition custom resource: everything needed to reconcile a project without the user's disk.

``build`` turns what the CLI read (compose documents in ``-f`` order, the project's referenced files from
``Project.files``, ``.env``, profiles, explicit ``--var`` values) into a Composition object plus, when the
project has file-backed compose secrets, a Secret holding those files: secret material never goes into the
custom resource. ``source`` does the reverse for the engine: it rebuilds the loader's input under a fixed
virtual project directory, so the CLI (``--local``) and the controller load exactly the same thing.

The user's shell environment is deliberately not captured: the controller could never see it.
"""

from __future__ import annotations

import base64
import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dockyard.errors import TerminalError
from dockyard.manifests.result import LABEL_ENVIRONMENT, LABEL_MANAGED_BY, LABEL_PART_OF

GROUP = "dockyard.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "Composition"
VIRTUAL_ROOT = "/composition"
MAX_BYTES = 1024 * 1024  # etcd stores objects up to 1.5 MiB; leave room for status and metadata
LABEL_FILES_OF = "dockyard.dev/files-of"
CONTROLLER = ("dockyard-system", "dockyard-controller")  # (namespace, Deployment) of ``dockyard install``
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")  # on the Secret holding file-backed compose secrets

__all__ = [
    "API_VERSION",
    "CompositionInput",
    "CompositionSource",
    "KIND",
    "build",
    "controller_running",
    "crd",
    "ensure_crd",
    "files_secret_name",
    "source",
    "store",
]


@dataclass(frozen=True, slots=True)
class CompositionInput:
    """What the CLI collected from the user's disk and command line."""

    name: str  # the composition (and compose project) name
    environment: str
    compose_files: Sequence[tuple[str, str]]  # (path relative to the project dir, content), -f order
    files: Mapping[str, bytes] = field(default_factory=dict)  # relative path -> content (Project.files)
    secret_files: frozenset[str] = frozenset()  # relative paths of file-backed compose secrets
    dotenv: str | None = None
    profiles: Sequence[str] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    prune_volumes: bool = False
    allow: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class CompositionSource:
    """The loader's input rebuilt from a stored Composition."""

    working_dir: str
    config_files: tuple[str, ...]  # absolute virtual paths, -f order
    files: Mapping[str, bytes]  # absolute virtual path -> content (compose documents included)
    project_name: str
    profiles: tuple[str, ...]
    variables: Mapping[str, str]
    prune_volumes: bool
    allow: frozenset[str]


def files_secret_name(composition: str) -> str:
    return f"{composition}-compose-files"


def _encode(content: bytes) -> dict[str, str]:
    try:
        return {"content": content.decode("utf-8")}
    except UnicodeDecodeError:
        return {"contentBase64": base64.b64encode(content).decode()}


def _decode(entry: Mapping[str, Any]) -> bytes:
    if "contentBase64" in entry:
        return base64.b64decode(entry["contentBase64"])
    return str(entry.get("content", "")).encode()


def _labels(data: CompositionInput) -> dict[str, str]:
    return {LABEL_MANAGED_BY: "dockyard", LABEL_PART_OF: data.name, LABEL_ENVIRONMENT: data.environment}


def build(data: CompositionInput) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The Composition object and the Secret of file-backed compose secrets (None when there are none).

    Raises ``TerminalError`` when the composition would not fit in one API object.
    """
    if not _NAME.match(data.name) or len(data.name) > 40:
        raise TerminalError(
            f"composition name {data.name!r} cannot name Kubernetes objects: use at most 40 lowercase letters, "
            "digits and '-' (set `name:` in the compose file or pass --name)"
        )
    namespace = f"env-{data.environment}"
    plain = {p: c for p, c in sorted(data.files.items()) if p not in data.secret_files}
    secret_paths = sorted(p for p in data.files if p in data.secret_files)
    spec: dict[str, Any] = {
        "projectName": data.name,
        "composeFiles": [{"path": path, "content": content} for path, content in data.compose_files],
        "files": [{"path": path, **_encode(content)} for path, content in plain.items()],
        "profiles": list(data.profiles),
        "variables": dict(sorted(data.variables.items())),
        "pruneVolumes": data.prune_volumes,
        "allow": sorted(data.allow),
    }
    if data.dotenv is not None:
        spec["dotenv"] = data.dotenv
    secret = None
    if secret_paths:
        entries = [{"path": path, "key": f"file-{index}"} for index, path in enumerate(secret_paths)]
        spec["secretFiles"] = {"secretName": files_secret_name(data.name), "files": entries}
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": files_secret_name(data.name), "namespace": namespace,
                         "labels": {**_labels(data), LABEL_FILES_OF: data.name}},
            "type": "Opaque",
            "data": {e["key"]: base64.b64encode(data.files[e["path"]]).decode() for e in entries},
        }
    composition = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": data.name, "namespace": namespace, "labels": _labels(data)},
        "spec": spec,
    }
    _check_size(composition, data)
    return composition, secret


def _check_size(composition: Mapping[str, Any], data: CompositionInput) -> None:
    size = len(json.dumps(composition, separators=(",", ":")).encode())
    if size <= MAX_BYTES:
        return
    biggest = sorted(data.files.items(), key=lambda item: -len(item[1]))[:3]
    detail = ", ".join(f"{path} ({len(content) // 1024} KiB)" for path, content in biggest)
    raise TerminalError(
        f"composition {data.name!r} is {size // 1024} KiB, over the {MAX_BYTES // 1024} KiB a Kubernetes object can "
        f"hold; the largest referenced files are: {detail or 'none'}. Move large files into an image or a volume."
    )


def _virtual(relative: str) -> str:
    return posixpath.normpath(posixpath.join(VIRTUAL_ROOT, relative))


def source(composition: Mapping[str, Any], secret_files: Mapping[str, bytes] | None = None) -> CompositionSource:
    """The loader input stored in ``composition``; ``secret_files`` maps Secret data keys to contents."""
    spec = composition.get("spec") or {}
    files: dict[str, bytes] = {}
    for entry in spec.get("files") or []:
        files[_virtual(entry["path"])] = _decode(entry)
    for entry in ((spec.get("secretFiles") or {}).get("files")) or []:
        content = (secret_files or {}).get(entry["key"])
        if content is None:
            raise TerminalError(
                f"the Secret {(spec.get('secretFiles') or {}).get('secretName')} lacks {entry['key']} "
                f"(compose secret file {entry['path']}); run dockyard apply again"
            )
        files[_virtual(entry["path"])] = content
    config_files = []
    for entry in spec.get("composeFiles") or []:
        path = _virtual(entry["path"])
        files[path] = str(entry.get("content", "")).encode()
        config_files.append(path)
    if "dotenv" in spec:
        files[_virtual(".env")] = str(spec["dotenv"]).encode()
    if not config_files:
        raise TerminalError(f"composition {composition['metadata']['name']!r} holds no compose file")
    return CompositionSource(
        working_dir=VIRTUAL_ROOT,
        config_files=tuple(config_files),
        files=files,
        project_name=spec.get("projectName") or composition["metadata"]["name"],
        profiles=tuple(spec.get("profiles") or ()),
        variables=dict(spec.get("variables") or {}),
        prune_volumes=bool(spec.get("pruneVolumes")),
        allow=frozenset(spec.get("allow") or ()),
    )


def user_message(text: str) -> str:
    """``text`` with stored-file paths shown as the user wrote them (``compose.yaml:4:22``, not the virtual root)."""
    return text.replace(VIRTUAL_ROOT + "/", "")


def crd() -> dict[str, Any]:
    """The Composition CustomResourceDefinition shipped in ``dockyard/deploy/crds/composition.yaml``."""
    from importlib.resources import files

    import yaml

    return yaml.safe_load((files("dockyard") / "deploy" / "crds" / "composition.yaml").read_text())


def ensure_crd(client) -> bool:
    """Install the Composition CRD when the cluster lacks it; True when it was installed."""
    definition = crd()
    if client.get(definition["apiVersion"], definition["kind"], definition["metadata"]["name"]) is not None:
        return False
    client.apply(definition)
    return True


def controller_running(client) -> bool:
    """A dockyard controller Deployment with an available replica: a stored Composition will be applied."""
    from dockyard.errors import DockyardError

    try:
        live = client.get("apps/v1", "Deployment", CONTROLLER[1], CONTROLLER[0])
    except DockyardError:
        return False
    return bool(((live or {}).get("status") or {}).get("availableReplicas"))


def store(client, composition: Mapping[str, Any], secret: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write the Composition (and first its Secret of compose secret files); returns the stored object.

    The object is applied whole with ``force``: dockyard owns every field of its spec. Objects that are
    already stored exactly so are not written again.
    """
    from dockyard.reconcile.plan import is_subset

    meta = composition.get("metadata") or {}
    if secret is not None:
        live_secret = client.get("v1", "Secret", secret["metadata"]["name"], meta.get("namespace"))
        if live_secret is None or not is_subset(dict(secret), live_secret):
            client.apply(secret, force=True)
    body = {"apiVersion": composition.get("apiVersion", API_VERSION), "kind": composition.get("kind", KIND),
            "metadata": {k: v for k, v in meta.items() if k in ("name", "namespace", "labels", "annotations")},
            "spec": composition.get("spec") or {}}
    live = client.get(body["apiVersion"], body["kind"], meta["name"], meta.get("namespace"))
    if live is not None and live.get("spec") == body["spec"] and is_subset(body["metadata"], live["metadata"]):
        return live
    return client.apply(body, force=True)
