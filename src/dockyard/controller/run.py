"""Starting the operator: kopf's settings, the shared state handlers use, and who gets to act.

``run_controller(options)`` is what ``dockyard controller`` and the Deployment in ``deploy/`` run:

- **HA.** Every replica joins kopf's peering (``ClusterKopfPeering`` named ``dockyard``) with its own
  priority, random unless given. kopf pauses every replica that sees a live peer with a higher
  priority, so exactly one acts; when it stops (or its keep-alive expires) the next one resumes.
  ``--standalone`` skips peering (a single developer instance).
- **Triggers.** Handlers (``handlers.py``) turn create/update/resume/timer, owned-object changes,
  Events and ``env-config``/``env-secret`` changes into runs of the same engine, through one
  ``ReconcileQueue`` (``scheduling.py``): one run per composition at a time, debounced, with backoff.
- **Watches are filtered by the server:** owned objects by the composition label, ``env-config`` /
  ``env-secret`` by name, Events by ``type=Warning``, so the controller never streams every Secret
  or every Normal Event in the cluster.
- **State kopf keeps** goes into annotations under ``dockyard.dev`` (not into ``status``, which the
  engine owns), and the finalizer is ``dockyard.dev/finalizer``.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import kopf

from dockyard.manifests.result import LABEL_COMPOSITION

PEERING_NAME = "dockyard"
FINALIZER = "dockyard.dev/finalizer"
ANNOTATION_PREFIX = "dockyard.dev"
COMPONENT = "dockyard-controller"

__all__ = ["ControllerOptions", "ControllerState", "build_registry", "build_settings", "run_controller"]


@dataclass(frozen=True, slots=True)
class ControllerOptions:
    kubeconfig: str | None = None
    context: str | None = None
    namespaces: Sequence[str] = ()  # empty: every namespace (cluster-wide)
    standalone: bool = False
    priority: int | None = None  # None: random, so that replicas never tie
    peering_name: str = PEERING_NAME
    liveness_endpoint: str | None = None
    debounce: float = 1.0  # seconds of quiet before a triggered status refresh
    resync: float = 300.0  # periodic full reconcile of every composition
    workers: int = 16  # engine runs in parallel (threads for the synchronous engine)
    identity: str | None = None  # kopf peer identity; default host@pid


@dataclass
class ControllerState:
    """What every handler shares, kept in kopf's ``memo`` (one per operator instance)."""

    options: ControllerOptions
    config: Any = None  # lightkube SingleConfig
    client: Any = None  # engine client (field manager ``dockyard``)
    env_client: Any = None  # async client for Environment objects (field manager ``dockyard-environment``)
    queue: Any = None  # scheduling.ReconcileQueue
    tracker: Any = None  # events.RolloutTracker
    executor: Any = None  # threads for the synchronous engine
    suspended: Any = None  # kopf index: namespace -> [suspended flag]
    compositions: Any = None  # kopf index: namespace -> [composition names]
    refs: dict = field(default_factory=dict)  # (namespace, name) -> Composition reference for Events
    failures: dict = field(default_factory=dict)  # (namespace, name) -> last failure posted
    seen_status: dict = field(default_factory=dict)  # owned object uid -> digest of its last status
    reconciles: int = 0  # engine runs made by this instance (observable in tests and the bench)


def build_settings(options: ControllerOptions) -> kopf.OperatorSettings:
    settings = kopf.OperatorSettings()
    settings.peering.name = options.peering_name
    settings.peering.standalone = options.standalone
    settings.peering.mandatory = not options.standalone
    settings.peering.clusterwide = not options.namespaces
    settings.peering.priority = options.priority if options.priority is not None else random.randint(1, 2**30)
    settings.scanning.disabled = True  # CRDs are installed before the controller: no need to watch them
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=ANNOTATION_PREFIX)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=ANNOTATION_PREFIX, key="last-handled-configuration")
    settings.posting.reporting_component = COMPONENT
    settings.posting.level = 20  # INFO: Normal events (Applied, RolloutStarted ...) are posted too
    settings.posting.event_name_prefix = "dockyard-"
    settings.execution.max_workers = options.workers
    settings.watching.label_selectors["apps", "deployments"] = LABEL_COMPOSITION
    settings.watching.label_selectors["apps", "daemonsets"] = LABEL_COMPOSITION
    settings.watching.label_selectors["batch", "jobs"] = LABEL_COMPOSITION
    settings.watching.label_selectors["", "pods"] = LABEL_COMPOSITION
    settings.watching.field_selectors["", "events"] = "type=Warning"  # Normal ones follow status changes we see
    settings.watching.field_selectors["", "configmaps"] = "metadata.name=env-config"
    settings.watching.field_selectors["", "secrets"] = "metadata.name=env-secret"
    return settings


def build_registry(options: ControllerOptions) -> kopf.OperatorRegistry:
    from dockyard.controller import handlers

    registry = kopf.OperatorRegistry()
    handlers.register(registry, resync=options.resync)
    return registry


async def run_controller(
    options: ControllerOptions,
    *,
    stop_flag: asyncio.Event | threading.Event | None = None,
    ready_flag: asyncio.Event | threading.Event | None = None,
    state: ControllerState | None = None,
) -> None:
    """Run the operator until ``stop_flag`` is set (or SIGINT/SIGTERM when run from the CLI)."""
    state = state if state is not None else ControllerState(options=options)
    await kopf.operator(
        registry=build_registry(options),
        settings=build_settings(options),
        memo=kopf.Memo(state=state),
        clusterwide=not options.namespaces,
        namespaces=list(options.namespaces),
        standalone=options.standalone,
        peering_name=None if options.standalone else options.peering_name,
        liveness_endpoint=options.liveness_endpoint,
        identity=options.identity,
        stop_flag=stop_flag,
        ready_flag=ready_flag,
    )
