"""The emulated API server's storage and write semantics, independent of HTTP.

Every write goes through `_commit`: identity and metadata rules, status-subresource separation,
defaulting, validation, immutability, generation, managedFields, the global resourceVersion counter
and the bounded watch history. Deletion honours finalizers; the garbage collector and the namespace
controller (which are control-plane, not the optional simulator) run right after the write that
triggered them, in the same event loop, like real background controllers do.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import json
import random
import string
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from tests.emulator import defaults, errors, fields, managed, resources, schema
from tests.emulator.resources import ResourceType

ObjKey = tuple[tuple[str, str], str, str]   # ((group, plural), namespace or "", name)
APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSONPATCH = "application/json-patch+json"


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WatchEvent:
    __slots__ = ("rv", "key", "type", "obj", "previous")

    def __init__(self, rv: int, key: ObjKey, type: str, obj: dict[str, Any], previous: dict[str, Any] | None):
        self.rv, self.key, self.type, self.obj, self.previous = rv, key, type, obj, previous


class Store:
    def __init__(self, history_limit: int = 10000) -> None:
        self.registry = resources.Registry()
        self.objects: dict[ObjKey, dict[str, Any]] = {}
        self._by_kind: dict[tuple[str, str], dict[ObjKey, dict[str, Any]]] = collections.defaultdict(dict)
        self._by_uid: dict[str, ObjKey] = {}
        self._owned: dict[str, set[ObjKey]] = collections.defaultdict(set)   # owner uid -> dependents
        self.event_index: dict[tuple[str, str, str, str], str] = {}           # for the event recorder
        self.event_reasons: set[tuple[str, str]] = set()
        self.kubelets = False                                                # set while the simulator runs
        self.warnings: list[str] = []              # Warning headers for the request being handled
        self.revision = 1
        self.history: collections.deque[WatchEvent] = collections.deque()
        self.history_limit = history_limit
        self.evicted_upto = 0              # events with rv <= this are gone from history
        self.ctx = defaults.Context()
        self._wakeup = asyncio.Event()
        self.listeners: list[Callable[[WatchEvent], None]] = []
        self.closed = False
        self._gc_scheduled = False
        self.pod_logs: dict[tuple[str, str, str, bool], list[tuple[str, str]]] = {}

    # --- reading ---------------------------------------------------------------------------------

    def get(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        obj = self.objects.get((rt.key, namespace if rt.namespaced else "", name))
        if obj is None:
            raise errors.not_found(rt.plural, name, rt.group)
        return self.render(rt, obj)

    def peek(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any] | None:
        return self.objects.get((rt.key, namespace if rt.namespaced else "", name))

    def list(self, rt: ResourceType, namespace: str | None,
             match: Callable[[dict[str, Any]], bool] = lambda o: True) -> list[dict[str, Any]]:
        items = [obj for (_, ns, _), obj in sorted(self._by_kind.get(rt.key, {}).items(), key=lambda kv: kv[0])
                 if (namespace is None or ns == namespace) and match(obj)]
        return [self.render(rt, obj) for obj in items]

    def render(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        result = fields.clone(obj)
        result["apiVersion"], result["kind"] = rt.api_version, rt.kind
        return result

    def uid_exists(self, uid: str) -> bool:
        return uid in self._by_uid

    # --- watch plumbing ---------------------------------------------------------------------------

    async def wait_for_change(self, timeout: float | None) -> None:
        event = self._wakeup
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    def events_since(self, rv: int) -> list[WatchEvent]:
        if rv < self.evicted_upto:
            raise errors.gone(f"too old resource version: {rv} ({self.evicted_upto + 1})")
        return [e for e in self.history if e.rv > rv]

    def _emit(self, key: ObjKey, type: str, obj: dict[str, Any], previous: dict[str, Any] | None) -> None:
        event = WatchEvent(self.revision, key, type, fields.clone(obj), previous)
        self.history.append(event)
        while len(self.history) > self.history_limit:
            self.evicted_upto = self.history.popleft().rv
        self._wakeup.set()
        self._wakeup = asyncio.Event()
        for listener in list(self.listeners):
            listener(event)

    def compact(self) -> None:
        """Forget all watch history (what etcd compaction does): older resourceVersions get 410 Gone."""
        if self.history:
            self.evicted_upto = self.history[-1].rv
        self.history.clear()

    def close(self) -> None:
        self.closed = True
        self._wakeup.set()

    # --- writing ----------------------------------------------------------------------------------

    def create(self, rt: ResourceType, namespace: str | None, body: Any, manager: str,
               dry_run: bool = False, subresource: str = "") -> dict[str, Any]:
        body = self._check_body(rt, body, namespace)
        meta = body.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
        name = meta.get("name")
        if not name:
            raise errors.invalid(rt.kind, "", [("metadata.name", "Required value: name or generateName is required")],
                                 rt.group)
        key = self._key(rt, namespace, name)
        if key in self.objects:
            raise errors.already_exists(rt.plural, name, rt.group)
        self._check_namespace(rt, key[1])
        return self._commit(rt, key, None, body, manager, "Update", subresource, dry_run)

    def replace(self, rt: ResourceType, namespace: str | None, name: str, body: Any, manager: str,
                dry_run: bool = False, subresource: str = "") -> dict[str, Any]:
        body = self._check_body(rt, body, namespace, name)
        key = self._key(rt, namespace, name)
        old = self.objects.get(key)
        if old is None:
            raise errors.not_found(rt.plural, name, rt.group)
        wanted_rv = (body.get("metadata") or {}).get("resourceVersion")
        if not wanted_rv and rt.custom:       # built-in kinds allow unconditional updates, custom resources not
            raise errors.invalid(rt.kind, name, [("metadata.resourceVersion",
                                                  "Invalid value: 0x0: must be specified for an update")], rt.group)
        self._check_rv(rt, old, wanted_rv)
        return self._commit(rt, key, old, body, manager, "Update", subresource, dry_run)

    def patch(self, rt: ResourceType, namespace: str | None, name: str, patch: Any, content_type: str,
              manager: str, force: bool = False, dry_run: bool = False, subresource: str = "") -> tuple[dict, bool]:
        """Returns (object, created)."""
        key = self._key(rt, namespace, name)
        old = self.objects.get(key)
        now = now_iso()
        if content_type == APPLY:
            return self._apply(rt, key, old, patch, manager, force, dry_run, subresource, now)
        if old is None:
            raise errors.not_found(rt.plural, name, rt.group)
        current = self.render(rt, old)
        try:
            if content_type == MERGE:
                new = fields.json_merge_patch(current, patch)
            elif content_type == STRATEGIC:
                if rt.custom:
                    raise errors.StatusError(415, "UnsupportedMediaType",
                                             "the body of the request was in an unknown format - accepted media "
                                             "types include: application/json-patch+json, "
                                             "application/merge-patch+json, application/apply-patch+yaml")
                new = fields.strategic_merge_patch(current, patch)
            elif content_type == JSONPATCH:
                new = fields.json_patch(current, patch)
            else:
                raise errors.StatusError(415, "UnsupportedMediaType", f"unsupported patch type: {content_type}")
        except fields.JSONPatchError as e:
            raise errors.StatusError(422, "Invalid", str(e)) from None
        if not isinstance(new, dict):
            raise errors.bad_request("the patch did not produce an object")
        self._check_rv(rt, old, (new.get("metadata") or {}).get("resourceVersion"))
        new = self._check_body(rt, new, namespace, name)
        return self._commit(rt, key, old, new, manager, "Update", subresource, dry_run), False

    def _apply(self, rt: ResourceType, key: ObjKey, old: dict | None, applied: Any, manager: str, force: bool,
               dry_run: bool, subresource: str, now: str) -> tuple[dict, bool]:
        if not isinstance(applied, dict):
            raise errors.bad_request("error decoding YAML: the applied configuration must be an object")
        if applied.get("apiVersion") != rt.api_version or applied.get("kind") != rt.kind:
            raise errors.bad_request(f"the API version in the data ({applied.get('apiVersion')}) does not match "
                                     f"the expected API version ({rt.api_version}) or kind "
                                     f"({applied.get('kind')} vs {rt.kind})")
        meta = applied.get("metadata") or {}
        if meta.get("name") not in (None, key[2]):
            raise errors.bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                     % (meta.get("name"), key[2]))
        if old is None and subresource == "status":
            raise errors.not_found(rt.plural, key[2], rt.group)
        if old is not None:
            self._check_rv(rt, old, meta.get("resourceVersion"))
        else:
            self._check_namespace(rt, key[1])
        live = self.render(rt, old) if old is not None else None
        new = managed.apply(live, applied, manager, rt.api_version, force, subresource, rt.has_status,
                            rt.schema, now)
        new.setdefault("metadata", {})["name"] = key[2]
        if rt.namespaced:
            new["metadata"]["namespace"] = key[1]
        new["apiVersion"], new["kind"] = rt.api_version, rt.kind
        return self._commit(rt, key, old, new, manager, "Apply", subresource, dry_run), old is None

    def delete(self, rt: ResourceType, namespace: str | None, name: str, options: dict[str, Any] | None = None,
               dry_run: bool = False) -> dict[str, Any]:
        """Returns the object (still present, being finalized) or a Success Status (gone)."""
        options = options or {}
        key = self._key(rt, namespace, name)
        obj = self.objects.get(key)
        if obj is None:
            raise errors.not_found(rt.plural, name, rt.group)
        meta = obj["metadata"]
        preconditions = options.get("preconditions") or {}
        if preconditions.get("uid") and preconditions["uid"] != meta.get("uid"):
            raise errors.StatusError(409, "Conflict", f'Operation cannot be fulfilled on {rt.qualified()} "{name}": '
                                     f"Precondition failed: UID in precondition: {preconditions['uid']}, "
                                     f"UID in object meta: {meta.get('uid')}")
        if preconditions.get("resourceVersion") and preconditions["resourceVersion"] != meta.get("resourceVersion"):
            raise errors.StatusError(409, "Conflict", f'Operation cannot be fulfilled on {rt.qualified()} "{name}": '
                                     f"Precondition failed: ResourceVersion in precondition: "
                                     f"{preconditions['resourceVersion']}, ResourceVersion in object meta: "
                                     f"{meta.get('resourceVersion')}")
        policy = options.get("propagationPolicy") or ("Orphan" if options.get("orphanDependents") else "Background")
        if self._graceful(rt, obj, options):
            return self._terminate_pod(rt, key, obj, options, dry_run)
        finalizers = list(meta.get("finalizers") or [])
        if rt.key == resources.NAMESPACE_TYPE.key:
            finalizers += (obj.get("spec") or {}).get("finalizers") or []
        if policy == "Foreground" and "foregroundDeletion" not in finalizers and self._dependents(meta.get("uid")):
            finalizers.append("foregroundDeletion")
        if finalizers:
            if meta.get("deletionTimestamp"):
                return self.render(rt, obj)
            new = fields.clone(obj)
            new["metadata"]["deletionTimestamp"] = now_iso()
            new["metadata"]["deletionGracePeriodSeconds"] = 0
            if "foregroundDeletion" in finalizers:
                new["metadata"]["finalizers"] = list(dict.fromkeys((meta.get("finalizers") or [])
                                                                   + ["foregroundDeletion"]))
            if rt.key == resources.NAMESPACE_TYPE.key:
                new.setdefault("status", {})["phase"] = "Terminating"
            if rt.generation:
                new["metadata"]["generation"] = meta.get("generation", 1) + 1
            if dry_run:
                return self.render(rt, new)
            self._store(rt, key, obj, new)
            self._schedule_gc()
            return self.render(rt, new)
        if dry_run:
            return self.render(rt, obj)
        if policy == "Orphan":
            self._orphan(meta.get("uid"))
        self._remove(rt, key)
        if rt.custom or rt.key in RETURNS_DELETED_OBJECT:
            return self.render(rt, obj)
        details = {"name": name, "kind": rt.plural, "uid": meta.get("uid"), **({"group": rt.group} if rt.group else {})}
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}

    def _graceful(self, rt: ResourceType, obj: dict[str, Any], options: dict[str, Any]) -> bool:
        """Pods bound to a node wait for their kubelet (only when one runs: the simulator) to stop them."""
        if rt.key != ("", "pods") or not self.kubelets or not (obj.get("spec") or {}).get("nodeName"):
            return False
        if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return False
        return options.get("gracePeriodSeconds") != 0

    def _terminate_pod(self, rt: ResourceType, key: ObjKey, obj: dict[str, Any], options: dict[str, Any],
                       dry_run: bool) -> dict[str, Any]:
        if obj["metadata"].get("deletionTimestamp"):
            return self.render(rt, obj)
        grace = options.get("gracePeriodSeconds")
        if grace is None:
            grace = (obj.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
        new = fields.clone(obj)
        deadline = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=int(grace))
        new["metadata"]["deletionTimestamp"] = deadline.strftime("%Y-%m-%dT%H:%M:%SZ")
        new["metadata"]["deletionGracePeriodSeconds"] = int(grace)
        if not dry_run:
            self._store(rt, key, obj, new)
        return self.render(rt, new)

    # --- internals --------------------------------------------------------------------------------

    def _key(self, rt: ResourceType, namespace: str | None, name: str) -> ObjKey:
        return (rt.key, (namespace or "") if rt.namespaced else "", name)

    def _check_body(self, rt: ResourceType, body: Any, namespace: str | None, name: str | None = None) -> dict:
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be a JSON object")
        body = fields.clone(body)
        if body.get("kind") not in (None, rt.kind) or body.get("apiVersion") not in (None, rt.api_version):
            raise errors.bad_request(f"the API version in the data ({body.get('apiVersion')}) does not match the "
                                     f"expected API version ({rt.api_version})")
        meta = body.setdefault("metadata", {})
        if rt.namespaced:
            if meta.get("namespace") not in (None, "", namespace):
                raise errors.bad_request("the namespace of the provided object does not match the namespace sent "
                                         "on the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if name is not None and meta.get("name") not in (None, name):
            raise errors.bad_request(f"the name of the object ({meta.get('name')}) does not match the name on the "
                                     f"URL ({name})")
        if name is not None:
            meta["name"] = name
        body["apiVersion"], body["kind"] = rt.api_version, rt.kind
        return body

    def _check_rv(self, rt: ResourceType, old: dict[str, Any], wanted: str | None) -> None:
        if wanted and wanted != old["metadata"]["resourceVersion"]:
            raise errors.stale(rt.plural, old["metadata"]["name"], rt.group)

    def _check_namespace(self, rt: ResourceType, namespace: str) -> None:
        if not rt.namespaced:
            return
        ns = self.objects.get((resources.NAMESPACE_TYPE.key, "", namespace))
        if ns is None:
            raise errors.not_found("namespaces", namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise errors.forbidden(
                f'{rt.qualified()} is forbidden: unable to create new content in namespace {namespace} because it '
                f"is being terminated", {"kind": rt.plural, "group": rt.group,
                                          "causes": [{"reason": "NamespaceTerminating",
                                                      "message": f"namespace {namespace} is being terminated",
                                                      "field": "metadata.namespace"}]})

    def _commit(self, rt: ResourceType, key: ObjKey, old: dict | None, new: dict, manager: str, operation: str,
                subresource: str, dry_run: bool) -> dict[str, Any]:
        now = now_iso()
        meta = new.setdefault("metadata", {})
        if old is None:
            if subresource:
                raise errors.not_found(rt.plural, key[2], rt.group)
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now
            for server_field in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"):
                meta.pop(server_field, None)
            if rt.generation:
                meta["generation"] = 1
            else:
                meta.pop("generation", None)
            if rt.has_status and rt.custom:
                new.pop("status", None)
            elif rt.has_status and rt.key not in KEEPS_STATUS_ON_CREATE:
                new["status"] = defaults.initial_status(rt.key)
        else:
            old_meta = old["metadata"]
            for server_field in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                                 "generation", "resourceVersion"):
                if server_field in old_meta:
                    meta[server_field] = old_meta[server_field]
                else:
                    meta.pop(server_field, None)
            if subresource == "status":
                status = new.get("status")
                new = {k: fields.clone(v) for k, v in old.items() if k != "status"}
                new["apiVersion"], new["kind"] = rt.api_version, rt.kind
                if status is not None:
                    new["status"] = status
                applied_managed = meta.get("managedFields")
                meta = new["metadata"]
                if operation == "Apply":
                    meta["managedFields"] = applied_managed
            elif rt.has_status:
                if "status" in old:
                    new["status"] = fields.clone(old["status"])
                else:
                    new.pop("status", None)
            if old_meta.get("deletionTimestamp"):
                added = set(meta.get("finalizers") or []) - set(old_meta.get("finalizers") or [])
                if added:
                    raise errors.forbidden(f"Forbidden: no new finalizers can be added if the object is being "
                                           f"deleted, found new finalizers {sorted(added)}")
        if not rt.custom:
            new, dropped = defaults.decode(rt.group, rt.version, rt.kind, new)
            meta = new["metadata"]
            self.warnings.extend(f'unknown field "{path}"' for path in dropped)
        if rt.custom:
            new = schema.prune(new, rt.schema or {})
            meta = new["metadata"]
            causes = schema.validate(new, rt.schema or {})
            if causes:
                raise errors.invalid(rt.plural, key[2], causes, rt.group)
        defaults.validate_name(rt.group, rt.plural, rt.kind, key[2])
        defaults.validate_metadata(rt.kind, rt.group, new)
        defaults.apply_defaults(rt.key, new, self.ctx)
        defaults.validate(rt.key, rt.kind, new)
        if old is not None:
            defaults.check_update(rt.key, rt.kind, old, new)
            if rt.generation and _spec_part(new, rt) != _spec_part(old, rt):
                meta["generation"] = old["metadata"].get("generation", 1) + 1
        if operation == "Update":
            managed.record_update(self.render(rt, old) if old else None, new, manager, rt.api_version,
                                  subresource, rt.has_status, rt.schema, now)
        if old is not None and _without_times(new) == _without_times(self.render(rt, old)):
            return self.render(rt, old)
        if len(json.dumps(new)) > MAX_STORED_BYTES:
            raise errors.StatusError(500, "InternalError", "etcdserver: request is too large")
        if dry_run:
            if old is None:
                meta.pop("resourceVersion", None)
            return self.render(rt, new)
        if rt.key == resources.CRD_TYPE.key:
            self._serve_crd(new, old)
        self._store(rt, key, old, new)
        final = self.render(rt, self.objects[key])
        if final["metadata"].get("deletionTimestamp") and not _pending_finalizers(rt, final):
            self._remove(rt, key)
        return final

    def _store(self, rt: ResourceType, key: ObjKey, old: dict | None, new: dict) -> None:
        self.revision += 1
        new = fields.clone(new)
        new["metadata"]["resourceVersion"] = str(self.revision)
        new.pop("apiVersion", None)
        new.pop("kind", None)
        self.objects[key] = new
        self._by_kind[key[0]][key] = new
        self._index_owners(key, old, new)
        self._emit(key, "ADDED" if old is None else "MODIFIED", new, old)

    def _remove(self, rt: ResourceType, key: ObjKey) -> None:
        obj = self.objects.pop(key)
        del self._by_kind[key[0]][key]
        self._index_owners(key, obj, None)
        self.revision += 1
        gone = fields.clone(obj)
        gone["metadata"]["resourceVersion"] = str(self.revision)
        self._emit(key, "DELETED", gone, obj)
        if rt.key == resources.CRD_TYPE.key:
            self._unserve_crd(obj)
        if rt.key == ("", "pods"):
            for log_key in [k for k in self.pod_logs if k[:2] == (key[1], key[2])]:
                del self.pod_logs[log_key]
        self._schedule_gc()

    def _serve_crd(self, new: dict[str, Any], old: dict[str, Any] | None) -> None:
        for rt in resources.crd_resource_types(new):
            if not rt.group or not rt.plural or not rt.kind:
                raise errors.invalid("CustomResourceDefinition", new["metadata"]["name"],
                                     [("spec", "Required value: group, names.plural and names.kind")],
                                     "apiextensions.k8s.io")
        if old is not None:
            spec = old.get("spec") or {}
            self.registry.remove_group_plural(spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
        for rt in resources.crd_resource_types(new):
            self.registry.add(rt)
        status = new.setdefault("status", {})
        status["acceptedNames"] = fields.clone((new.get("spec") or {}).get("names") or {})
        status["storedVersions"] = [v["name"] for v in (new.get("spec") or {}).get("versions") or []
                                    if v.get("storage")]
        status["conditions"] = [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found",
             "lastTransitionTime": now_iso()},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted", "lastTransitionTime": now_iso()}]

    def _unserve_crd(self, crd: dict[str, Any]) -> None:
        spec = crd.get("spec") or {}
        group, plural = spec.get("group", ""), (spec.get("names") or {}).get("plural", "")
        for key in [k for k in self.objects if k[0] == (group, plural)]:
            rts = self.registry.of_key(key[0])
            if rts:
                self._remove(rts[0], key)
        self.registry.remove_group_plural(group, plural)

    # --- garbage collection and namespace termination ---------------------------------------------

    def _schedule_gc(self) -> None:
        if self._gc_scheduled:
            return
        self._gc_scheduled = True
        try:
            asyncio.get_running_loop().call_soon(self.collect_garbage)
        except RuntimeError:
            self.collect_garbage()

    def _index_owners(self, key: ObjKey, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        for obj, add in ((old, False), (new, True)):
            if obj is None:
                continue
            uid = obj["metadata"].get("uid")
            if add:
                self._by_uid[uid] = key
            elif new is None:
                self._by_uid.pop(uid, None)
            for ref in obj["metadata"].get("ownerReferences") or []:
                if add:
                    self._owned[ref.get("uid")].add(key)
                else:
                    self._owned[ref.get("uid")].discard(key)

    def _dependents(self, uid: str | None) -> list[ObjKey]:
        return sorted(k for k in self._owned.get(uid or "", ()) if k in self.objects)

    def _orphan(self, uid: str | None) -> None:
        for key in self._dependents(uid):
            obj = self.objects[key]
            new = fields.clone(obj)
            new["metadata"]["ownerReferences"] = [r for r in obj["metadata"]["ownerReferences"] if r.get("uid") != uid]
            if not new["metadata"]["ownerReferences"]:
                del new["metadata"]["ownerReferences"]
            self._store(self._rt(key), key, obj, new)

    def _rt(self, key: ObjKey) -> ResourceType:
        return self.registry.of_key(key[0])[0]

    def collect_garbage(self) -> None:
        """One pass of the garbage collector and the namespace controller; repeats until nothing changes."""
        self._gc_scheduled = False
        changed = True
        while changed:
            changed = False
            suspects = {k for owner, dependents in self._owned.items()
                        if owner not in self._by_uid or self._owner_foreground(owner) for k in dependents}
            suspects |= {k for k, o in self.objects.items()
                         if "foregroundDeletion" in (o["metadata"].get("finalizers") or [])}
            uids = self._by_uid
            for key in sorted(suspects):
                obj = self.objects.get(key)
                if obj is None:
                    continue
                meta = obj["metadata"]
                refs = meta.get("ownerReferences") or []
                owners_alive = [r for r in refs if r.get("uid") in uids and not self._owner_foreground(r.get("uid"))]
                if refs and not owners_alive and not meta.get("deletionTimestamp"):
                    self.delete(self._rt(key), key[1], key[2])
                    changed = True
                elif "foregroundDeletion" in (meta.get("finalizers") or []) and not self._dependents(meta.get("uid")):
                    new = fields.clone(obj)
                    new["metadata"]["finalizers"] = [f for f in meta["finalizers"] if f != "foregroundDeletion"]
                    self._commit(self._rt(key), key, obj, new, "kube-controller-manager", "Update", "", False)
                    changed = True
            for key, ns in list(self._by_kind.get(resources.NAMESPACE_TYPE.key, {}).items()):
                if ns["metadata"].get("deletionTimestamp"):
                    changed |= self._terminate_namespace(key, ns)

    def _owner_foreground(self, uid: str | None) -> bool:
        key = self._by_uid.get(uid or "")
        obj = self.objects.get(key) if key else None
        return obj is not None and bool(obj["metadata"].get("deletionTimestamp")) and \
            "foregroundDeletion" in (obj["metadata"].get("finalizers") or [])

    def _terminate_namespace(self, key: ObjKey, ns: dict[str, Any]) -> bool:
        name = key[2]
        contents = [k for k in self.objects if k[1] == name and self._rt(k).namespaced]
        progressed = False
        for k in contents:
            if not self.objects[k]["metadata"].get("deletionTimestamp"):
                self.delete(self._rt(k), name, k[2])
                progressed = True
        if not [k for k in self.objects if k[1] == name and self._rt(k).namespaced] and \
                (ns.get("spec") or {}).get("finalizers"):
            new = fields.clone(ns)
            new["spec"]["finalizers"] = []
            self._store(resources.NAMESPACE_TYPE, key, ns, new)
            if not new["metadata"].get("finalizers"):
                self._remove(resources.NAMESPACE_TYPE, key)
            progressed = True
        return progressed

    # --- pod logs (what the kubelet would serve) ----------------------------------------------------

    def add_log(self, namespace: str, pod: str, container: str, lines: Iterable[str], previous: bool = False) -> None:
        entries = self.pod_logs.setdefault((namespace, pod, container, previous), [])
        stamp = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
        entries.extend((stamp, line) for line in lines)
        self._wakeup.set()
        self._wakeup = asyncio.Event()



MAX_STORED_BYTES = 1536 * 1024             # etcd's default --max-request-bytes
RETURNS_DELETED_OBJECT = {("", "pods"), ("", "namespaces"), ("apps", "deployments"), ("apps", "replicasets"),
                          ("apps", "daemonsets"), ("apps", "statefulsets"), ("batch", "jobs"), ("batch", "cronjobs"),
                          ("", "services"), ("", "persistentvolumeclaims")}
KEEPS_STATUS_ON_CREATE = {("", "namespaces"), ("", "pods"), ("", "persistentvolumeclaims"), ("", "nodes"),
                          ("", "services")}


def _pending_finalizers(rt: ResourceType, obj: dict[str, Any]) -> list[str]:
    pending = list(obj["metadata"].get("finalizers") or [])
    if rt.key == resources.NAMESPACE_TYPE.key:
        pending += (obj.get("spec") or {}).get("finalizers") or []
    return pending


def _spec_part(obj: dict[str, Any], rt: ResourceType) -> dict[str, Any]:
    """What generation tracks: everything but metadata (and status, when it is a separate subresource)."""
    ignored = ("metadata", "apiVersion", "kind") + (("status",) if rt.has_status else ())
    return {k: v for k, v in obj.items() if k not in ignored}


def _without_times(obj: dict[str, Any]) -> dict[str, Any]:
    result = fields.clone(obj)
    for entry in (result.get("metadata") or {}).get("managedFields") or []:
        entry.pop("time", None)
    return result
