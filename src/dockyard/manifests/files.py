"""File content dockyard ships into the cluster: bind-mounted files, compose configs/secrets, env_file.

Everything is read from ``Project.files`` (the loader captured it), never from the disk.
Text goes into ``data``, anything that is not UTF-8 into ``binaryData``; a ConfigMap or Secret
cannot exceed 1 MiB, so bigger content is an error naming the mount. Compose secrets only ever
land in Secret objects; an env-secret referenced by ``environment:`` is mounted from the
environment's ``env-secret`` Secret instead of being copied.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
from collections.abc import Mapping
from typing import Any

from dockyard.compose.model import FileObject, FileReference, Project, Service

from . import labels, names, secretrefs
from .context import Context

OBJECT_LIMIT = 1 << 20  # bytes: etcd's limit for a ConfigMap / Secret


def bind_sources(project: Project, source: str) -> dict[str, bytes]:
    """The shipped files under a bind source, keyed by path relative to it ("" for a single file)."""
    if source in project.files:
        return {"": project.files[source]}
    prefix = source.rstrip("/") + "/"
    # sort the files under the source only: this runs for every bind mount of every service
    under = sorted(item for item in project.files.items() if item[0].startswith(prefix))
    return {path[len(prefix):]: content for path, content in under}


def _data(contents: Mapping[str, bytes]) -> dict[str, Any]:
    text: dict[str, str] = {}
    binary: dict[str, str] = {}
    for key in sorted(contents):
        try:
            text[key] = contents[key].decode("utf-8")
        except UnicodeDecodeError:
            binary[key] = base64.b64encode(contents[key]).decode("ascii")
    out: dict[str, Any] = {}
    if text:
        out["data"] = text
    if binary:
        out["binaryData"] = binary
    return out


def _check_size(ctx: Context, path: tuple, contents: Mapping[str, bytes], what: str) -> None:
    size = sum(len(v) for v in contents.values())
    if size > OBJECT_LIMIT:
        raise ctx.error(path, f"{what} holds {size} bytes; a ConfigMap or Secret is limited to 1 MiB "
                        "(bake large files into the image or use a volume)")


def _config_map(ctx: Context, name: str, meta_labels: Mapping[str, str], contents: Mapping[str, bytes]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": labels.metadata(name, ctx.namespace, meta_labels), **_data(contents)}


def _secret(ctx: Context, name: str, meta_labels: Mapping[str, str], contents: Mapping[str, bytes]) -> dict[str, Any]:
    data = {k: base64.b64encode(contents[k]).decode("ascii") for k in sorted(contents)}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": labels.metadata(name, ctx.namespace, meta_labels),
            "type": "Opaque", "data": data}


def bind_config_map(ctx: Context, service: Service, index: int, target: str, source: str,
                    shipped: Mapping[str, bytes]) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """(ConfigMap, pod volume, subPath or None) for one bind mount of shipped files."""
    path = ("services", service.name, "volumes", index)
    _check_size(ctx, path, shipped, f"bind mount {source}")
    dns = ctx.dns_names[service.name]
    name = names.joined(dns, "files", target.strip("/") or "root")
    if "" in shipped:
        key = names.config_key(posixpath.basename(source))
        contents = {key: shipped[""]}
        items = [{"key": key, "path": key}]
        sub_path: str | None = key
    else:
        contents = {names.config_key(rel): content for rel, content in shipped.items()}
        items = [{"key": names.config_key(rel), "path": rel} for rel in sorted(shipped)]
        sub_path = None
    config_map = _config_map(ctx, name, labels.for_service(ctx.environment, dns), contents)
    volume = {"name": names.joined("files", names.short_hash(target)), "configMap": {"name": name, "items": items}}
    return config_map, volume, sub_path


def env_file_values(service: Service) -> dict[str, str]:
    """The variables of the service's env_file entries, later files winning, minus inline ``environment``."""
    merged: dict[str, str] = {}
    for env_file in service.env_files:
        merged.update(env_file.values or {})
    return {k: v for k, v in merged.items() if k not in service.environment}


def env_file_config_map(ctx: Context, service: Service, values: Mapping[str, str]) -> dict[str, Any]:
    dns = ctx.dns_names[service.name]
    contents = {k: v.encode() for k, v in values.items()}
    _check_size(ctx, ("services", service.name, "env_file"), contents, "env_file")
    return _config_map(ctx, names.joined(dns, "env"), labels.for_service(ctx.environment, dns), contents)


# --- compose top-level configs / secrets -------------------------------------------------------

def _object_name(obj: FileObject) -> str:
    return names.dns_label(obj.name)


def _content(ctx: Context, section: str, obj: FileObject) -> bytes | str:
    """The bytes of a config/secret, or the env-secret KEY (str) when it comes from one."""
    path = (section, obj.key)
    if obj.file is not None:
        if obj.file not in ctx.project.files:
            raise ctx.error((*path, "file"), f"{obj.file} was not found next to the compose file")
        return ctx.project.files[obj.file]
    if obj.content is not None:
        if secretrefs.has_marker(obj.content):
            raise ctx.error((*path, "content"), "an env-secret cannot be interpolated into a config's content "
                            "(it would be stored in a ConfigMap); use a compose secret with environment: KEY")
        return obj.content.encode()
    if obj.environment is not None:
        value = ctx.project.environment.get(obj.environment)
        key = secretrefs.whole_key(value) if value is not None else None
        if key is not None:
            return key
        if value is None:
            raise ctx.error((*path, "environment"), f"variable {obj.environment} is not set (pass it with --config, "
                            "--secret-keys or --var)")
        if secretrefs.has_marker(value):
            raise ctx.error((*path, "environment"), f"variable {obj.environment} mixes an env-secret with other text")
        return value.encode()
    raise ctx.error(path, "has no file, content or environment source")


