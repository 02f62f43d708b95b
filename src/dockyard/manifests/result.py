"""What ``translate`` returns: the objects to apply plus what the reconciler needs to know about them.

This is the contract between ``manifests/`` (pure) and ``reconcile/`` (I/O). Objects are plain
Kubernetes dicts (apiVersion, kind, metadata, spec ...) in apply order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dockyard.compose.model import Dependency

# Labels dockyard puts on every object it renders. Selectors use only SELECTOR_LABELS.
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"  # value: "dockyard"
LABEL_NAME = "app.kubernetes.io/name"  # value: the service's DNS name
LABEL_PART_OF = "app.kubernetes.io/part-of"  # value: the composition name
LABEL_COMPOSITION = "dockyard.dev/composition"  # value: the composition name (ownership, pruning)
LABEL_SERVICE = "dockyard.dev/service"  # value: the service's DNS name (selector)
LABEL_ENVIRONMENT = "dockyard.dev/environment"  # value: the environment name
ANNOTATION_CONFIG_DIGEST = "dockyard.dev/config-digest"  # pod template; set by reconcile/


def _empty() -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class Environment:
    """Where a project is rendered: ``env-{name}`` and the keys of its env-level config and secret.

    ``config`` holds env-config values (substituted into the compose text). Only the KEYS of
    env-secret are known here: secret values are never needed to render.
    """

    name: str
    config: Mapping[str, str] = field(default_factory=_empty)
    secret_keys: frozenset[str] = frozenset()
    composition: str = "default"
    allow: frozenset[str] = frozenset()  # policy exceptions, e.g. {"privileged", "host-ports"}

    @property
    def namespace(self) -> str:
        return f"env-{self.name}"


@dataclass(frozen=True, slots=True)
class RenderWarning:
    """Something dockyard did not map, or mapped differently than compose would run it."""

    message: str
    path: str  # dotted compose path, e.g. "services.web.cap_add"
    service: str | None = None
    location: str | None = None  # "compose.yaml:12:7" when known

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class ObjectRef:
    api_version: str
    kind: str
    name: str
    namespace: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceRender:
    """One compose service as rendered: which objects belong to it and what it depends on."""

    name: str  # compose service name
    dns_name: str  # Kubernetes name of its Service / workload
    workload: ObjectRef  # Deployment, Job or DaemonSet
    objects: tuple[ObjectRef, ...]  # every object rendered for this service (workload included)
    depends_on: Mapping[str, Dependency] = field(default_factory=_empty)  # compose names
    config_keys: frozenset[str] = frozenset()  # env-config keys its rendered spec used
    secret_keys: frozenset[str] = frozenset()  # env-secret keys its rendered spec references
    has_healthcheck: bool = False


@dataclass(frozen=True, slots=True)
class Rendered:
    environment: Environment
    objects: tuple[dict[str, Any], ...]  # apply order: config/secret/PVC, Services, workloads
    services: Mapping[str, ServiceRender]
    warnings: tuple[RenderWarning, ...] = ()
