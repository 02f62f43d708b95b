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
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dockyard.errors import ComposeError, ComposeErrors, DockyardError, TerminalError
from dockyard.manifests.result import LABEL_SERVICE
from dockyard.reconcile import composition as compositions
from dockyard.reconcile import environments
from dockyard.reconcile.status import ServiceStatus

__all__ = [
    "Check",
    "Cluster",
    "ComposeDocument",
    "EnvironmentRow",
    "EnvironmentView",
    "ProblemAt",
    "SaveOutcome",
    "Settings",
]

COMPOSITION_API = compositions.API_VERSION
COMPOSITION_KIND = compositions.KIND
DEFAULT_COMPOSITION = "default"
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
WATCH_DEBOUNCE_SECONDS = 0.2


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
class EnvironmentView:
    name: str
    composition: str | None
    generation: int | None
    services: Sequence[ServiceStatus]
    conditions: Sequence[Condition]
    events: Sequence[EventRow]
    settings: Settings


@dataclass(frozen=True, slots=True)
class ComposeDocument:
    composition: str
    file: str  # path relative to the project directory, as given to ``-f``
    text: str
    generation: int | None = None


@dataclass(frozen=True, slots=True)
class ProblemAt:
    """One problem with a compose edit; ``line`` is set when it is in the edited document."""

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


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Cluster:
    """The engine client plus the kubeconfig it came from (for the streaming async client)."""

    client: Any  # dockyard.reconcile.client.Client
    config: Any = None  # lightkube KubeConfig for streams
    composition_name: str = DEFAULT_COMPOSITION
    _async_client: Any = field(default=None, repr=False)

    # -- environments ------------------------------------------------------------------------------

    def environments(self) -> list[EnvironmentRow]:
        rows = []
        for summary in environments.list_environments(self.client):
            rows.append(EnvironmentRow(summary.name, _environment_state(summary), summary.ready, summary.total,
                                       self._last_change(summary.namespace)))
        return rows

    def _last_change(self, namespace: str) -> str:
        times = []
        for cr in self.client.list(COMPOSITION_API, COMPOSITION_KIND, namespace):
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
        settings = self.settings(env)
        cr = self._composition(env)
        status = (cr or {}).get("status") or {}
        return EnvironmentView(
            name=env,
            composition=(cr or {}).get("metadata", {}).get("name"),
            generation=(cr or {}).get("metadata", {}).get("generation"),
            services=self._statuses(env, cr),
            conditions=[Condition(c.get("type", ""), c.get("status", ""), c.get("reason", ""), c.get("message", ""),
                                  c.get("lastTransitionTime", "")) for c in status.get("conditions") or []],
            events=self.events(env),
            settings=settings,
        )

    def services(self, env: str) -> list[ServiceStatus]:
        return self._statuses(env, self._composition(env))

    def _statuses(self, env: str, cr: Mapping[str, Any] | None) -> list[ServiceStatus]:
        """Live status from the engine (same computation as ``dockyard status``), or the stored one."""
        if cr is None:
            return []
        from dockyard.reconcile import engine

        try:
            return list(engine.live_status(self.client, cr))
        except DockyardError:
            return [ServiceStatus.from_dict(s) for s in (cr.get("status") or {}).get("services") or []]

    def events(self, env: str, limit: int = 20) -> list[EventRow]:
        namespace = environments.namespace_of(env)
        items = sorted(self.client.events(namespace), key=_event_time, reverse=True)[:limit]
        return [
            EventRow(_event_time(e), e.get("type", ""),
                     f"{(e.get('involvedObject') or {}).get('kind', '')}/{(e.get('involvedObject') or {}).get('name', '')}",
                     e.get("reason", ""), e.get("message", ""))
            for e in items
        ]

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

    def _composition(self, env: str) -> dict | None:
        environments.check_env_name(env)
        return self.client.get(COMPOSITION_API, COMPOSITION_KIND, self.composition_name, environments.namespace_of(env))

    def _require_composition(self, env: str) -> dict:
        cr = self._composition(env)
        if cr is None:
            raise TerminalError(f"environment {env!r} has no composition {self.composition_name!r} yet; "
                                f"run: dockyard apply -f compose.yaml --env {env}")
        return cr

    def compose_document(self, env: str) -> ComposeDocument:
        cr = self._require_composition(env)
        first = ((cr.get("spec") or {}).get("composeFiles") or [{}])[0]
        return ComposeDocument(cr["metadata"]["name"], first.get("path", "compose.yaml"), first.get("content", ""),
                               (cr.get("metadata") or {}).get("generation"))

    def check_compose(self, env: str, text: str) -> Check:
        """Load, render and validate ``text`` in place of the first compose file; diff it against live."""
        cr = self._require_composition(env)
        edited = _with_first_document(cr, text)
        document = ((cr.get("spec") or {}).get("composeFiles") or [{}])[0]
        digest = text_digest(text)
        from dockyard.reconcile import engine

        try:
            preview = engine.preview(self.client, edited)
        except ComposeError as exc:
            return Check(False, digest, errors=_problems(exc, document.get("path", "")))
        except DockyardError as exc:
            return Check(False, digest, errors=[ProblemAt(str(exc))])
        return Check(
            True,
            digest,
            text_diff=_text_diff(document.get("content", ""), text, document.get("path", "compose.yaml")),
            changes=[Change(step.action.value, f"{step.kind} {step.name}", [str(c) for c in step_changes(step)])
                     for step in preview.writes],
            warnings=[str(w) for w in preview.warnings],
        )

    def save_compose(self, env: str, text: str, *, validated_digest: str) -> SaveOutcome:
        """Store ``text`` in the Composition, only if it is valid and is exactly the text whose diff was shown."""
        check = self.check_compose(env, text)
        if not check.ok:
            return SaveOutcome(False, check)
        if validated_digest != check.digest:
            stale = ProblemAt("the document changed after it was validated: validate again to see what Save changes")
            return SaveOutcome(False, Check(False, check.digest, errors=[stale]))
        edited = _with_first_document(self._require_composition(env), text)
        stored = compositions.store(self.client, edited)
        meta = stored.get("metadata") or {}
        return SaveOutcome(True, check, meta.get("name", ""), meta.get("generation"))

    # -- logs --------------------------------------------------------------------------------------

    def service_pods(self, env: str, service: str) -> list[str]:
        cr = self._require_composition(env)
        namespace = environments.namespace_of(env)
        dns = _dns_name_of(cr, service)
        pods = self.client.list("v1", "Pod", namespace, labels={LABEL_SERVICE: dns})
        return sorted((p.get("metadata") or {}).get("name", "") for p in pods)

    async def stream_logs(self, env: str, service: str, *, follow: bool) -> AsyncIterator[tuple[str, str]]:
        """(pod, line) from every pod of ``service``, interleaved as they arrive."""
        pods = await asyncio.to_thread(self.service_pods, env, service)
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

    async def watch_services(self, env: str) -> AsyncIterator[list[ServiceStatus]]:
        """The services' status now, then again after every change the watches report."""
        namespace = environments.namespace_of(env)
        changed = asyncio.Event()
        tasks = [asyncio.create_task(self._watch(api_version, kind, namespace, changed))
                 for api_version, kind in WATCHED_KINDS]
        try:
            yield await asyncio.to_thread(self.services, env)
            while True:
                await changed.wait()
                await asyncio.sleep(WATCH_DEBOUNCE_SECONDS)
                changed.clear()
                yield await asyncio.to_thread(self.services, env)
        finally:
            for task in tasks:
                task.cancel()

    async def _watch(self, api_version: str, kind: str, namespace: str, changed: asyncio.Event) -> None:
        from dockyard.reconcile.client import _resource

        client = self._streams()
        resource = _resource(api_version, kind)
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


