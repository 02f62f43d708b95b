"""A small cluster simulator: the controllers, scheduler and kubelet a real cluster runs.

It is separate from the API emulation and acts only through the store's ordinary write rules
(as named managers, with resourceVersions, events to watchers) — the same storage the code under test
reads over HTTP. Switch it on with `kube.simulator.enabled = True` (or `KubeEmulator(simulator=True)`).

* Deployments → a ReplicaSet per pod template (`<deploy>-<hash>`, `pod-template-hash` label) → Pods
  (`<rs>-xxxxx`); rolling updates move one pod at a time within maxSurge/maxUnavailable; Deployment
  status (replicas, updated/ready/available, observedGeneration, conditions Available/Progressing).
* Jobs → a Pod → Succeeded → Job Complete (or Failed after backoffLimit); DaemonSets → one pod per fake node;
  StatefulSets → ordered `<name>-N` pods and PVCs from volumeClaimTemplates; PVCs get Bound.
* Pods: scheduled on 3 fake nodes, then Running and Ready — unless something makes them fail the way
  real pods fail: missing ConfigMap/Secret (keys) → CreateContainerConfigError, images listed in
  `unpullable_images` → ImagePullBackOff, and injected faults (`fail_pods`): crash loops with exit code
  and a log line, unschedulable with a FailedScheduling event, readiness failures.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import hashlib
import json
import math
import random
from typing import Any

from tests.emulator import fields, store as store_module
from tests.emulator.resources import ResourceType

WATCHED = [("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"), ("apps", "daemonsets"),
           ("batch", "jobs"), ("", "persistentvolumeclaims"), ("", "pods")]
POD_INPUTS = {("", "configmaps"), ("", "secrets"), ("", "persistentvolumeclaims")}
SAFE = "bcdfghjklmnpqrstvwxz2456789"
NODES = ("node-1", "node-2", "node-3")
CONTROLLER = "kube-controller-manager"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _suffix(n: int = 5) -> str:
    return "".join(random.choices(SAFE, k=n))


def template_hash(template: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(SAFE[b % len(SAFE)] for b in digest[:10])


def make_event(st: store_module.Store, involved: dict[str, Any], reason: str, message: str, type: str = "Warning",
               component: str = "kubelet") -> dict[str, Any]:
    """Create an Event about `involved`, or bump the count of the same recent one (like the event recorder)."""
    meta = involved.get("metadata") or {}
    namespace = meta.get("namespace") or "default"
    rt = st.registry.get("", "v1", "events")
    assert rt is not None
    stamp = _now()
    index_key = (namespace, meta.get("uid") or "", reason, message)
    existing = st.peek(rt, namespace, st.event_index.get(index_key, ""))
    if existing is not None:
        return st.patch(rt, namespace, existing["metadata"]["name"],
                        {"count": existing.get("count", 1) + 1, "lastTimestamp": stamp},
                        store_module.MERGE, component)[0]
    event = {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{meta.get('name')}.{random.getrandbits(64):016x}", "namespace": namespace},
        "involvedObject": {"apiVersion": involved.get("apiVersion"), "kind": involved.get("kind"),
                           "name": meta.get("name"), "namespace": namespace, "uid": meta.get("uid"),
                           "resourceVersion": meta.get("resourceVersion")},
        "reason": reason, "message": message, "type": type,
        "source": {"component": component}, "reportingComponent": component, "reportingInstance": "",
        "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1,
    }
    created = st.create(rt, namespace, event, component)
    st.event_index[index_key] = created["metadata"]["name"]
    st.event_reasons.add((meta.get("uid") or "", reason))
    return created


@dataclasses.dataclass
class PodFault:
    """Makes matching pods fail. mode: image-pull | crash-loop | unschedulable | not-ready."""
    namespace: str | None
    labels: dict[str, str]
    mode: str
    image: str | None = None
    exit_code: int = 1
    log_line: str = "Error: something went wrong"
    message: str | None = None

    def matches(self, pod: dict[str, Any]) -> bool:
        meta = pod["metadata"]
        have = meta.get("labels") or {}
        return (self.namespace is None or meta.get("namespace") == self.namespace) and \
            all(have.get(k) == v for k, v in self.labels.items())


def _pct(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        amount = total * int(value[:-1]) / 100
        return math.ceil(amount) if round_up else math.floor(amount)
    return int(value or 0)


def _ready(pod: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def _owned_by(obj: dict[str, Any], owner: dict[str, Any]) -> bool:
    uid = owner["metadata"]["uid"]
    return any(ref.get("uid") == uid for ref in obj["metadata"].get("ownerReferences") or [])


def _owner_ref(owner: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def _condition(type: str, status: str, reason: str | None = None, message: str | None = None,
               **extra: str) -> dict[str, Any]:
    cond = {"type": type, "status": status, **extra}
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


class Simulator:
    def __init__(self, st: store_module.Store) -> None:
        self.store = st
        self.faults: list[PodFault] = []
        self.unpullable_images: set[str] = set()
        self.errors: list[BaseException] = []
        self.step_delay = 0.01
        self.tick = 0.5
        self._enabled = False
        self._task: asyncio.Task[None] | None = None
        self._dirty = asyncio.Event()
        self._idle = asyncio.Event()
        self._next_node = 0
        self._queue: set[store_module.ObjKey] = set()
        self._stopping: set[str] = set()
        self._loop = asyncio.get_running_loop()
        self._progress_started: dict[str, float] = {}

    def _rt(self, group: str, version: str, plural: str) -> ResourceType:
        rt = self.store.registry.get(group, version, plural)
        assert rt is not None
        return rt

    # --- switching on and off -------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self._in_loop(self._switch, value)

    def _in_loop(self, fn: Any, *args: Any) -> Any:
        """Run fn in the emulator's loop, waiting for it when called from another thread (a test)."""
        if _running_loop() is self._loop:
            return fn(*args)

        async def call() -> Any:
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=30)

    def _switch(self, value: bool) -> None:
        loop = self._loop
        if value and not self._enabled:
            self._enabled = True
            self.store.kubelets = True
            self.store.listeners.append(self._on_event)
            self._ensure_nodes()
            self._idle.clear()
            self._task = loop.create_task(self._run())
        elif not value and self._enabled:
            self._enabled = False
            self.store.kubelets = False
            self.store.listeners.remove(self._on_event)
            self._dirty.set()
            self._idle.set()

    def _on_event(self, event: store_module.WatchEvent) -> None:
        self._enqueue(event.key, event.obj)

    def _enqueue(self, key: store_module.ObjKey, obj: dict[str, Any]) -> None:
        """Queue the changed object, its owners, and pods that may reference it (like informers + work queues)."""
        if key[0] not in WATCHED and key[0] not in POD_INPUTS:
            return
        self._queue.add(key)
        for ref in obj["metadata"].get("ownerReferences") or []:
            owner = self.store._by_uid.get(ref.get("uid"))
            if owner is not None:
                self._queue.add(owner)
        if key[0] in POD_INPUTS:
            self._queue.update(k for k in self.store._by_kind.get(("", "pods"), {}) if k[1] == key[1])
        self._dirty.set()
        self._idle.clear()

    def _enqueue_kind(self, *kinds: tuple[str, str]) -> None:
        for kind in kinds:
            self._queue.update(self.store._by_kind.get(kind, {}))
        self._dirty.set()
        self._idle.clear()

    async def wait_idle(self, timeout: float) -> None:
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def _run(self) -> None:
        self._enqueue_kind(*WATCHED)
        while self._enabled:
            if self._queue:
                try:
                    await self.reconcile_once()
                except Exception as e:  # a simulator bug: keep it for the test to see, keep running
                    self.errors.append(e)
                await asyncio.sleep(self.step_delay)
                continue
            self._dirty.clear()
            self._idle.set()
            try:
                await asyncio.wait_for(self._dirty.wait(), self.tick)
            except asyncio.TimeoutError:
                self._enqueue_kind(("apps", "deployments"))     # progress deadlines are checked over time

    # --- faults ------------------------------------------------------------------------------------------

    def fail_pods(self, labels: dict[str, str], mode: str, namespace: str | None = None, **details: Any) -> PodFault:
        """Make pods with these labels fail: mode image-pull (image=…), crash-loop (exit_code=…, log_line=…),
        unschedulable (message=…) or not-ready (message=…). Pods already running are affected too."""
        if mode not in ("image-pull", "crash-loop", "unschedulable", "not-ready"):
            raise ValueError(f"unknown failure mode: {mode}")
        fault = PodFault(namespace=namespace, labels=dict(labels), mode=mode, **details)
        self._in_loop(self._change, lambda: self.faults.append(fault))
        return fault

    def clear_faults(self) -> None:
        self._in_loop(self._change, self.faults.clear)

    def add_unpullable_image(self, image: str) -> None:
        """Pulling this image fails everywhere (ErrImagePull → ImagePullBackOff)."""
        self._in_loop(self._change, lambda: self.unpullable_images.add(image))

    def _change(self, fn: Any) -> None:
        fn()
        self._enqueue_kind(("", "pods"))

    def _fault_for(self, pod: dict[str, Any], *modes: str) -> PodFault | None:
        return next((f for f in self.faults if f.mode in modes and f.matches(pod)), None)

    # --- one pass of every controller ------------------------------------------------------------------

    async def reconcile_once(self) -> None:
        """Handle the queued objects, controllers in a fixed order; yields between objects so API requests flow."""
        self._ensure_nodes()
        batch, self._queue = self._queue, set()
        handlers = {("apps", "deployments"): self._deployment, ("apps", "replicasets"): self._replicaset,
                    ("apps", "statefulsets"): self._statefulset, ("apps", "daemonsets"): self._daemonset,
                    ("batch", "jobs"): self._job, ("", "persistentvolumeclaims"): self._bind_volume,
                    ("", "pods"): self._pod}
        for key in sorted(batch, key=lambda k: (WATCHED.index(k[0]) if k[0] in WATCHED else 99, k)):
            raw = self.store.objects.get(key)
            if raw is None or key[0] not in handlers or not self._enabled:
                continue
            handlers[key[0]](self.store.render(self.store._rt(key), raw))
            await asyncio.sleep(0)

    def _ensure_nodes(self) -> None:
        rt = self._rt("", "v1", "nodes")
        for name in NODES:
            if self.store.peek(rt, "", name) is None:
                self.store.create(rt, None, {
                    "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                          "kubernetes.io/os": "linux"}},
                    "spec": {}}, "kubelet")
                self.store.patch(rt, None, name, {"status": {
                    "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                    "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                    "conditions": [_condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")],
                    "addresses": [{"type": "InternalIP", "address": f"192.168.0.{NODES.index(name) + 2}"}]}},
                    store_module.MERGE, "kubelet", subresource="status")

    def _write_status(self, rt: ResourceType, obj: dict[str, Any], status: dict[str, Any], manager: str) -> None:
        current = obj.get("status") or {}
        if all(current.get(k) == v for k, v in status.items()):
            return
        self.store.patch(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"], {"status": status},
                         store_module.MERGE, manager, subresource="status" if rt.has_status else "")

    def _pods_of(self, owner: dict[str, Any]) -> list[dict[str, Any]]:
        """The owner's pods that are not terminating (what controllers count)."""
        pod_rt = self._rt("", "v1", "pods")
        keys = [k for k in self.store._dependents(owner["metadata"]["uid"]) if k[0] == pod_rt.key]
        pods = [self.store.objects[k] for k in keys]
        return [self.store.render(pod_rt, p) for p in pods if not p["metadata"].get("deletionTimestamp")]

    def _create_pod(self, owner: dict[str, Any], name: str, template: dict[str, Any],
                    extra_labels: dict[str, str] | None = None, node: str | None = None,
                    component: str = "replicaset-controller") -> dict[str, Any]:
        meta = fields.clone(template.get("metadata") or {})
        meta["labels"] = {**(meta.get("labels") or {}), **(extra_labels or {})}
        meta.update(name=name, namespace=owner["metadata"]["namespace"], ownerReferences=[_owner_ref(owner)])
        spec = fields.clone(template.get("spec") or {})
        if node:
            spec["nodeName"] = node
        pod = self.store.create(self._rt("", "v1", "pods"), owner["metadata"]["namespace"],
                                {"metadata": meta, "spec": spec}, CONTROLLER)
        make_event(self.store, owner, "SuccessfulCreate", f"Created pod: {name}", "Normal", component)
        return pod

    # --- Deployment --------------------------------------------------------------------------------------

    def _deployment(self, deploy: dict[str, Any]) -> None:
        meta, spec = deploy["metadata"], deploy.get("spec") or {}
        if meta.get("deletionTimestamp"):
            return
        rs_rt = self._rt("apps", "v1", "replicasets")
        ns, name = meta["namespace"], meta["name"]
        desired = spec.get("replicas", 1)
        template = spec.get("template") or {}
        pod_hash = template_hash(template)
        owned = [self.store.render(rs_rt, self.store.objects[k]) for k in self.store._dependents(meta["uid"])
                 if k[0] == rs_rt.key]
        new_rs = next((rs for rs in owned if (rs["metadata"].get("labels") or {}).get("pod-template-hash")
                       == pod_hash), None)
        old = [rs for rs in owned if rs is not new_rs]
        revisions = [int((rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", 0))
                     for rs in owned]
        if new_rs is None:
            revision = max(revisions, default=0) + 1
            labels = {**(template.get("metadata") or {}).get("labels", {}), "pod-template-hash": pod_hash}
            rs_template = fields.clone(template)
            rs_template.setdefault("metadata", {})["labels"] = labels
            selector = fields.clone(spec.get("selector") or {})
            selector.setdefault("matchLabels", {})["pod-template-hash"] = pod_hash
            initial = desired if not any(rs["spec"].get("replicas") for rs in old) else 0
            new_rs = self.store.create(rs_rt, ns, {
                "metadata": {"name": f"{name}-{pod_hash}", "namespace": ns, "labels": labels,
                             "annotations": {"deployment.kubernetes.io/revision": str(revision),
                                             "deployment.kubernetes.io/desired-replicas": str(desired)},
                             "ownerReferences": [_owner_ref(deploy)]},
                "spec": {"replicas": initial, "selector": selector, "template": rs_template}}, CONTROLLER)
            make_event(self.store, deploy, "ScalingReplicaSet",
                       f"Scaled up replica set {new_rs['metadata']['name']} from 0 to {initial}", "Normal",
                       "deployment-controller")
            self._progress_started[meta["uid"]] = asyncio.get_running_loop().time()
            return
        self._roll(deploy, new_rs, old, desired)
        self._deployment_status(deploy, new_rs, old, desired)

    def _scale(self, owner: dict[str, Any], rs: dict[str, Any], replicas: int) -> None:
        before = rs["spec"].get("replicas", 0)
        if before == replicas:
            return
        self.store.patch(self._rt("apps", "v1", "replicasets"), rs["metadata"]["namespace"], rs["metadata"]["name"],
                         {"spec": {"replicas": replicas}}, store_module.MERGE, CONTROLLER)
        direction = "up" if replicas > before else "down"
        make_event(self.store, owner, "ScalingReplicaSet",
                   f"Scaled {direction} replica set {rs['metadata']['name']} from {before} to {replicas}", "Normal",
                   "deployment-controller")

    def _roll(self, deploy: dict[str, Any], new_rs: dict[str, Any], old: list[dict[str, Any]], desired: int) -> None:
        strategy = (deploy.get("spec") or {}).get("strategy") or {}
        new_count = new_rs["spec"].get("replicas", 0)
        old_active = [rs for rs in old if rs["spec"].get("replicas", 0) > 0]
        if strategy.get("type") == "Recreate":
            for rs in old_active:
                self._scale(deploy, rs, 0)
            if not any(self._pods_of(rs) for rs in old) and new_count != desired:
                self._scale(deploy, new_rs, desired)
            return
        if not old_active:
            if new_count != desired:
                self._scale(deploy, new_rs, desired)
            return
        rolling = strategy.get("rollingUpdate") or {}
        surge = _pct(rolling.get("maxSurge", "25%"), desired, round_up=True)
        unavailable = _pct(rolling.get("maxUnavailable", "25%"), desired, round_up=False)
        if surge == 0 and unavailable == 0:
            unavailable = 1
        total = new_count + sum(rs["spec"].get("replicas", 0) for rs in old)
        existing = sum(len(self._pods_of(rs)) for rs in [new_rs, *old])
        if new_count < desired and max(total, existing) < desired + surge:
            self._scale(deploy, new_rs, new_count + 1)
            return
        ready = sum(1 for rs in [new_rs, *old] for p in self._pods_of(rs) if _ready(p))
        if ready > desired - unavailable or (ready >= desired - unavailable and total > desired):
            victim = old_active[0]
            self._scale(deploy, victim, victim["spec"]["replicas"] - 1)

    def _deployment_status(self, deploy: dict[str, Any], new_rs: dict[str, Any], old: list[dict[str, Any]],
                           desired: int) -> None:
        meta = deploy["metadata"]
        new_pods = self._pods_of(new_rs)
        all_pods = new_pods + [p for rs in old for p in self._pods_of(rs)]
        ready = sum(1 for p in all_pods if _ready(p))
        updated = len(new_pods)
        rolling = ((deploy.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
        unavailable_ok = _pct(rolling.get("maxUnavailable", "25%"), desired, round_up=False)
        complete = updated == desired and len(all_pods) == desired and ready == desired \
            and new_rs["spec"].get("replicas") == desired
        rs_name = new_rs["metadata"]["name"]
        current = {c.get("type"): c for c in (deploy.get("status") or {}).get("conditions") or []}
        deadline = (deploy.get("spec") or {}).get("progressDeadlineSeconds", 600)
        started = self._progress_started.setdefault(meta["uid"], asyncio.get_running_loop().time())
        if complete:
            self._progress_started[meta["uid"]] = asyncio.get_running_loop().time()
            progressing = ("True", "NewReplicaSetAvailable", f'ReplicaSet "{rs_name}" has successfully progressed.')
        elif asyncio.get_running_loop().time() - started > deadline:
            progressing = ("False", "ProgressDeadlineExceeded", f'ReplicaSet "{rs_name}" has timed out progressing.')
        else:
            progressing = ("True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.')
        available = ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.") \
            if ready >= desired - unavailable_ok else \
            ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
        conditions = []
        for type, (status, reason, message) in (("Available", available), ("Progressing", progressing)):
            before = current.get(type) or {}
            same = (before.get("status"), before.get("reason"), before.get("message")) == (status, reason, message)
            stamp = _now()
            conditions.append({"type": type, "status": status, "reason": reason, "message": message,
                               "lastUpdateTime": before.get("lastUpdateTime", stamp) if same else stamp,
                               "lastTransitionTime": before.get("lastTransitionTime", stamp)
                               if before.get("status") == status else stamp})
        status = {"observedGeneration": meta.get("generation", 1), "replicas": len(all_pods),
                  "updatedReplicas": updated, "readyReplicas": ready, "availableReplicas": ready,
                  "unavailableReplicas": max(desired - ready, 0), "conditions": conditions}
        status = {k: v for k, v in status.items() if v != 0 or k == "observedGeneration"}
        full = {k: status.get(k) for k in ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas",
                                            "availableReplicas", "unavailableReplicas", "conditions")}
        self._write_status(self._rt("apps", "v1", "deployments"), deploy, full, CONTROLLER)
        revision = (new_rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision")
        if (meta.get("annotations") or {}).get("deployment.kubernetes.io/revision") != revision:
            self.store.patch(self._rt("apps", "v1", "deployments"), meta["namespace"], meta["name"],
                             {"metadata": {"annotations": {"deployment.kubernetes.io/revision": revision}}},
                             store_module.MERGE, CONTROLLER)

    # --- ReplicaSet ----------------------------------------------------------------------------------------

    def _replicaset(self, rs: dict[str, Any]) -> None:
        if rs["metadata"].get("deletionTimestamp"):
            return
        pods = self._pods_of(rs)
        desired = rs["spec"].get("replicas", 1)
        pod_rt = self._rt("", "v1", "pods")
        for _ in range(desired - len(pods)):
            pods.append(self._create_pod(rs, f"{rs['metadata']['name']}-{_suffix()}", rs["spec"].get("template", {})))
        if len(pods) > desired:
            doomed = sorted(pods, key=lambda p: (_ready(p), p["metadata"]["creationTimestamp"]))[:len(pods) - desired]
            for pod in doomed:
                self.store.delete(pod_rt, pod["metadata"]["namespace"], pod["metadata"]["name"])
                make_event(self.store, rs, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", "Normal",
                           "replicaset-controller")
            pods = [p for p in pods if p not in doomed]
        ready = sum(1 for p in pods if _ready(p))
        self._write_status(self._rt("apps", "v1", "replicasets"), rs, {
            "replicas": len(pods), "fullyLabeledReplicas": len(pods), "readyReplicas": ready,
            "availableReplicas": ready, "observedGeneration": rs["metadata"].get("generation", 1)}, CONTROLLER)

    # --- StatefulSet, DaemonSet, Job ------------------------------------------------------------------------

    def _statefulset(self, sts: dict[str, Any]) -> None:
        meta, spec = sts["metadata"], sts.get("spec") or {}
        if meta.get("deletionTimestamp"):
            return
        ns, name, desired = meta["namespace"], meta["name"], spec.get("replicas", 1)
        revision = f"{name}-{template_hash(spec.get('template') or {})}"
        pods = {p["metadata"]["name"]: p for p in self._pods_of(sts)}
        pvc_rt, pod_rt = self._rt("", "v1", "persistentvolumeclaims"), self._rt("", "v1", "pods")
        for ordinal in range(desired):
            pod_name = f"{name}-{ordinal}"
            if pod_name in pods:
                if not _ready(pods[pod_name]):
                    break
                continue
            for claim in spec.get("volumeClaimTemplates") or []:
                claim_name = f"{claim['metadata']['name']}-{pod_name}"
                if self.store.peek(pvc_rt, ns, claim_name) is None:
                    labels = {**((spec.get("selector") or {}).get("matchLabels") or {})}
                    self.store.create(pvc_rt, ns, {"metadata": {"name": claim_name, "namespace": ns, "labels": labels},
                                                   "spec": fields.clone(claim.get("spec") or {})}, CONTROLLER)
            template = fields.clone(spec.get("template") or {})
            volumes = template.setdefault("spec", {}).setdefault("volumes", [])
            for claim in spec.get("volumeClaimTemplates") or []:
                volumes.append({"name": claim["metadata"]["name"],
                                "persistentVolumeClaim": {"claimName": f"{claim['metadata']['name']}-{pod_name}"}})
            self._create_pod(sts, pod_name, template, {"apps.kubernetes.io/pod-index": str(ordinal),
                                                       "statefulset.kubernetes.io/pod-name": pod_name,
                                                       "controller-revision-hash": revision},
                             component="statefulset-controller")
            break
        else:
            stale = [p for p in pods.values()
                     if (p["metadata"].get("labels") or {}).get("controller-revision-hash") != revision]
            if stale and all(_ready(p) for p in pods.values()):
                victim = max(stale, key=lambda p: int(p["metadata"]["name"].rsplit("-", 1)[1]))
                self.store.delete(pod_rt, ns, victim["metadata"]["name"])
        for pod_name in list(pods):
            if int(pod_name.rsplit("-", 1)[1]) >= desired:
                self.store.delete(pod_rt, ns, pod_name)
        current = [p for p in self._pods_of(sts)]
        ready = sum(1 for p in current if _ready(p))
        updated = sum(1 for p in current
                      if (p["metadata"].get("labels") or {}).get("controller-revision-hash") == revision)
        self._write_status(self._rt("apps", "v1", "statefulsets"), sts, {
            "observedGeneration": meta.get("generation", 1), "replicas": len(current), "readyReplicas": ready,
            "currentReplicas": updated, "updatedReplicas": updated, "availableReplicas": ready,
            "currentRevision": revision, "updateRevision": revision}, CONTROLLER)

    def _daemonset(self, ds: dict[str, Any]) -> None:
        meta, spec = ds["metadata"], ds.get("spec") or {}
        if meta.get("deletionTimestamp"):
            return
        revision = template_hash(spec.get("template") or {})
        eligible = self._nodes_matching(((spec.get("template") or {}).get("spec") or {}).get("nodeSelector") or {})
        pods = self._pods_of(ds)
        for pod in pods:
            if (pod.get("spec") or {}).get("nodeName") not in eligible:  # the node no longer fits the selector
                self.store.delete(self._rt("", "v1", "pods"), meta["namespace"], pod["metadata"]["name"])
        pods = self._pods_of(ds)
        by_node = {(p.get("spec") or {}).get("nodeName"): p for p in pods}
        for node in eligible:
            if node not in by_node:
                self._create_pod(ds, f"{meta['name']}-{_suffix()}", spec.get("template") or {},
                                 {"controller-revision-hash": revision}, node=node, component="daemonset-controller")
        stale = [p for p in pods if (p["metadata"].get("labels") or {}).get("controller-revision-hash") != revision]
        if stale and all(_ready(p) for p in pods):
            self.store.delete(self._rt("", "v1", "pods"), meta["namespace"], stale[0]["metadata"]["name"])
        pods = self._pods_of(ds)
        ready = sum(1 for p in pods if _ready(p))
        updated = sum(1 for p in pods
                      if (p["metadata"].get("labels") or {}).get("controller-revision-hash") == revision)
        self._write_status(self._rt("apps", "v1", "daemonsets"), ds, {
            "observedGeneration": meta.get("generation", 1), "desiredNumberScheduled": len(eligible),
            "currentNumberScheduled": len(pods), "numberMisscheduled": 0, "numberReady": ready,
            "numberAvailable": ready, "updatedNumberScheduled": updated,
            **({"numberUnavailable": len(eligible) - ready} if ready < len(eligible) else {})}, CONTROLLER)

    def _nodes_matching(self, selector: dict[str, str]) -> list[str]:
        """The fake nodes whose labels carry every ``nodeSelector`` pair (a DaemonSet runs on those only)."""
        rt = self._rt("", "v1", "nodes")
        labels = {name: ((self.store.peek(rt, "", name) or {}).get("metadata") or {}).get("labels") or {}
                  for name in NODES}
        return [name for name in NODES if all(labels[name].get(k) == v for k, v in selector.items())]

    def _job(self, job: dict[str, Any]) -> None:
        meta, spec = job["metadata"], job.get("spec") or {}
        status = job.get("status") or {}
        if meta.get("deletionTimestamp") or spec.get("suspend"):
            return
        if any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
               for c in status.get("conditions") or []):
            return
        pods = self._pods_of(job)
        succeeded = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Succeeded")
        failed = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Failed")
        active = [p for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        completions = spec.get("completions", 1)
        stamp = _now()
        new_status: dict[str, Any] = {"startTime": status.get("startTime") or stamp, "active": len(active),
                                      "succeeded": succeeded, "failed": failed, "ready": sum(map(_ready, active)),
                                      "terminating": 0}
        if succeeded >= completions:
            new_status.update(active=0, completionTime=stamp, conditions=[
                _condition("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods",
                           lastProbeTime=stamp, lastTransitionTime=stamp),
                _condition("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods",
                           lastProbeTime=stamp, lastTransitionTime=stamp)])
            make_event(self.store, job, "Completed", "Job completed", "Normal", "job-controller")
        elif failed > spec.get("backoffLimit", 6):
            new_status.update(conditions=[
                _condition("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit",
                           lastProbeTime=stamp, lastTransitionTime=stamp),
                _condition("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit",
                           lastProbeTime=stamp, lastTransitionTime=stamp)])
            make_event(self.store, job, "BackoffLimitExceeded", "Job has reached the specified backoff limit",
                       "Warning", "job-controller")
        elif not active:
            self._create_pod(job, f"{meta['name']}-{_suffix()}", spec.get("template") or {},
                             component="job-controller")
            return
        self._write_status(self._rt("batch", "v1", "jobs"), job, new_status, CONTROLLER)

    def _bind_volume(self, pvc: dict[str, Any]) -> None:
        if (pvc.get("status") or {}).get("phase") == "Bound" or pvc["metadata"].get("deletionTimestamp"):
            return
        rt = self._rt("", "v1", "persistentvolumeclaims")
        meta = pvc["metadata"]
        if not (pvc.get("spec") or {}).get("volumeName"):
            self.store.patch(rt, meta["namespace"], meta["name"],
                             {"spec": {"volumeName": f"pvc-{meta['uid']}"}},
                             store_module.MERGE, CONTROLLER)
            return
        requested = (((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        self._write_status(rt, pvc, {"phase": "Bound", "accessModes": (pvc.get("spec") or {}).get("accessModes"),
                                     "capacity": {"storage": requested}}, CONTROLLER)

    # --- scheduler and kubelet --------------------------------------------------------------------------------

    def _pod(self, pod: dict[str, Any]) -> None:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        status = pod.get("status") or {}
        pod_rt = self._rt("", "v1", "pods")
        if meta.get("deletionTimestamp"):
            if meta.get("uid") in self._stopping:           # the kubelet stopped the containers: gone
                self._stopping.discard(meta["uid"])
                if not meta.get("finalizers"):
                    self.store.delete(pod_rt, meta["namespace"], meta["name"], {"gracePeriodSeconds": 0})
            else:
                self._stopping.add(meta["uid"])
                self._queue.add((pod_rt.key, meta["namespace"], meta["name"]))
            return
        if status.get("phase") in ("Succeeded", "Failed"):
            return
        if not spec.get("nodeName"):
            self._schedule(pod, pod_rt)
            return
        self._run_containers(pod, pod_rt)

    def _schedule(self, pod: dict[str, Any], pod_rt: ResourceType) -> None:
        meta = pod["metadata"]
        fault = self._fault_for(pod, "unschedulable")
        stamp = _now()
        if fault is not None:
            message = fault.message or ("0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are "
                                        "available: 3 No preemption victims found for incoming pod.")
            scheduled = [c for c in (pod.get("status") or {}).get("conditions") or [] if c["type"] == "PodScheduled"]
            if not scheduled or scheduled[0].get("message") != message:
                self._write_status(pod_rt, pod, {"phase": "Pending", "conditions": [_condition(
                    "PodScheduled", "False", "Unschedulable", message, lastProbeTime=None,
                    lastTransitionTime=stamp)]}, "default-scheduler")
                make_event(self.store, pod, "FailedScheduling", message, "Warning", "default-scheduler")
            return
        node = NODES[self._next_node % len(NODES)]
        self._next_node += 1
        binding = fields.clone(pod)
        binding["spec"]["nodeName"] = node
        self.store.replace(pod_rt, meta["namespace"], meta["name"], binding, "default-scheduler")
        make_event(self.store, pod, "Scheduled", f"Successfully assigned {meta['namespace']}/{meta['name']} to {node}",
                   "Normal", "default-scheduler")

    def _missing_reference(self, pod: dict[str, Any], container: dict[str, Any]) -> str | None:
        ns = pod["metadata"]["namespace"]
        kinds = {"configMapKeyRef": ("configmaps", "ConfigMap", "configmap"),
                 "secretKeyRef": ("secrets", "Secret", "secret")}
        for env in container.get("env") or []:
            for ref_kind, (plural, kind, word) in kinds.items():
                ref = (env.get("valueFrom") or {}).get(ref_kind)
                if not ref or ref.get("optional"):
                    continue
                obj = self.store.peek(self._rt("", "v1", plural), ns, ref.get("name", ""))
                if obj is None:
                    return f'{word} "{ref.get("name")}" not found'
                data = {**(obj.get("data") or {}), **(obj.get("binaryData") or {})}
                if ref.get("key") not in data:
                    return f"couldn't find key {ref.get('key')} in {kind} {ns}/{ref.get('name')}"
        for source in container.get("envFrom") or []:
            for ref_kind, plural, word in (("configMapRef", "configmaps", "configmap"), ("secretRef", "secrets", "secret")):
                ref = source.get(ref_kind)
                if ref and not ref.get("optional") and \
                        self.store.peek(self._rt("", "v1", plural), ns, ref.get("name", "")) is None:
                    return f'{word} "{ref.get("name")}" not found'
        return None

    def _missing_volume(self, pod: dict[str, Any]) -> tuple[str, str] | None:
        ns = pod["metadata"]["namespace"]
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            for source, plural, word, field in (("configMap", "configmaps", "configmap", "name"),
                                                ("secret", "secrets", "secret", "secretName"),
                                                ("persistentVolumeClaim", "persistentvolumeclaims",
                                                 "persistentvolumeclaim", "claimName")):
                ref = volume.get(source)
                if ref is None or ref.get("optional"):
                    continue
                obj = self.store.peek(self._rt("", "v1", plural), ns, ref.get(field, ""))
                if obj is None:
                    return volume.get("name", ""), f'{word} "{ref.get(field)}" not found'
                if source == "persistentVolumeClaim" and (obj.get("status") or {}).get("phase") != "Bound":
                    return volume.get("name", ""), f'persistentvolumeclaim "{ref.get(field)}" is not bound'
        return None

    def _run_containers(self, pod: dict[str, Any], pod_rt: ResourceType) -> None:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        status = pod.get("status") or {}
        stamp = _now()
        job_pod = any(r.get("kind") == "Job" for r in meta.get("ownerReferences") or [])
        missing_volume = self._missing_volume(pod)
        if missing_volume is not None:
            volume, why = missing_volume
            self._set_pod_status(pod, pod_rt, [self._waiting(c, "ContainerCreating", None) for c in spec["containers"]],
                                 "Pending", False)
            make_event(self.store, pod, "FailedMount", f'MountVolume.SetUp failed for volume "{volume}" : {why}')
            return
        statuses, all_ready, phase = [], True, "Running"
        previous = {s["name"]: s for s in status.get("containerStatuses") or []}
        for container in spec.get("containers") or []:
            name, image = container["name"], container.get("image", "")
            pull = self._fault_for(pod, "image-pull")
            crash = self._fault_for(pod, "crash-loop")
            missing = self._missing_reference(pod, container)
            if image in self.unpullable_images or (pull is not None and pull.image in (None, image)):
                statuses.append(self._waiting(container, "ImagePullBackOff", f'Back-off pulling image "{image}"'))
                if not self._has_event(pod, "Failed"):
                    make_event(self.store, pod, "Failed",
                               f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and '
                               f'unpack image "{image}": not found')
                    make_event(self.store, pod, "Failed", "Error: ErrImagePull")
                    make_event(self.store, pod, "BackOff", f'Back-off pulling image "{image}"', "Normal")
                all_ready = False
                phase = "Pending"
            elif missing is not None:
                statuses.append(self._waiting(container, "CreateContainerConfigError", missing))
                if not self._has_event(pod, "Failed"):
                    make_event(self.store, pod, "Failed", f"Error: {missing}")
                all_ready = False
                phase = "Pending"
            elif crash is not None and job_pod:
                statuses.append({**self._waiting(container, None, None), "state": {"terminated": {
                    "exitCode": crash.exit_code, "reason": "Error", "startedAt": stamp, "finishedAt": stamp}}})
                self.store.add_log(meta["namespace"], meta["name"], name, [crash.log_line])
                phase = "Failed"
                all_ready = False
            elif crash is not None:
                restarts = max(previous.get(name, {}).get("restartCount", 0), 1)
                terminated = previous.get(name, {}).get("lastState", {}).get("terminated") or {
                    "exitCode": crash.exit_code, "reason": "Error", "startedAt": stamp, "finishedAt": stamp}
                statuses.append({**self._waiting(container, "CrashLoopBackOff",
                                                 f"back-off 10s restarting failed container={name} "
                                                 f"pod={meta['name']}_{meta['namespace']}({meta['uid']})"),
                                 "restartCount": restarts, "lastState": {"terminated": terminated}})
                if (meta["namespace"], meta["name"], name, True) not in self.store.pod_logs:
                    self.store.add_log(meta["namespace"], meta["name"], name, [crash.log_line], previous=True)
                    self.store.add_log(meta["namespace"], meta["name"], name, [crash.log_line])
                    make_event(self.store, pod, "BackOff",
                               f"Back-off restarting failed container {name} in pod "
                               f"{meta['name']}_{meta['namespace']}({meta['uid']})")
                all_ready = False
            elif job_pod and previous.get(name, {}).get("state", {}).get("running"):
                statuses.append({**self._waiting(container, None, None), "state": {"terminated": {
                    "exitCode": 0, "reason": "Completed", "startedAt": stamp, "finishedAt": stamp}}})
                phase, all_ready = "Succeeded", False
            else:
                not_ready = self._fault_for(pod, "not-ready")
                ready = not_ready is None
                started = previous.get(name, {}).get("state", {}).get("running", {}).get("startedAt", stamp)
                statuses.append({**self._waiting(container, None, None), "ready": ready, "started": True,
                                 "state": {"running": {"startedAt": started}}})
                if not ready:
                    all_ready = False
                    if not self._has_event(pod, "Unhealthy"):
                        make_event(self.store, pod, "Unhealthy", not_ready.message or
                                   "Readiness probe failed: HTTP probe failed with statuscode: 503")
                elif name not in previous or not previous[name].get("state", {}).get("running"):
                    make_event(self.store, pod, "Started", f"Started container {name}", "Normal")
        self._set_pod_status(pod, pod_rt, statuses, phase, all_ready)

    def _has_event(self, pod: dict[str, Any], reason: str) -> bool:
        return (pod["metadata"]["uid"], reason) in self.store.event_reasons

    @staticmethod
    def _waiting(container: dict[str, Any], reason: str | None, message: str | None) -> dict[str, Any]:
        waiting = {"reason": reason, **({"message": message} if message else {})}
        return {"name": container["name"], "image": container.get("image", ""), "imageID": "", "ready": False,
                "restartCount": 0, "started": False, "state": {"waiting": waiting} if reason else {}}

    def _set_pod_status(self, pod: dict[str, Any], pod_rt: ResourceType, statuses: list[dict[str, Any]],
                        phase: str, ready: bool) -> None:
        status = pod.get("status") or {}
        before = {c["type"]: c for c in status.get("conditions") or []}
        stamp = _now()

        def cond(type: str, value: bool, reason: str | None = None) -> dict[str, Any]:
            text = "True" if value else "False"
            old = before.get(type) or {}
            result = {"type": type, "status": text, "lastProbeTime": None,
                      "lastTransitionTime": old.get("lastTransitionTime") if old.get("status") == text else stamp}
            if not value and reason:
                result["reason"] = reason
            return result
        containers_ready = ready and phase == "Running"
        node_index = NODES.index(pod["spec"]["nodeName"]) if pod["spec"]["nodeName"] in NODES else 0
        new_status = {
            "phase": phase,
            "conditions": [cond("PodReadyToStartContainers", True), cond("Initialized", True),
                           cond("Ready", containers_ready, "ContainersNotReady"),
                           cond("ContainersReady", containers_ready, "ContainersNotReady"),
                           cond("PodScheduled", True)],
            "hostIP": f"192.168.0.{node_index + 2}",
            "podIP": status.get("podIP") or f"10.244.{node_index}.{random.randint(2, 254)}",
            "startTime": status.get("startTime") or stamp,
            "containerStatuses": statuses,
        }
        comparable = {k: v for k, v in new_status.items() if k not in ("conditions",)}
        same_conditions = [(c["type"], c["status"]) for c in new_status["conditions"]] == \
            [(c.get("type"), c.get("status")) for c in status.get("conditions") or []]
        if same_conditions and all(status.get(k) == v for k, v in comparable.items()):
            return
        self.store.patch(pod_rt, pod["metadata"]["namespace"], pod["metadata"]["name"], {"status": new_status},
                         store_module.MERGE, "kubelet", subresource="status")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
