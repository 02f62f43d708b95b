"""What ``dockyard install`` / ``uninstall`` apply: the manifests shipped in ``dockyard/deploy/``.

The files are package data, read in ``MANIFESTS`` order: CRDs first (and waited for until the API
serves them), then the namespace, the ServiceAccount, the least-privilege ClusterRole and its binding,
the kopf peering object, and the controller Deployment. Uninstall removes them in reverse order but
keeps the CRDs unless asked: deleting a CRD deletes every Composition and Environment with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

import yaml

MANIFESTS = (
    "crds/composition.yaml",
    "crds/environment.yaml",
    "crds/workspace.yaml",
    "crds/kopf-peering.yaml",
    "namespace.yaml",
    "serviceaccount.yaml",
    "rbac.yaml",
    "peering.yaml",
    "deployment.yaml",
)
CRD_KIND = "CustomResourceDefinition"

__all__ = ["MANIFESTS", "install", "manifests", "uninstall"]


def _read(relative: str) -> str:
    return resources.files("dockyard").joinpath("deploy", relative).read_text()


def manifests(image: str | None = None) -> list[dict[str, Any]]:
    """Every object ``install`` applies, in order; ``image`` replaces the controller's image."""
    objects = [doc for name in MANIFESTS for doc in yaml.safe_load_all(_read(name)) if doc]
    if image:
        for obj in objects:
            if obj["kind"] == "Deployment":
                for container in obj["spec"]["template"]["spec"]["containers"]:
                    container["image"] = image
    return objects


def describe(obj: dict[str, Any]) -> str:
    meta = obj["metadata"]
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{obj['kind']} {where}{meta['name']}"


def _established(crd: dict[str, Any] | None) -> bool:
    conditions = ((crd or {}).get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)


def _wait_established(client, names: Iterable[str], timeout: float, sleep: Callable[[float], None]) -> None:
    from dockyard.errors import ClusterError

    deadline = time.monotonic() + timeout
    for name in names:
        while not _established(client.get("apiextensions.k8s.io/v1", CRD_KIND, name)):
            if time.monotonic() > deadline:
                raise ClusterError(f"CustomResourceDefinition {name} was not established within {timeout:.0f}s")
            sleep(0.5)


def install(client, objects: list[dict[str, Any]], *, timeout: float = 60.0,
            report: Callable[[str], None] = lambda _: None, sleep: Callable[[float], None] = time.sleep) -> None:
    """Server-side apply ``objects`` (field manager of ``client``), CRDs first and waited for."""
    crds = [o for o in objects if o["kind"] == CRD_KIND]
    for obj in crds:
        client.apply(obj, force=True)
        report(f"applied {describe(obj)}")
    _wait_established(client, [o["metadata"]["name"] for o in crds], timeout, sleep)
    for obj in objects:
        if obj["kind"] != CRD_KIND:
            client.apply(obj, force=True)
            report(f"applied {describe(obj)}")


def uninstall(client, objects: list[dict[str, Any]], *, crds: bool = False,
              report: Callable[[str], None] = lambda _: None) -> None:
    for obj in reversed(objects):
        if obj["kind"] == CRD_KIND and not crds:
            continue
        meta = obj["metadata"]
        if client.delete(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace")):
            report(f"deleted {describe(obj)}")
