"""The dashboard's handle on the reconcile engine: every read and action the pages need, in one place.

``Cluster`` owns a synchronous engine ``Client`` (the one the CLI uses) and calls the same functions
as the CLI: ``reconcile.environments`` for environments, config and secret keys,
``reconcile.composition`` for the Composition custom resource, ``reconcile.engine`` to load, render,
validate and diff a compose edit (server-side dry-run) and to compute live service status. There is
no second code path for validate, diff or apply: this module only shapes results for templates.

Streams (the live services table and logs) need a watch and followed logs that a page can abandon at
any time, so they use lightkube's async client against the same kubeconfig.

Secret values pass through ``set_secret`` on their way to the API and are never returned: views
receive secret KEYS only.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import posixpath
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dockyard.errors import ComposeError, ComposeErrors, DockyardError, NotFoundError, TerminalError
from dockyard.manifests.result import LABEL_COMPOSITION, LABEL_SERVICE
from dockyard.reconcile import composition as compositions
from dockyard.reconcile import environments
from dockyard.reconcile.status import ServiceStatus

__all__ = [
    "Check",
    "Cluster",
    "ComposeDocument",
    "CompositionView",
    "EnvironmentRow",
    "EnvironmentView",
    "ProblemAt",
    "SaveOutcome",
    "Settings",
]

COMPOSITION_API = compositions.API_VERSION
COMPOSITION_KIND = compositions.KIND
# Kinds whose changes can change what the services table shows.
WATCHED_KINDS: tuple[tuple[str, str], ...] = (
    ("v1", "Pod"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("v1", "Event"),
    (COMPOSITION_API, COMPOSITION_KIND),
)
EVENT_KINDS: tuple[tuple[str, str], ...] = (("v1", "Event"),)
WATCH_DEBOUNCE_SECONDS = 0.2
MAX_FIELDS_SHOWN = 12


@dataclass(frozen=True, slots=True)
class EnvironmentRow:
    name: str
    state: str
    ready: int
    total: int
    last_change: str = ""


@dataclass(frozen=True, slots=True)
class Condition:
    type: str
    status: str
    reason: str = ""
    message: str = ""
    since: str = ""


@dataclass(frozen=True, slots=True)
class EventRow:
    when: str
    type: str
    object: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Settings:
    config: Mapping[str, str]
    secret_keys: Sequence[str]  # keys only: values never leave the engine


@dataclass(frozen=True, slots=True)
class CompositionView:
    name: str
    generation: int | None
    phase: str
    services: Sequence[ServiceStatus]
    conditions: Sequence[Condition]


@dataclass(frozen=True, slots=True)
class EnvironmentView:
    name: str
    compositions: Sequence[CompositionView]
    events: Sequence[EventRow]
    settings: Settings


@dataclass(frozen=True, slots=True)
class ComposeDocument:
    composition: str
    file: str  # path relative to the project directory, as given to ``-f``
    text: str
    generation: int | None = None
    index: int = 0  # position in ``-f`` order
    files: Sequence[str] = ()  # every compose file of the composition, in ``-f`` order


@dataclass(frozen=True, slots=True)
class ProblemAt:
    """One problem with a compose edit.

    ``line`` is set when it is in the edited document; a problem in another compose file of the
    composition has no ``line`` and names ``file:line:column`` in ``file`` instead.
    """

    message: str
    line: int | None = None
    column: int | None = None
    path: str | None = None
    file: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    action: str
    object: str
    fields: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    digest: str  # of the checked text; Save must present it
    errors: Sequence[ProblemAt] = ()
    text_diff: Sequence[str] = ()
    changes: Sequence[Change] = ()
    warnings: Sequence[str] = ()

    @property
    def unchanged(self) -> bool:
        return self.ok and not self.text_diff


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    saved: bool
    check: Check
    composition: str = ""
    generation: int | None = None
    applied_here: bool = False  # the dashboard runs the engine (no controller, or ``--local``)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Cluster:
    """The engine client plus the kubeconfig it came from (for the streaming async client)."""

    client: Any  # dockyard.reconcile.client.Client
    config: Any = None  # lightkube KubeConfig for streams
    run_engine: bool = False  # reconcile here after each save even when a controller runs (``--local``)
    _async_client: Any = field(default=None, repr=False)
    _background: list = field(default_factory=list, repr=False)

    # -- environments ------------------------------------------------------------------------------

    def environments(self) -> list[EnvironmentRow]:
        rows = []
        for summary in environments.list_environments(self.client):
            rows.append(EnvironmentRow(summary.name, _environment_state(summary), summary.ready, summary.total,
                                       self._last_change(summary.namespace)))
        return rows

    def _compositions(self, namespace: str) -> list[dict]:
        try:
            return self.client.list(COMPOSITION_API, COMPOSITION_KIND, namespace)
        except NotFoundError:  # the Composition CRD is not installed yet: no composition can exist
            return []

    def _last_change(self, namespace: str) -> str:
        times = []
        for cr in self._compositions(namespace):
            meta = cr.get("metadata") or {}
            times.append(meta.get("creationTimestamp") or "")
            times += [c.get("lastTransitionTime") or "" for c in (cr.get("status") or {}).get("conditions") or []]
            times += [m.get("time") or "" for m in meta.get("managedFields") or []]
        return max(times, default="")

    def create_environment(self, name: str) -> None:
        environments.create(self.client, name)

    def delete_environment(self, name: str) -> None:
        environments.check_env_name(name)
        if not environments.delete(self.client, name):
            raise TerminalError(f"environment {name!r} does not exist")

    # -- one environment ---------------------------------------------------------------------------

    def environment(self, env: str) -> EnvironmentView:
        settings = self.settings(env)  # first: it fails clearly when the environment does not exist
        namespace = environments.namespace_of(env)
        views = [self._composition_view(env, cr)
                 for cr in sorted(self._compositions(namespace), key=lambda c: c["metadata"]["name"])]
        return EnvironmentView(env, views, self.events(env), settings)

    def _composition_view(self, env: str, cr: Mapping[str, Any]) -> CompositionView:
        status = cr.get("status") or {}
        return CompositionView(
            name=cr["metadata"]["name"],
            generation=cr["metadata"].get("generation"),
            phase=status.get("phase", ""),
            services=self._statuses(env, cr),
            conditions=[Condition(c.get("type", ""), c.get("status", ""), c.get("reason", ""),
                                  c.get("message", ""), c.get("lastTransitionTime", ""))
                        for c in status.get("conditions") or []],
        )

    def services(self, env: str, composition: str) -> list[ServiceStatus]:
        return self._statuses(env, self._require_composition(env, composition))

    def _statuses(self, env: str, cr: Mapping[str, Any]) -> list[ServiceStatus]:
        """Live status computed by the engine (what ``dockyard status`` shows), else the stored one."""
        from dockyard.reconcile import engine

        try:
            return list(engine.live_status(self.client, cr))
        except DockyardError:  # e.g. the stored composition no longer renders: show what was last recorded
            return [ServiceStatus.from_dict(s) for s in (cr.get("status") or {}).get("services") or []]

    def events(self, env: str, limit: int = 20) -> list[EventRow]:
        namespace = environments.namespace_of(env)
        items = sorted(self.client.events(namespace), key=_event_time, reverse=True)[:limit]
        rows = []
        for event in items:
            involved = event.get("involvedObject") or {}
            rows.append(EventRow(_event_time(event), event.get("type", ""),
                                 f"{involved.get('kind', '')}/{involved.get('name', '')}",
                                 event.get("reason", ""), event.get("message", "")))
        return rows

    def settings(self, env: str) -> Settings:
        return Settings(environments.read_config(self.client, env), environments.secret_keys(self.client, env))

    def set_config(self, env: str, key: str, value: str) -> None:
        environments.set_config(self.client, env, {key: value})

    def unset_config(self, env: str, key: str) -> None:
        environments.unset_config(self.client, env, [key])

    def set_secret(self, env: str, key: str, value: str) -> None:
        environments.set_secret(self.client, env, key, value)

    def unset_secret(self, env: str, key: str) -> None:
        environments.unset_secret(self.client, env, [key])

    # -- compose editor ----------------------------------------------------------------------------

    def _require_composition(self, env: str, composition: str) -> dict:
        environments.check_env_name(env)
        cr = self.client.get(COMPOSITION_API, COMPOSITION_KIND, composition, environments.namespace_of(env))
        if cr is None:
            raise TerminalError(f"environment {env!r} has no composition {composition!r}; "
                                f"run: dockyard apply -f compose.yaml --env {env}")
        return cr

    def compose_document(self, env: str, composition: str, index: int = 0) -> ComposeDocument:
        cr = self._require_composition(env, composition)
        document = _document(cr, index)
        files = tuple(f.get("path", "") for f in (cr.get("spec") or {}).get("composeFiles") or [])
        return ComposeDocument(composition, document.get("path", "compose.yaml"), document.get("content", ""),
                               (cr.get("metadata") or {}).get("generation"), index, files)

    def check_compose(self, env: str, composition: str, text: str, index: int = 0) -> Check:
        """Load, render and validate with ``text`` as compose file ``index``; what saving it would change."""
        cr = self._require_composition(env, composition)
        document = _document(cr, index)
        digest = text_digest(text)
        try:
            preview = _preview(self.client, _with_document(cr, index, text))
        except ComposeError as exc:
            return Check(False, digest, errors=_problems(exc, document.get("path", ""), text))
        except DockyardError as exc:
            return Check(False, digest, errors=[ProblemAt(compositions.user_message(line))
                                                for line in str(exc).splitlines() if line.strip()])
        return Check(
            True,
            digest,
            text_diff=_text_diff(document.get("content", ""), text, document.get("path", "compose.yaml")),
            changes=preview.changes,
            warnings=preview.warnings,
        )

    def save_compose(self, env: str, composition: str, text: str, *, validated_digest: str,
                     index: int = 0) -> SaveOutcome:
        """Store ``text`` as compose file ``index``, only if valid and exactly the text whose diff was shown."""
        check = self.check_compose(env, composition, text, index)
        if not check.ok:
            return SaveOutcome(False, check)
        if validated_digest != check.digest:
            stale = ProblemAt("the document changed after it was validated: validate again to see what Save changes")
            return SaveOutcome(False, Check(False, check.digest, errors=[stale]))
        current = self._require_composition(env, composition)
        stored = compositions.store(self.client, _with_document(current, index, text))
        meta = stored.get("metadata") or {}
        applied_here = self.run_engine or not compositions.controller_running(self.client)  # as ``dockyard apply``
        if applied_here:
            self._reconcile_soon(meta["namespace"], meta["name"])
        return SaveOutcome(True, check, meta.get("name", ""), meta.get("generation"), applied_here)

    def _reconcile_soon(self, namespace: str, name: str) -> None:
        """Run the engine once, off the request (no controller is running, or ``--local``)."""
        import threading

        from dockyard.reconcile import engine

        def run() -> None:
            try:
                engine.reconcile(self.client, namespace, name)
            except DockyardError:  # the outcome is in the Composition's status, which the page shows
                pass

        thread = threading.Thread(target=run, name=f"reconcile {namespace}/{name}", daemon=True)
        self._background.append(thread)
        thread.start()

    def join_background(self, timeout: float | None = None) -> None:
        """Wait for the engine runs started by saves (tests, and a clean shutdown)."""
        for thread in list(self._background):
            thread.join(timeout)

    # -- logs --------------------------------------------------------------------------------------

    def service_pods(self, env: str, composition: str, service: str) -> list[str]:
        """The pods of compose service ``service``, found by the labels the renderer put on them."""
        from dockyard.reconcile import engine

        namespace = environments.namespace_of(env)
        rendered = engine.render_composition(self.client, namespace, composition)
        if service not in rendered.services:
            raise TerminalError(f"composition {composition!r} has no service {service!r}")
        labels = {LABEL_COMPOSITION: composition, LABEL_SERVICE: rendered.services[service].dns_name}
        return sorted(p["metadata"]["name"] for p in self.client.list("v1", "Pod", namespace, labels=labels))

    async def stream_logs(self, env: str, composition: str, service: str, *,
                          follow: bool) -> AsyncIterator[tuple[str, str]]:
        """(pod, line) from every pod of ``service``, interleaved as they arrive."""
        pods = await asyncio.to_thread(self.service_pods, env, composition, service)
        namespace = environments.namespace_of(env)
        queue: asyncio.Queue = asyncio.Queue()
        client = self._streams()

        async def pump(pod: str) -> None:
            try:
                async for line in client.log(pod, namespace=namespace, follow=follow):
                    await queue.put((pod, line.rstrip("\n")))
            except Exception as exc:  # one pod's stream failing must not end the others
                await queue.put((pod, f"[log stream ended: {type(exc).__name__}]"))
            finally:
                await queue.put((pod, None))

        tasks = [asyncio.create_task(pump(pod)) for pod in pods]
        open_streams = len(tasks)
        try:
            while open_streams:
                pod, line = await queue.get()
                if line is None:
                    open_streams -= 1
                    continue
                yield pod, line
        finally:
            for task in tasks:
                task.cancel()

    # -- live updates ------------------------------------------------------------------------------

    async def changes(self, env: str, kinds: Sequence[tuple[str, str]] = WATCHED_KINDS) -> AsyncIterator[None]:
        """Once now, then once after every burst of changes the namespace's watches on ``kinds`` report."""
        namespace = environments.namespace_of(env)
        changed = asyncio.Event()
        tasks = [asyncio.create_task(self._watch(api_version, kind, namespace, changed))
                 for api_version, kind in kinds]
        try:
            yield
            while True:
                await changed.wait()
                await asyncio.sleep(WATCH_DEBOUNCE_SECONDS)
                changed.clear()
                yield
        finally:
            for task in tasks:
                task.cancel()

    async def watch_composition(self, env: str, composition: str) -> AsyncIterator[CompositionView]:
        """The composition's live services and recorded conditions, now and after every change."""
        async for _ in self.changes(env):
            cr = await asyncio.to_thread(self._require_composition, env, composition)
            yield await asyncio.to_thread(self._composition_view, env, cr)

    async def watch_events(self, env: str) -> AsyncIterator[list[EventRow]]:
        """The environment's recent events, now and after every new one."""
        async for _ in self.changes(env, EVENT_KINDS):
            yield await asyncio.to_thread(self.events, env)

    async def _watch(self, api_version: str, kind: str, namespace: str, changed: asyncio.Event) -> None:
        from dockyard.reconcile.client import resource_class

        client = self._streams()
        resource = resource_class(api_version, kind)
        while True:
            try:
                async for _event, _obj in client.watch(resource, namespace=namespace):
                    changed.set()
            except asyncio.CancelledError:
                raise
            except Exception:  # the watch broke (410 Gone, dropped connection): start again after a pause
                await asyncio.sleep(1.0)

    def _streams(self):
        if self._async_client is None:
            from lightkube import AsyncClient

            self._async_client = AsyncClient(config=self.config, timeout=None)
        return self._async_client

    async def aclose(self) -> None:
        if self._async_client is not None:
            await self._async_client.close()
            self._async_client = None


# -- shaping helpers ---------------------------------------------------------------------------------

def _environment_state(summary) -> str:
    if summary.phase == "Terminating":
        return "terminating"
    if summary.total == 0:
        return "empty"
    return "ready" if summary.ready == summary.total else "progressing"


def _event_time(event: Mapping[str, Any]) -> str:
    return (event.get("lastTimestamp") or event.get("eventTime") or
            (event.get("metadata") or {}).get("creationTimestamp") or "")


def _document(cr: Mapping[str, Any], index: int) -> dict:
    files = (cr.get("spec") or {}).get("composeFiles") or []
    if not 0 <= index < len(files):
        raise TerminalError(f"composition {cr['metadata']['name']!r} has no compose file number {index + 1}")
    return files[index]


def _with_document(cr: Mapping[str, Any], index: int, text: str) -> dict:
    """``cr`` as it would be stored with compose file ``index`` replaced by ``text`` (nothing else changes)."""
    _document(cr, index)
    edited = {"apiVersion": cr["apiVersion"], "kind": cr["kind"],
              "metadata": {k: v for k, v in (cr.get("metadata") or {}).items()
                           if k in ("name", "namespace", "labels", "annotations")},
              "spec": dict(cr.get("spec") or {})}
    files = [dict(f) for f in edited["spec"]["composeFiles"]]
    files[index]["content"] = text
    edited["spec"]["composeFiles"] = files
    return edited


