"""The HTTP face of the emulated API server, as a kmock handler.

kmock (`KubernetesScaffold`) gives the aiohttp plumbing, request parsing and Status rendering of
unexpected errors; this module replaces its simplistic object handling with real API semantics from
`store.Store` (kmock's own path parser fails on `/api/v1/namespaces`, so requests are parsed here): routing of `/api`/`/apis` paths (incl. discovery), verbs, query options, watch streams,
pod logs, fault injection and the request log.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import json
import time
import traceback
from typing import Any

import aiohttp.web
import attrs
import kmock
import yaml

from tests.emulator import errors, faults, selectors, store as store_module
from tests.emulator.errors import StatusError
from tests.emulator.resources import ResourceType

MAX_REQUEST_BYTES = 3 * 1024 * 1024      # the apiserver's limit on write bodies
VERSION_INFO = {"major": "1", "minor": "34", "gitVersion": "v1.34.0-dockyard-emulator", "gitCommit": "0" * 40,
                "gitTreeState": "clean", "buildDate": "2025-08-27T00:00:00Z", "goVersion": "go1.24.6",
                "compiler": "gc", "platform": "linux/amd64"}


@attrs.define(kw_only=True)
class Route:
    rt: ResourceType | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    discovery: dict[str, Any] | None = None


@attrs.define(kw_only=True)
class ApiServer(kmock.KubernetesScaffold):
    store: store_module.Store = attrs.field(factory=store_module.Store)
    requests: faults.RequestLog = attrs.field(factory=faults.RequestLog)
    faults: list[faults.Fault] = attrs.field(factory=list)
    server_errors: list[BaseException] = attrs.field(factory=list)
    bookmark_interval: float = 30.0

    # --- entry point ------------------------------------------------------------------------------

    async def __call__(self, raw: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        # kmock's own request parser cannot parse paths like /api/v1/namespaces; route them here instead.
        body = await _read_body(raw)
        record = faults.RequestRecord(method=raw.method, path=raw.path, query=dict(raw.query), verb=None,
                                      content_type=raw.headers.get("Content-Type", "").split(";")[0].strip())
        self.requests.append(record)
        try:
            if len(body) > MAX_REQUEST_BYTES:
                raise StatusError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {MAX_REQUEST_BYTES}")
            route = self._route(raw.path)
            record.body = _decode_body(body, record.content_type)
            self._describe(record, route, raw)
            fault = self._match_fault(record, route)
            if fault is not None and not fault.after:
                await asyncio.sleep(fault.delay)
                if fault.status or fault.drop:
                    return self._fault_response(fault, raw, record)
            self.store.warnings = []
            response = await self._dispatch(route, record, raw)
            for warning in self.store.warnings:
                if not response.prepared:
                    escaped = warning.replace('"', '\\"')
                    response.headers.add("Warning", f'299 - "{escaped}"')
            if fault is not None and fault.after:
                await asyncio.sleep(fault.delay)
                if fault.status or fault.drop:
                    return self._fault_response(fault, raw, record)
            record.status = response.status
            return response
        except StatusError as e:
            record.status = e.code
            return _json(e.status(), e.code)
        except Exception as e:  # a bug in the emulator: answer 500 and keep it for the test to see
            self.server_errors.append(e)
            record.status = 500
            return _json(StatusError(500, "InternalError", f"emulator bug: {e!r}",
                                     {"traceback": traceback.format_exc()}).status(), 500)

    def _fault_response(self, fault: faults.Fault, raw: aiohttp.web.BaseRequest,
                        record: faults.RequestRecord) -> aiohttp.web.StreamResponse:
        if fault.drop:
            record.status = 0
            if raw.transport is not None:
                raw.transport.abort()
            raise asyncio.CancelledError()
        body = fault.status_body()
        record.status = body["code"]
        headers = {"Retry-After": "1"} if body["code"] == 429 else {}
        return _json(body, body["code"], headers)

    def _match_fault(self, record: faults.RequestRecord, route: Route) -> faults.Fault | None:
        names = {record.kind.lower(), record.plural, *route.rt.short_names} if route.rt and record.kind else set()
        for fault in self.faults:
            if fault.matches(record, {n for n in names if n}):
                fault.hits += 1
                record.fault = fault
                return fault
        return None

    # --- routing --------------------------------------------------------------------------------------

    def _route(self, path: str) -> Route:
        reg = self.store.registry
        parts = [p for p in path.split("/") if p]
        if path.rstrip("/") == "/version":
            return Route(discovery=VERSION_INFO)
        if parts == ["api"]:
            return Route(discovery=reg.api_versions())
        if parts == ["apis"]:
            return Route(discovery=reg.api_group_list())
        if len(parts) >= 2 and parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        elif len(parts) >= 2 and parts[0] == "apis":
            if len(parts) == 2:
                doc = reg.api_group(parts[1])
                if doc is None:
                    raise errors.resource_not_found()
                return Route(discovery=doc)
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise errors.resource_not_found()
        if not rest:
            doc = reg.resource_list(group, version)
            if doc is None:
                raise errors.resource_not_found()
            return Route(discovery=doc)
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            candidate = reg.get(group, version, rest[2])
            if candidate is not None and candidate.namespaced:
                namespace, rest = rest[1], rest[2:]
        rt = reg.get(group, version, rest[0])
        if rt is None or len(rest) > 3:
            raise errors.resource_not_found()
        if rt.namespaced is False and namespace is not None:
            raise errors.resource_not_found()
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub is not None and sub not in rt.subresources:
            raise errors.resource_not_found()
        return Route(rt=rt, namespace=namespace, name=name, subresource=sub)

    def _describe(self, record: faults.RequestRecord, route: Route, raw: aiohttp.web.BaseRequest) -> None:
        q = raw.query
        if route.rt is not None:
            rt = route.rt
            record.group, record.version, record.plural, record.kind = rt.group, rt.version, rt.plural, rt.kind
            record.namespace, record.name, record.subresource = route.namespace, route.name, route.subresource
            if route.name is None and record.method == "POST" and isinstance(record.body, dict):
                record.name = (record.body.get("metadata") or {}).get("name")
        record.field_manager = q.get("fieldManager")
        record.dry_run = "dryRun" in q
        record.verb = _verb(raw.method, route, q, record.content_type)

    # --- verbs ------------------------------------------------------------------------------------------

    async def _dispatch(self, route: Route, record: faults.RequestRecord,
                        raw: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        if route.discovery is not None:
            if raw.method != "GET":
                raise StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                  "resource")
            return _json(route.discovery)
        rt, q, verb = route.rt, raw.query, record.verb
        assert rt is not None
        ns = route.namespace
        if rt.namespaced and ns is None and verb not in ("list", "watch"):
            if verb == "create" and isinstance(record.body, dict):
                raise errors.bad_request("the server could not find the requested resource (namespace missing)")
            raise errors.resource_not_found()
        dry_run = self._dry_run(q)
        manager = q.get("fieldManager") or _default_manager(raw.headers.get("User-Agent", ""))
        st = self.store
        if route.subresource == "log":
            return await self._serve_log(rt, ns or "", route.name or "", q, raw)
        if route.subresource == "scale":
            return self._serve_scale(rt, ns or "", route.name or "", raw.method, record, manager, dry_run)
        sub = route.subresource or ""
        if verb == "get":
            return _json(st.get(rt, ns or "", route.name or ""))
        if verb == "list":
            return _json(self._list(rt, ns, q))
        if verb == "watch":
            return await self._watch(rt, ns, route.name, q, raw)
        if verb == "create":
            if "force" in q:
                raise _force_forbidden()
            return _json(st.create(rt, ns, record.body, manager, dry_run), 201)
        if verb == "update":
            return _json(st.replace(rt, ns, route.name or "", record.body, manager, dry_run, sub))
        if verb in ("patch", "apply"):
            force = q.get("force") == "true"
            if verb == "apply" and not q.get("fieldManager"):
                raise errors.invalid("PatchOptions", "", [("fieldManager", "Required value: is required for apply "
                                                                            "patch")], "meta.k8s.io")
            if verb == "patch" and "force" in q:
                raise _force_forbidden()
            obj, created = st.patch(rt, ns, route.name or "", record.body, record.content_type, manager, force,
                                    dry_run, sub)
            return _json(obj, 201 if created else 200)
        if verb == "delete":
            options = dict(record.body) if isinstance(record.body, dict) else {}
            if q.get("propagationPolicy"):
                options["propagationPolicy"] = q["propagationPolicy"]
            if q.get("gracePeriodSeconds"):
                options["gracePeriodSeconds"] = int(q["gracePeriodSeconds"])
            result = st.delete(rt, ns, route.name or "", options, dry_run)
            pending = result.get("kind") != "Status" and (result.get("metadata") or {}).get("deletionTimestamp")
            return _json(result, 202 if pending and not dry_run else 200)
        if verb == "deletecollection":
            match = self._matcher(rt, q)
            items = st.list(rt, ns, match)
            for item in items:
                st.delete(rt, item["metadata"].get("namespace"), item["metadata"]["name"],
                          {"propagationPolicy": q.get("propagationPolicy")} if q.get("propagationPolicy") else None,
                          dry_run)
            return _json({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"})
        raise StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    def _dry_run(self, q: Any) -> bool:
        values = q.getall("dryRun", [])
        for value in values:
            if value != "All":
                raise errors.bad_request(f'Invalid dry run value: "{value}"; the only valid value is All')
        return bool(values)

    def _matcher(self, rt: ResourceType, q: Any) -> selectors.Matcher:
        labels = selectors.label_matcher(q.get("labelSelector"))
        field = selectors.field_matcher(q.get("fieldSelector"), rt.kind)
        return lambda obj: labels(obj) and field(obj)

    def _list(self, rt: ResourceType, ns: str | None, q: Any) -> dict[str, Any]:
        match = self._matcher(rt, q)
        items = self.store.list(rt, ns, match)
        revision = self.store.revision
        start = 0
        if q.get("continue"):
            try:
                revision, start = json.loads(base64.b64decode(q["continue"]))
            except ValueError:
                raise errors.bad_request("continue key is not valid") from None
        meta: dict[str, Any] = {"resourceVersion": str(revision)}
        limit = int(q.get("limit") or 0)
        if limit and start + limit < len(items):
            meta["continue"] = base64.b64encode(json.dumps([revision, start + limit]).encode()).decode()
            meta["remainingItemCount"] = len(items) - start - limit
            items = items[start:start + limit]
        else:
            items = items[start:]
        if not rt.custom:
            for item in items:
                item.pop("apiVersion", None)
                item.pop("kind", None)
        return {"kind": f"{rt.kind}List", "apiVersion": rt.api_version, "metadata": meta, "items": items}

    # --- watch ------------------------------------------------------------------------------------------

    async def _watch(self, rt: ResourceType, ns: str | None, name: str | None, q: Any,
                     raw: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        match = self._matcher(rt, q)
        if name is not None:
            by_name = match
            match = lambda obj: by_name(obj) and obj["metadata"].get("name") == name  # noqa: E731
        timeout = float(q["timeoutSeconds"]) if q.get("timeoutSeconds") else None
        bookmarks = q.get("allowWatchBookmarks") == "true"
        response = aiohttp.web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        st = self.store
        deadline = time.monotonic() + timeout if timeout is not None else None
        rv_param = q.get("resourceVersion")

        async def send(event: dict[str, Any]) -> None:
            await response.write(json.dumps(event).encode() + b"\n")

        try:
            await response.prepare(raw)  # the client may already be gone: that ends the watch quietly
            if not rv_param or rv_param == "0":
                for obj in st.list(rt, ns, match):
                    await send({"type": "ADDED", "object": obj})
                last = st.revision
            else:
                last = int(rv_param)
            next_bookmark = time.monotonic() + self.bookmark_interval
            while not st.closed:
                try:
                    pending = st.events_since(last)
                except StatusError as e:
                    await send({"type": "ERROR", "object": e.status() | {"code": 410}})
                    break
                for event in pending:
                    last = event.rv
                    out = _watch_event(event, rt, ns, match)
                    if out is not None:
                        await send({"type": out[0], "object": st.render(rt, out[1])})
                now = time.monotonic()
                if bookmarks and now >= next_bookmark:
                    await send(_bookmark(rt, st.revision))
                    next_bookmark = now + self.bookmark_interval
                if deadline is not None and now >= deadline:
                    if bookmarks:
                        await send(_bookmark(rt, st.revision))
                    break
                waits = [next_bookmark - now] if bookmarks else []
                waits += [deadline - now] if deadline is not None else []
                await st.wait_for_change(max(0.0, min(waits)) if waits else None)
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    # --- pod logs ------------------------------------------------------------------------------------------

    async def _serve_log(self, rt: ResourceType, ns: str, name: str, q: Any,
                         raw: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        if raw.method != "GET":
            raise StatusError(405, "MethodNotAllowed", "the server does not allow this method")
        st = self.store
        pod = st.get(rt, ns, name)
        containers = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
        container = q.get("container")
        if not container:
            if len(containers) != 1:
                raise errors.bad_request(f"a container name must be specified for pod {name}, choose one of: "
                                         f"[{' '.join(containers)}]")
            container = containers[0]
        elif container not in containers:
            init = [c.get("name") for c in (pod.get("spec") or {}).get("initContainers") or []]
            if container not in init:
                raise errors.bad_request(f"container {container} is not valid for pod {name}")
        previous = q.get("previous") == "true"
        key = (ns, name, container, previous)
        if previous and key not in st.pod_logs:
            raise errors.bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
        if not previous and key not in st.pod_logs:
            waiting = _waiting_reason(pod, container)
            if waiting:
                raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: {waiting}')
        lines = list(st.pod_logs.get(key, []))
        if q.get("sinceSeconds"):
            cutoff = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=int(q["sinceSeconds"]))
            lines = [(ts, line) for ts, line in lines
                     if datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")) >= cutoff]
        if q.get("tailLines"):
            tail = int(q["tailLines"])
            lines = lines[-tail:] if tail > 0 else []
        stamps = q.get("timestamps") == "true"

        def fmt(entries: list[tuple[str, str]]) -> bytes:
            return "".join(f"{ts} {line}\n" if stamps else f"{line}\n" for ts, line in entries).encode()

        if q.get("follow") != "true":
            return aiohttp.web.Response(body=fmt(lines), headers={"Content-Type": "text/plain"})
        response = aiohttp.web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
        sent = len(st.pod_logs.get(key, []))
        try:
            await response.prepare(raw)
            await response.write(fmt(lines))
            while not st.closed and st.peek(rt, ns, name) is not None:
                await st.wait_for_change(None)
                current = st.pod_logs.get(key, [])
                if len(current) > sent:
                    await response.write(fmt(current[sent:]))
                    sent = len(current)
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    # --- scale --------------------------------------------------------------------------------------------

    def _serve_scale(self, rt: ResourceType, ns: str, name: str, method: str, record: faults.RequestRecord,
                     manager: str, dry_run: bool) -> aiohttp.web.StreamResponse:
        obj = self.store.get(rt, ns, name)
        if method in ("PUT", "PATCH"):
            body = record.body if isinstance(record.body, dict) else {}
            replicas = (body.get("spec") or {}).get("replicas")
            if replicas is not None:
                obj = self.store.patch(rt, ns, name, {"spec": {"replicas": replicas}},
                                       store_module.MERGE, manager, dry_run=dry_run)[0]
        meta = obj["metadata"]
        return _json({"kind": "Scale", "apiVersion": "autoscaling/v1",
                      "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                        "creationTimestamp") if k in meta},
                      "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
                      "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                                 "selector": ",".join(f"{k}={v}" for k, v in
                                                      ((obj.get("spec") or {}).get("selector") or {})
                                                      .get("matchLabels", {}).items())}})


def _verb(method: str, route: Route, q: Any, content_type: str) -> str | None:
    if route.rt is None:
        return "get" if method == "GET" else None
    named = route.name is not None
    if method == "GET":
        if q.get("watch") in ("true", "1"):
            return "watch"
        return "get" if named else "list"
    if method == "POST" and not named:
        return "create"
    if method == "PUT" and named:
        return "update"
    if method == "PATCH" and named:
        return "apply" if content_type == store_module.APPLY else "patch"
    if method == "DELETE" and route.subresource is None:
        return "delete" if named else "deletecollection"
    return None


def _watch_event(event: store_module.WatchEvent, rt: ResourceType, ns: str | None,
                 match: selectors.Matcher) -> tuple[str, dict[str, Any]] | None:
    key = event.key
    if key[0] != rt.key or (ns is not None and key[1] != ns):
        return None
    now_matches = match(event.obj)
    if event.type == "MODIFIED":
        was = event.previous is not None and match(event.previous)
        if now_matches and was:
            return "MODIFIED", event.obj
        if now_matches:
            return "ADDED", event.obj
        if was:
            return "DELETED", event.obj
        return None
    return (event.type, event.obj) if now_matches else None


def _bookmark(rt: ResourceType, revision: int) -> dict[str, Any]:
    return {"type": "BOOKMARK", "object": {"kind": rt.kind, "apiVersion": rt.api_version,
                                           "metadata": {"resourceVersion": str(revision)}}}


def _waiting_reason(pod: dict[str, Any], container: str) -> str | None:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    for status in statuses:
        if status.get("name") == container:
            waiting = (status.get("state") or {}).get("waiting")
            if waiting:
                reason = waiting.get("reason", "ContainerCreating")
                return "trying and failing to pull image" if reason in ("ImagePullBackOff", "ErrImagePull") \
                    else reason
            return None
    return "ContainerCreating"


def _default_manager(user_agent: str) -> str:
    return user_agent.split("/")[0] or "unknown"


def _force_forbidden() -> StatusError:
    return errors.invalid("PatchOptions", "", [("force", "Forbidden: may not be specified for non-apply patch")],
                          "meta.k8s.io")


async def _read_body(raw: aiohttp.web.BaseRequest) -> bytes:
    """The whole body up to just over the apiserver's limit (aiohttp's own 1 MiB cap does not apply)."""
    body = bytearray()
    while chunk := await raw.content.readany():
        body.extend(chunk)
        if len(body) > MAX_REQUEST_BYTES:
            break
    return bytes(body)


def _decode_body(body: bytes, content_type: str) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        if content_type == store_module.APPLY:
            try:
                return yaml.safe_load(body)
            except yaml.YAMLError as e:
                raise errors.bad_request(f"error decoding YAML: {e}") from None
        raise errors.bad_request("the body of the request was in an unknown format") from None


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> aiohttp.web.Response:
    return aiohttp.web.Response(body=json.dumps(body).encode(), status=status,
                                headers={"Content-Type": "application/json", **(headers or {})})
