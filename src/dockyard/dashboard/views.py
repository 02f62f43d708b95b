"""The dashboard's pages and htmx fragments: parse the request, ask the engine, pick a template.

Views hold no Kubernetes or compose logic; every read and every action is one call on the
``Cluster`` in ``request.app.state.cluster`` (``dashboard/engine.py``), which delegates to the
reconcile engine the CLI uses. Plain ``def`` views run in Starlette's thread pool (the engine is
synchronous); the two streams (live services, logs) are ``async`` and server-sent events.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from dockyard.errors import ClusterError, DockyardError, NotFoundError

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def _cluster(request: Request):
    return request.app.state.cluster


def _render(request: Request, name: str, context: dict, status_code: int = 200) -> Response:
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status_code)


async def _form(request: Request) -> dict[str, str]:
    """The URL-encoded form htmx posts (the dashboard never uploads files)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def _form_value(form: dict[str, str], key: str) -> str:
    return form.get(key, "")


# -- environments ------------------------------------------------------------------------------------

def environments(request: Request) -> Response:
    return _environments_page(request)


def _environments_page(request: Request, *, message: str = "", error: str = "", status_code: int = 200) -> Response:
    try:
        rows = _cluster(request).environments()
    except DockyardError as exc:
        rows, error = [], error or str(exc)
    template = "_environments.html" if request.headers.get("hx-request") else "environments.html"
    return _render(request, template, {"environments": rows, "message": message, "error": error},
                   status_code=status_code)


async def create_environment(request: Request) -> Response:
    name = _form_value(await _form(request), "name").strip()
    return await _in_thread(request, _environment_action, "create_environment", name, f"Environment {name} created.")


def delete_environment(request: Request) -> Response:
    name = request.path_params["env"]
    return _environment_action(request, "delete_environment", name, f"Environment {name} is being deleted.")


def _environment_action(request: Request, action: str, name: str, done: str) -> Response:
    try:
        getattr(_cluster(request), action)(name)
    except DockyardError as exc:
        return _environments_page(request, error=str(exc), status_code=422)
    return _environments_page(request, message=done)


# -- one environment ---------------------------------------------------------------------------------

def environment(request: Request) -> Response:
    """The page renders its live fragments itself, so their streams can skip what it already shows."""
    env = request.path_params["env"]
    try:
        view = _cluster(request).environment(env)
    except DockyardError as exc:
        return _render(request, "error.html", {"error": str(exc)}, status_code=_status_of(exc))
    live = {c.name: Shown(_composition_fragments(request, env, c.name, c.services, c.conditions))
            for c in view.compositions}
    events = Shown(_fragments(request, ("events",), events=view.events))
    return _render(request, "environment.html", {"env": env, "view": view, "live": live, "events": events})


def services_fragment(request: Request) -> Response:
    env, composition = _where(request)
    services, error, status_code = [], "", 200
    try:
        services = _cluster(request).services(env, composition)
    except DockyardError as exc:
        error, status_code = str(exc), _status_of(exc)
    context = {"env": env, "composition": composition, "services": services, "error": error}
    return _render(request, "_services.html", context, status_code=status_code)


async def live_composition(request: Request) -> Response:
    """Server-sent ``services`` and ``conditions`` events, re-rendered whenever the watches see a change."""
    env, composition = _where(request)
    cluster = _cluster(request)

    async def renders() -> AsyncIterator[dict[str, str]]:
        try:
            async for view in cluster.watch_composition(env, composition):
                yield _composition_fragments(request, env, composition, view.services, view.conditions)
        except DockyardError as exc:  # e.g. the composition was deleted: say so in place of the table
            yield _fragments(request, ("services",), env=env, composition=composition, services=[], error=str(exc))

    return _fragment_stream(request, renders())


async def live_events(request: Request) -> Response:
    """Server-sent ``events`` events: the recent events table, re-rendered whenever an Event changes."""
    env = request.path_params["env"]
    cluster = _cluster(request)

    async def renders() -> AsyncIterator[dict[str, str]]:
        try:
            async for events in cluster.watch_events(env):
                yield _fragments(request, ("events",), events=events)
        except DockyardError as exc:
            yield _fragments(request, ("events",), events=[], error=str(exc))

    return _fragment_stream(request, renders())


def _composition_fragments(request: Request, env: str, composition: str, services, conditions) -> dict[str, str]:
    return _fragments(request, ("services", "conditions"), env=env, composition=composition, services=services,
                      conditions=conditions)


def _fragments(request: Request, names: Sequence[str], **context) -> dict[str, str]:
    """Each fragment template ``_NAME.html`` rendered with ``context``, the same way for pages and streams."""
    templates = request.app.state.templates
    return {name: Markup(templates.get_template(f"_{name}.html").render(request=request, **context))
            for name in names}


@dataclass(frozen=True)
class Shown:
    """Fragments a page shows; ``query`` tells their stream which versions are on screen already."""

    html: Mapping[str, str]

    @property
    def query(self) -> str:
        return urlencode({name: fragment_digest(html) for name, html in self.html.items()})