@dataclass(frozen=True, slots=True)
class _Preview:
    changes: Sequence[Change]
    warnings: Sequence[str]


def _preview(client, cr: Mapping[str, Any]) -> _Preview:
    """The engine's preview of an unsaved Composition, and a server-side dry-run of every write it plans.

    Raises the loader's or renderer's ``ComposeError`` (with its line) for bad input and the engine's
    ``TerminalError`` when validation or ownership checks fail.
    """
    from dockyard.reconcile import engine
    from dockyard.reconcile.plan import Action

    preview = engine.preview(client, cr)
    changes = []
    for step, fields in engine.dry_run(client, preview):
        shown = [_field_change(step.kind, c) for c in fields][:MAX_FIELDS_SHOWN] \
            if step.action is Action.UPDATE else [step.reason]
        changes.append(Change(step.action.value, f"{step.kind} {step.name}", shown))
    return _Preview(changes, [compositions.user_message(str(w)) for w in preview.warnings])


def _field_change(kind: str, change) -> str:
    """One changed field for the page; a Secret's values (compose secret files) never leave the server."""
    return f"{change.path}: changed (value not shown)" if kind == "Secret" else str(change)


def _problems(exc: ComposeError, edited_path: str, text: str) -> list[ProblemAt]:
    """Problems in the edited document carry its line; those in another file name ``file:line:column``."""
    errors = exc.errors if isinstance(exc, ComposeErrors) else [exc]
    edited = posixpath.normpath(posixpath.join(compositions.VIRTUAL_ROOT, edited_path))
    out = []
    for err in errors:
        message = compositions.user_message(err.message)
        if err.file is not None and err.file != edited:
            where = ":".join(str(part) for part in (compositions.user_message(err.file), err.line, err.column) if part is not None)
            out.append(ProblemAt(message, path=err.path, file=where))
            continue
        line, column = err.line, err.column
        if line is None and err.path:
            line, column = _locate(text, err.path)
        out.append(ProblemAt(message, line, column, err.path, edited_path))
    return out


def _locate(text: str, dotted: str) -> tuple[int | None, int | None]:
    """Line and column of the nearest node to compose path ``dotted`` in ``text`` (for errors without one)."""
    from dockyard.compose.yamlload import parse_yaml

    try:
        positions = parse_yaml(text, "compose.yaml").positions
    except ComposeError:
        return None, None
    path = tuple(int(part) if part.isdigit() else part for part in dotted.split("."))
    while path:
        if path in positions:
            where = positions[path]
            return where.line, where.column
        path = path[:-1]
    return None, None


def _text_diff(before: str, after: str, path: str) -> list[str]:
    return [line.rstrip("\n") for line in difflib.unified_diff(
        before.splitlines(), after.splitlines(), f"a/{path}", f"b/{path}", lineterm="", n=2)]