def file_objects(ctx: Context) -> list[dict[str, Any]]:
    """ConfigMaps and Secrets for the compose configs/secrets that enabled services reference."""
    objects = []
    for section, kind, build in (("configs", "ConfigMap", _config_map), ("secrets", "Secret", _secret)):
        declared: Mapping[str, FileObject] = getattr(ctx.project, section)
        used = sorted({r.source for s in ctx.project.services.values() for r in getattr(s, section)})
        collision = names.find_collisions((key, _object_name(declared[key])) for key in used
                                          if key in declared and not declared[key].external)
        if collision:
            first, second, name = collision
            raise ctx.error((section, second), f"{section} {first!r} and {second!r} both become the Kubernetes "
                            f"{kind} {name!r}; rename one")
        for key in used:
            obj = declared.get(key)
            if obj is None or obj.external:
                continue
            content = _content(ctx, section, obj)
            if isinstance(content, str):
                continue  # mounted straight from env-secret
            if section == "configs" and secretrefs.has_marker(content.decode("utf-8", "replace")):
                raise ctx.error((section, key), "an env-secret cannot be stored in a config; use a compose secret")
            contents = {names.config_key(key): content}
            _check_size(ctx, (section, key), contents, f"{section[:-1]} {key}")
            objects.append(build(ctx, _object_name(obj), labels.common(ctx.environment), contents))
    return objects


def file_mounts(ctx: Context, service: Service) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(pod volumes, container mounts) for the service's configs and secrets."""
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    for section, refs, default_dir in (("configs", service.configs, "/"), ("secrets", service.secrets, "/run/secrets/")):
        declared: Mapping[str, FileObject] = getattr(ctx.project, section)
        for index, ref in enumerate(refs):
            path = ("services", service.name, section, index)
            obj = declared.get(ref.source)
            if obj is None:
                raise ctx.error(path, f"{section[:-1]} {ref.source!r} is not declared in the top-level {section} section")
            volume, mount = _file_mount(ctx, section, obj, ref, default_dir)
            volumes.append(volume)
            mounts.append(mount)
            if ref.uid is not None or ref.gid is not None:
                ctx.warn(path, "uid/gid of mounted files are not mapped (use the pod's fsGroup via user:)", service.name)
    return volumes, mounts


def _file_mount(ctx: Context, section: str, obj: FileObject, ref: FileReference, default_dir: str) -> tuple[dict, dict]:
    target = ref.target or obj.key
    if not target.startswith("/"):
        target = default_dir + target
    key = names.config_key(obj.key)
    external_ok = obj.external and names.is_dns_subdomain(obj.name)
    source_name = obj.name if external_ok else _object_name(obj)
    if obj.external and not external_ok:
        ctx.warn((section, obj.key), f"external {section[:-1]} {obj.name!r} is not a Kubernetes name; using "
                 f"{source_name!r}")
    if not obj.external:
        content = _content(ctx, section, obj)
        if isinstance(content, str):
            key, source_name = content, secretrefs.ENV_SECRET
    item: dict[str, Any] = {"key": key, "path": key}
    if ref.mode is not None:
        item["mode"] = ref.mode
    volume_name = names.joined(section[:-1], obj.key)
    if section == "configs" and source_name != secretrefs.ENV_SECRET:
        source = {"configMap": {"name": source_name, "items": [item]}}
    else:
        source = {"secret": {"secretName": source_name, "items": [item]}}
    mount = {"name": volume_name, "mountPath": target, "subPath": key, "readOnly": True}
    return {"name": volume_name, **source}, mount


# --- rolling pods when shipped content changes -----------------------------------------------

ANNOTATION_CONTENT_DIGEST = "dockyard.dev/content-digest"
_DIGEST_JSON = json.JSONEncoder(sort_keys=True).encode  # json.dumps(..., sort_keys=True) builds an encoder per call


def _referenced_config_maps(pod: Mapping[str, Any]) -> list[str]:
    names = {volume["configMap"]["name"] for volume in pod.get("volumes") or [] if "configMap" in volume}
    names |= {source["configMapRef"]["name"] for container in pod["containers"]
              for source in container.get("envFrom") or [] if "configMapRef" in source}
    return sorted(names)


def referenced_config_maps(workload: Mapping[str, Any]) -> list[str]:
    """The ConfigMaps a workload's pods mount or take environment variables from."""
    return _referenced_config_maps(workload["spec"]["template"]["spec"])


def stamp_content_digest(workload: dict[str, Any], rendered: Mapping[tuple[str, str], dict[str, Any]]) -> None:
    """Annotate the pod template with a digest of the ConfigMaps dockyard renders for it.

    Kubernetes does not restart pods when a mounted ConfigMap changes; a changed digest changes
    the template, so editing a bind-mounted file or an env_file rolls the service. Secrets are
    never part of it: an unkeyed hash of a secret in a Deployment would let anyone who reads
    Deployments test guesses of it. The reconciler folds the rendered Secrets a pod mounts into
    its keyed ``dockyard.dev/config-digest`` instead (``reconcile/digest.py``), as it does for
    env-level values.
    """
    pod_template = workload["spec"]["template"]
    contents = [("ConfigMap", name, rendered[("ConfigMap", name)].get("data"), rendered[("ConfigMap", name)].get("binaryData"))
                for name in _referenced_config_maps(pod_template["spec"]) if ("ConfigMap", name) in rendered]
    if not contents:
        return
    digest = hashlib.sha256(_DIGEST_JSON(contents).encode()).hexdigest()[:16]
    pod_template["metadata"].setdefault("annotations", {})[ANNOTATION_CONTENT_DIGEST] = digest
