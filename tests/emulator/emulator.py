"""`KubeEmulator`: the emulated API server running in its own thread and event loop.

Sync code (the CLI, lightkube.Client) and async code (kopf, lightkube.AsyncClient, the dashboard)
both reach it over real HTTP at `.url`, or through the kubeconfig at `.kubeconfig_path`.
Tests set up and inspect state with two clearly separated families of helpers:

* `store_*` read and write the storage directly (not logged in `.requests`, no faults) — for setup and
  assertions; writes still get the server's semantics (resourceVersion, defaults, events to watchers);
* `http(...)` goes through the HTTP API like any client (logged, faults apply).
"""

from __future__ import annotations

import asyncio
import copy
import json
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp.test_utils
import httpx
import yaml

from tests.emulator import errors, faults, server, store as store_module
from tests.emulator.resources import ResourceType

T = TypeVar("T")
SETUP_MANAGER = "test-setup"


class KubeEmulator:
    def __init__(self, *, history_limit: int = 10000, bookmark_interval: float = 30.0,
                 simulator: bool = False, workdir: Path | None = None) -> None:
        self._history_limit = history_limit
        self._bookmark_interval = bookmark_interval
        self._simulator_on = simulator
        self._workdir = workdir
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._http_server: aiohttp.test_utils.RawTestServer | None = None
        self.api: server.ApiServer | None = None
        self._http_client: httpx.Client | None = None
        self.simulator: Any = None
        self.url = ""
        self.kubeconfig_path = Path()

    # --- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> "KubeEmulator":
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            ready.set()
            self._loop.run_forever()  # type: ignore[union-attr]

        self._thread = threading.Thread(target=run, name="kube-emulator", daemon=True)
        self._thread.start()
        ready.wait()
        self._submit(self._astart())
        return self

    async def _astart(self) -> None:
        from tests.emulator.simulator import Simulator
        st = store_module.Store(history_limit=self._history_limit)
        self.api = server.ApiServer(store=st, bookmark_interval=self._bookmark_interval)
        await self.api.__aenter__()
        self._http_server = aiohttp.test_utils.RawTestServer(self.api, host="127.0.0.1", port=None)
        await self._http_server.start_server()
        self.url = str(self._http_server.make_url("")).rstrip("/")
        self.simulator = Simulator(st)
        if self._simulator_on:
            self.simulator._switch(True)
        self._write_kubeconfig()

    def _write_kubeconfig(self) -> None:
        if self._workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="kube-emulator-")
            self._workdir = Path(self._tmp.name)
        self.kubeconfig_path = self._workdir / "kubeconfig"
        self.kubeconfig_path.write_text(yaml.safe_dump(self.kubeconfig))

    @property
    def kubeconfig(self) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Config", "current-context": "emulator", "preferences": {},
                "clusters": [{"name": "emulator", "cluster": {"server": self.url}}],
                "users": [{"name": "emulator", "user": {}}],
                "contexts": [{"name": "emulator", "context": {"cluster": "emulator", "user": "emulator",
                                                              "namespace": "default"}}]}

    def stop(self) -> None:
        if self._http_client is not None:
            self._http_client.close()
            self._http_client = None
        if self._loop is None:
            return
        try:
            self._submit(self._astop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._loop.close()
            self._loop = None
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    async def _astop(self) -> None:
        if self.simulator is not None:
            self.simulator._switch(False)
        if self.api is not None:
            self.api.store.close()
        if self._http_server is not None:
            await self._http_server.close()
        if self.api is not None:
            await self.api.__aexit__(None, None, None)

    def __enter__(self) -> "KubeEmulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> "KubeEmulator":
        await asyncio.get_running_loop().run_in_executor(None, self.start)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.stop)

    # --- running things in the emulator's loop ----------------------------------------------------------

    def _submit(self, coro: Any) -> Any:
        assert self._loop is not None, "the emulator is not running"
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("KubeEmulator helpers are for test code; inside the emulator's loop use the store")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=30)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run fn in the emulator's event loop (the only thread that may touch the store)."""
        async def wrapper() -> T:
            return fn(*args, **kwargs)
        return self._submit(wrapper())

    @property
    def store(self) -> store_module.Store:
        assert self.api is not None
        return self.api.store

    # --- request log and faults -----------------------------------------------------------------------

    @property
    def requests(self) -> faults.RequestLog:
        assert self.api is not None
        return self.api.requests

    @property
    def server_errors(self) -> list[BaseException]:
        """Exceptions inside the emulator itself (answered as 500); a test run should leave this empty."""
        assert self.api is not None
        return self.api.server_errors

    def inject(self, verb: str | None = None, kind: str | None = None, name: str | None = None,
               namespace: str | None = None, *, status: int | None = None, message: str | None = None,
               delay: float = 0.0, drop: bool = False, after: bool = False, times: int | None = 1,
               subresource: str | None = "*") -> faults.Fault:
        """Make matching requests fail. verb: get/list/watch/create/update/patch/apply/delete/deletecollection,
        or "write" for any writing verb. Returns the rule (its `.hits` counts matches)."""
        if status is None and not drop and not delay:
            raise ValueError("a fault needs a status, drop=True, or a delay")
        fault = faults.Fault(verb=verb, kind=kind, name=name, namespace=namespace, subresource=subresource,
                             status=status, message=message, delay=delay, drop=drop, after=after, times=times)
        assert self.api is not None
        self.call(self.api.faults.append, fault)
        return fault

    def clear_faults(self) -> None:
        assert self.api is not None
        self.call(self.api.faults.clear)

    # --- resource types ---------------------------------------------------------------------------------

    def resource_type(self, kind: str, api_version: str | None = None) -> ResourceType:
        """By Kind, plural or short name, optionally pinned to an apiVersion ("apps/v1")."""
        candidates = self.call(self.store.registry.find, kind)
        if api_version is not None:
            candidates = [rt for rt in candidates if rt.api_version == api_version]
        candidates.sort(key=lambda rt: (rt.group not in ("", "apps", "batch"), rt.group))
        if not candidates:
            raise KeyError(f"unknown resource type: {kind} {api_version or ''}".strip())
        return candidates[0]

    # --- direct store access (setup and assertions; not logged, no faults) ---------------------------------

    def store_get(self, kind: str, name: str, namespace: str | None = None,
                  api_version: str | None = None) -> dict[str, Any] | None:
        rt = self.resource_type(kind, api_version)

        def get() -> dict[str, Any] | None:
            obj = self.store.peek(rt, namespace or "", name)
            return self.store.render(rt, obj) if obj is not None else None
        return self.call(get)

    def store_list(self, kind: str, namespace: str | None = None, labels: dict[str, str] | None = None,
                   api_version: str | None = None) -> list[dict[str, Any]]:
        rt = self.resource_type(kind, api_version)

        def match(obj: dict[str, Any]) -> bool:
            have = (obj.get("metadata") or {}).get("labels") or {}
            return all(have.get(k) == v for k, v in (labels or {}).items())
        return self.call(self.store.list, rt, namespace, match)

    def store_put(self, obj: dict[str, Any], manager: str = SETUP_MANAGER) -> dict[str, Any]:
        """Create or replace an object (unconditionally) through the store's write rules."""
        rt = self.resource_type(obj["kind"], obj.get("apiVersion"))
        meta = obj.get("metadata") or {}
        namespace, name = meta.get("namespace"), meta["name"]

        def put() -> dict[str, Any]:
            existing = self.store.peek(rt, namespace or "", name)
            if existing is None:
                return self.store.create(rt, namespace, obj, manager)
            body = copy.deepcopy(obj)
            body.setdefault("metadata", {})["resourceVersion"] = existing["metadata"]["resourceVersion"]
            result = self.store.replace(rt, namespace, name, body, manager)
            if rt.has_status and "status" in obj:
                body["metadata"]["resourceVersion"] = result["metadata"]["resourceVersion"]
                result = self.store.replace(rt, namespace, name, body, manager, subresource="status")
            return result
        return self.call(put)

    def store_patch_status(self, kind: str, name: str, namespace: str | None, status: dict[str, Any],
                           manager: str = SETUP_MANAGER) -> dict[str, Any]:
        rt = self.resource_type(kind)
        return self.call(lambda: self.store.patch(rt, namespace, name, {"status": status}, store_module.MERGE,
                                                  manager, subresource="status" if rt.has_status else "")[0])

    def store_delete(self, kind: str, name: str, namespace: str | None = None,
                     propagation: str = "Background") -> None:
        rt = self.resource_type(kind)
        self.call(self.store.delete, rt, namespace, name, {"propagationPolicy": propagation})

    def create_namespace(self, name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
        return self.store_put({"apiVersion": "v1", "kind": "Namespace",
                               "metadata": {"name": name, **({"labels": labels} if labels else {})}})

    def compact(self) -> None:
        """Drop the watch history: watching from any earlier resourceVersion now gets 410 Gone."""
        self.call(self.store.compact)

    @property
    def revision(self) -> int:
        return self.call(lambda: self.store.revision)

    def add_log_lines(self, namespace: str, pod: str, lines: Iterable[str] | str, container: str | None = None,
                      previous: bool = False) -> None:
        """Feed container output that the pod's `log` subresource serves (and streams to followers)."""
        if isinstance(lines, str):
            lines = lines.splitlines()
        lines = list(lines)
        pods = self.resource_type("pods")

        def add() -> None:
            pod_obj = self.store.peek(pods, namespace, pod)
            if pod_obj is None:
                raise errors.not_found("pods", pod)
            name = container or ((pod_obj.get("spec") or {}).get("containers") or [{}])[0].get("name", "")
            self.store.add_log(namespace, pod, name, lines, previous)
        self.call(add)

    def emit_event(self, involved: dict[str, Any], reason: str, message: str, type: str = "Warning",
                   component: str = "kubelet") -> dict[str, Any]:
        """Record a core/v1 Event about an object, like a controller or the kubelet would."""
        from tests.emulator.simulator import make_event
        return self.call(lambda: make_event(self.store, involved, reason, message, type, component))

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the simulator has nothing left to do right now (for deterministic assertions)."""
        async def quiet() -> None:
            for _ in range(3):
                await asyncio.sleep(0)
            if self.simulator is not None and self.simulator.enabled:
                await self.simulator.wait_idle(timeout)
        self._submit(quiet())

    # --- HTTP access (logged, faults apply) -------------------------------------------------------------

    def http(self, method: str, path: str, *, json_body: Any = None, params: dict[str, Any] | None = None,
             content_type: str = "application/json", timeout: float = 10.0) -> httpx.Response:
        content = json.dumps(json_body).encode() if json_body is not None else None
        headers = {"Content-Type": content_type} if content is not None else {}
        if self._http_client is None:
            self._http_client = httpx.Client(base_url=self.url, verify=False)
        return self._http_client.request(method, path, content=content, params=params, headers=headers,
                                         timeout=timeout)
