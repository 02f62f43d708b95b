"""Labels and annotations: dockyard's own (ownership, selectors) and the user's compose ones.

Selectors use only ``dockyard.dev/service`` + ``dockyard.dev/composition``: they are immutable
on Deployments, so they never depend on anything a user can change later. Compose ``labels`` that
are valid Kubernetes label syntax become labels, the rest annotations (Kubernetes labels are
short and restricted; annotations take anything).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from .result import (
    LABEL_COMPOSITION,
    LABEL_ENVIRONMENT,
    LABEL_MANAGED_BY,
    LABEL_NAME,
    LABEL_PART_OF,
    LABEL_SERVICE,
    Environment,
)

LABEL_VOLUME = "dockyard.dev/volume"  # on PersistentVolumeClaims: the compose volume key
MANAGED_BY = "dockyard"
RESERVED_PREFIXES = ("dockyard.dev/", "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of", "app.kubernetes.io/name")

_NAME = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?")
_DNS_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")


def _is_name(text: str) -> bool:
    return len(text) <= 63 and _NAME.fullmatch(text) is not None


@lru_cache(maxsize=4096)  # the same few keys come back on every service
def is_label_key(key: str) -> bool:
    """A qualified name: optional DNS-subdomain prefix and ``/``, then a name of at most 63 characters."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not all(_DNS_LABEL.fullmatch(p) for p in prefix.split("."))):
        return False
    return _is_name(name)


@lru_cache(maxsize=4096)
def is_label_value(value: str) -> bool:
    return value == "" or _is_name(value)


def common(environment: Environment) -> dict[str, str]:
    """On every object dockyard renders."""
    return {
        LABEL_MANAGED_BY: MANAGED_BY,
        LABEL_PART_OF: environment.composition,
        LABEL_COMPOSITION: environment.composition,
        LABEL_ENVIRONMENT: environment.name,
    }


def for_service(environment: Environment, dns_name: str) -> dict[str, str]:
    # ``common`` spelled out, not merged in: a few calls per service, and one dict instead of two
    return {
        LABEL_MANAGED_BY: MANAGED_BY,
        LABEL_PART_OF: environment.composition,
        LABEL_COMPOSITION: environment.composition,
        LABEL_ENVIRONMENT: environment.name,
        LABEL_NAME: dns_name,
        LABEL_SERVICE: dns_name,
    }


def selector(environment: Environment, dns_name: str) -> dict[str, str]:
    return {LABEL_SERVICE: dns_name, LABEL_COMPOSITION: environment.composition}


def is_reserved(key: str) -> bool:
    return key.startswith(RESERVED_PREFIXES)


def split_user_labels(labels: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(labels, annotations, rejected keys): valid label syntax → labels, other values → annotations.

    A key that is not even a valid annotation key (qualified name) cannot be kept at all.
    """
    as_labels: dict[str, str] = {}
    as_annotations: dict[str, str] = {}
    rejected: list[str] = []
    for key in sorted(labels):
        value = "" if labels[key] is None else str(labels[key])
        if not is_label_key(key):
            rejected.append(key)
        elif is_label_value(value):
            as_labels[key] = value
        else:
            as_annotations[key] = value
    return as_labels, as_annotations, rejected


def metadata(name: str, namespace: str, labels: Mapping[str, str], annotations: Mapping[str, str] | None = None) -> dict:
    meta: dict = {"name": name, "namespace": namespace, "labels": dict(labels)}
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta
