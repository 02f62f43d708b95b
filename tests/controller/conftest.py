"""The real kopf operator, run in a thread against the emulated API over HTTP.

Setup (CRDs, the peering object, Environments, Compositions, simulated Deployment status) goes
through the emulator's store helpers, which are not logged: every request in ``kube.requests`` after
``cluster`` is the controller's own.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from dockyard.controller.install import manifests
from dockyard.controller.run import ControllerOptions, ControllerState, run_controller
from dockyard.reconcile.composition import CompositionInput, build
from tests.emulator.fixtures import kube  # noqa: F401  (the emulated API server, one per test)

T = TypeVar("T")
GROUP_VERSION = "dockyard.dev/v1alpha1"


def wait_until(probe: Callable[[], T], timeout: float = 60.0, what: str = "condition") -> T:
    """Poll ``probe`` until it returns something truthy; fail with the last value after ``timeout``.

    The timeout only matters when the code is broken: under a loaded machine a run may take seconds.
    """
    deadline = time.monotonic() + timeout
    value = probe()
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        time.sleep(0.05)
        value = probe()
    return value


class Controller:
    """One operator instance (its own thread, event loop, registry, settings and state)."""

    def __init__(self, options: ControllerOptions) -> None:
        self.state = ControllerState(options=options)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name=f"controller-{options.identity}", daemon=True)

    def _main(self) -> None:
        try:
            asyncio.run(run_controller(self.state.options, stop_flag=self._stop, ready_flag=self._ready,
                                       state=self.state))
        except BaseException as exc:  # surfaced by stop()
            self._error = exc

    def start(self) -> Controller:
        self._thread.start()
        assert self._ready.wait(60), "the operator did not become ready"
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)
        assert not self._thread.is_alive(), "the operator did not stop"
        if self._error is not None:
            raise self._error


def quiet(kube, *controllers: Controller, period: float = 0.5, timeout: float = 60.0) -> None:
    """Wait until ``controllers`` have no run running or due soon and have made no request for ``period`` s.

    The idle queues cover runs the controller already knows about (a requeue of a progressing
    composition, seconds away, does not count); the quiet period covers watch events on their way.
    """
    seen = [len(kube.requests), time.monotonic()]

    def settled() -> bool:
        if len(kube.requests) != seen[0] or not all(c.state.queue.idle() for c in controllers):
            seen[:] = [len(kube.requests), time.monotonic()]
        return time.monotonic() - seen[1] >= period

    wait_until(settled, timeout, what="a quiet controller")


def options(**overrides: Any) -> ControllerOptions:
    base = dict(priority=100, debounce=0.1, resync=3600.0, workers=4, identity="primary")
    return ControllerOptions(**(base | overrides))


@pytest.fixture
def cluster(kube):
    """The emulator with dockyard's CRDs and the kopf peering object installed."""
    for obj in manifests():
        if obj["kind"] in ("CustomResourceDefinition", "ClusterKopfPeering"):
            kube.store_put(obj)
    kube.requests.clear()
    return kube


def role_rules(*names: str) -> set[tuple[str, str, str]]:
    """(verb, API group, resource) triples the ClusterRoles ``names`` in deploy/rbac.yaml grant."""
    roles = [o for o in manifests() if o["kind"] == "ClusterRole" and o["metadata"]["name"] in names]
    return {(verb, group, resource) for role in roles for rule in role["rules"] for group in rule["apiGroups"]
            for resource in rule["resources"] for verb in rule["verbs"]}


def calls_made(kube) -> set[tuple[str, str, str]]:
    """(verb, API group, resource) of every request in the log, in RBAC's words (apply is a patch)."""
    made = set()
    for record in kube.requests:
        if not record.plural or not record.verb:
            continue  # discovery (/api, /apis/...) is open to every authenticated client
        resource = record.plural + (f"/{record.subresource}" if record.subresource else "")
        made.add(("patch" if record.verb == "apply" else record.verb, record.group or "", resource))
    return made


@pytest.fixture
def start_controller(cluster) -> Iterator[Callable[..., Controller]]:
    """Start operator instances; afterwards, check that every call they made is one the install grants."""
    running: list[Controller] = []

    def start(**overrides: Any) -> Controller:
        controller = Controller(options(**overrides)).start()
        running.append(controller)
        return controller

    yield start
    for controller in running:
        if controller._thread.is_alive():
            controller.stop()
    assert not cluster.server_errors
    denied = calls_made(cluster) - role_rules("dockyard-controller", "dockyard-controller-workspaces")
    assert not denied, f"calls the installed ClusterRoles do not allow: {sorted(denied)}"


@pytest.fixture
def controller(start_controller) -> Controller:
    return start_controller()


# ---------------------------------------------------------------- setup helpers

def put_environment(kube, name: str = "dev", **spec: Any) -> dict:
    return kube.store_put({"apiVersion": GROUP_VERSION, "kind": "Environment", "metadata": {"name": name},
                           "spec": spec})


def put_composition(kube, compose: str, *, name: str = "shop", env: str = "dev", prune_volumes: bool = False,
                    files: dict[str, bytes] | None = None, secret_files: frozenset[str] = frozenset()) -> dict:
    """What ``dockyard apply`` stores: the Composition and, for file-backed compose secrets, their Secret."""
    cr, secret = build(CompositionInput(name=name, environment=env, compose_files=[("compose.yaml", compose)],
                                        files=files or {}, secret_files=secret_files, prune_volumes=prune_volumes))
    if secret is not None:
        kube.store_put(secret)
    return kube.store_put(cr)


def composition(kube, name: str = "shop", env: str = "dev") -> dict:
    return kube.store_get("Composition", name, f"env-{env}", GROUP_VERSION) or {}


def condition(obj: dict, type_: str) -> dict:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == type_), {})


def reconciled(kube, name: str = "shop", env: str = "dev") -> dict | None:
    """The Composition once its status reports Reconciled for its current generation."""
    obj = composition(kube, name, env)
    cond = condition(obj, "Reconciled")
    done = cond.get("status") == "True" and cond.get("observedGeneration") == obj["metadata"].get("generation")
    return obj if done else None


def events_about(kube, name: str = "shop", env: str = "dev") -> list[tuple[str, str]]:
    return [(e["reason"], e.get("message", "")) for e in kube.store_list("Event", f"env-{env}")
            if (e.get("involvedObject") or {}).get("kind") == "Composition"
            and e["involvedObject"].get("name") == name]


def ready_deployment(kube, name: str, namespace: str = "env-dev") -> None:
    """What the Deployment controller would report once every replica of the current template is up."""
    live = kube.store_get("Deployment", name, namespace)
    replicas = live["spec"].get("replicas", 1)
    kube.store_patch_status("Deployment", name, namespace, {
        "observedGeneration": live["metadata"]["generation"], "replicas": replicas, "updatedReplicas": replicas,
        "readyReplicas": replicas, "availableReplicas": replicas,
        "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                       {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}],
    })