def fragment_digest(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()[:16]


async def changed_fragments(shown: Mapping[str, str],
                            renders: AsyncIterator[Mapping[str, str]]) -> AsyncIterator[tuple[str, str]]:
    """(name, html) for every fragment whose HTML differs from the last one sent or, at first, from ``shown``.

    ``shown`` maps fragment names to the ``fragment_digest`` of what the page rendered, so a page that
    just loaded is not redrawn with identical HTML (which would reset whatever the user was doing).
    """
    last = dict(shown)
    async for fragments in renders:
        for name, html in fragments.items():
            digest = fragment_digest(html)
            if digest != last.get(name):
                last[name] = digest
                yield name, html


def _fragment_stream(request: Request, renders: AsyncIterator[Mapping[str, str]]) -> Response:
    shown = dict(request.query_params)

    async def stream() -> AsyncIterator[str]:
        async for name, html in changed_fragments(shown, renders):
            yield _sse(name, html)

    return StreamingResponse(stream(), media_type="text/event-stream", headers=SSE_HEADERS)


async def set_config(request: Request) -> Response:
    form = await _form(request)
    key, value = _form_value(form, "key").strip(), _form_value(form, "value")
    return await _in_thread(request, _settings_action, "set_config", key, value, f"{key} set.")


def unset_config(request: Request) -> Response:
    key = request.path_params["key"]
    return _settings_action(request, "unset_config", key, None, f"{key} unset.")


async def set_secret(request: Request) -> Response:
    form = await _form(request)
    key, value = _form_value(form, "key").strip(), _form_value(form, "value")
    return await _in_thread(request, _settings_action, "set_secret", key, value, f"secret {key} set.")


def unset_secret(request: Request) -> Response:
    key = request.path_params["key"]
    return _settings_action(request, "unset_secret", key, None, f"secret {key} unset.")


def _settings_action(request: Request, action: str, key: str, value: str | None, done: str) -> Response:
    env = request.path_params["env"]
    cluster = _cluster(request)
    message, error = done, ""
    try:
        call = getattr(cluster, action)
        call(env, key) if value is None else call(env, key, value)
    except DockyardError as exc:
        message, error = "", str(exc)
    try:
        settings = cluster.settings(env)
    except DockyardError as exc:
        return _render(request, "error.html", {"error": str(exc)}, status_code=_status_of(exc))
    context = {"env": env, "settings": settings, "message": message, "error": error}
    return _render(request, "_settings.html", context, status_code=422 if error else 200)


# -- compose editor ----------------------------------------------------------------------------------

def editor(request: Request) -> Response:
    env, composition = _where(request)
    try:
        document = _cluster(request).compose_document(env, composition, _index(request.query_params.get("file")))
    except DockyardError as exc:
        return _render(request, "error.html", {"error": str(exc)}, status_code=_status_of(exc))
    return _render(request, "editor.html", {"env": env, "composition": composition, "document": document})


async def validate_compose(request: Request) -> Response:
    form = await _form(request)
    return await _in_thread(request, _validate, _form_value(form, "compose"), _index(form.get("file")))


def _validate(request: Request, text: str, index: int) -> Response:
    env, composition = _where(request)
    try:
        check = _cluster(request).check_compose(env, composition, text, index)
    except DockyardError as exc:
        return _render(request, "error.html", {"error": str(exc)}, status_code=_status_of(exc))
    return _render(request, "_check.html", {"env": env, "composition": composition, "check": check, "index": index})


async def save_compose(request: Request) -> Response:
    form = await _form(request)
    return await _in_thread(request, _save, _form_value(form, "compose"), _form_value(form, "validated"),
                            _index(form.get("file")))


def _save(request: Request, text: str, validated: str, index: int) -> Response:
    env, composition = _where(request)
    try:
        outcome = _cluster(request).save_compose(env, composition, text, validated_digest=validated, index=index)
    except DockyardError as exc:
        return _render(request, "error.html", {"error": str(exc)}, status_code=_status_of(exc))
    template = "_saved.html" if outcome.saved else "_check.html"
    context = {"env": env, "composition": composition, "check": outcome.check, "outcome": outcome, "index": index}
    return _render(request, template, context)


# -- logs --------------------------------------------------------------------------------------------

def logs(request: Request) -> Response:
    env, composition = _where(request)
    service = request.path_params["service"]
    try:
        pods = _cluster(request).service_pods(env, composition, service)
    except DockyardError as exc:
        return _render(request, "error.html", {"error": str(exc)}, status_code=_status_of(exc))
    return _render(request, "logs.html", {"env": env, "composition": composition, "service": service, "pods": pods})


async def log_stream(request: Request) -> Response:
    """Server-sent ``line`` events (``{"pod": ..., "text": ...}``) from every pod, then ``end`` unless following."""
    env, composition = _where(request)
    service = request.path_params["service"]
    follow = request.query_params.get("follow") == "1"
    cluster = _cluster(request)

    async def stream() -> AsyncIterator[str]:
        try:
            async for pod, text in cluster.stream_logs(env, composition, service, follow=follow):
                yield _sse("line", json.dumps({"pod": pod, "text": text}))
        except DockyardError as exc:
            yield _sse("problem", str(exc))
        yield _sse("end", "")

    return StreamingResponse(stream(), media_type="text/event-stream", headers=SSE_HEADERS)


# -- helpers -----------------------------------------------------------------------------------------

def _index(value: str | None) -> int:
    """A compose file's position from the ``file`` parameter (0 when absent or not a number)."""
    return int(value) if value and value.isdigit() else 0


def _status_of(exc: DockyardError) -> int:
    """404 when what was asked for does not exist or is invalid, 502 when the cluster failed us."""
    return 502 if isinstance(exc, ClusterError) and not isinstance(exc, NotFoundError) else 404


def _where(request: Request) -> tuple[str, str]:
    return request.path_params["env"], request.path_params["composition"]


def _sse(event: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"event: {event}\n{lines}\n"


async def _in_thread(request: Request, view, *args) -> Response:
    """Run a synchronous view body (it calls the engine) off the event loop, after async form parsing."""
    return await asyncio.to_thread(view, request, *args)