def _with_first_document(cr: Mapping[str, Any], text: str) -> dict:
    edited = {"apiVersion": cr["apiVersion"], "kind": cr["kind"],
              "metadata": {k: v for k, v in (cr.get("metadata") or {}).items()
                           if k in ("name", "namespace", "labels", "annotations")},
              "spec": dict(cr.get("spec") or {})}
    files = [dict(f) for f in edited["spec"].get("composeFiles") or [{"path": "compose.yaml"}]]
    files[0]["content"] = text
    edited["spec"]["composeFiles"] = files
    return edited


def _problems(exc: ComposeError, edited_path: str) -> list[ProblemAt]:
    errors = exc.errors if isinstance(exc, ComposeErrors) else [exc]
    out = []
    for err in errors:
        in_document = err.file is None or not edited_path or err.file.endswith(edited_path.lstrip("./"))
        out.append(ProblemAt(err.message, err.line if in_document else None, err.column if in_document else None,
                             err.path, err.file))
    return out


def _text_diff(before: str, after: str, path: str) -> list[str]:
    return [line.rstrip("\n") for line in difflib.unified_diff(
        before.splitlines(), after.splitlines(), f"a/{path}", f"b/{path}", lineterm="", n=2)]


def step_changes(step) -> list:
    from dockyard.reconcile.plan import changes_between

    return changes_between(step.live, step.desired)[:8]


def _dns_name_of(cr: Mapping[str, Any], service: str) -> str:
    for entry in (cr.get("status") or {}).get("services") or []:
        if entry.get("name") == service and entry.get("dnsNames"):
            return entry["dnsNames"][0]
    return service
