"""The dashboard application: one declarative route table, the security middleware, the templates.

``create_app`` wires a ``Cluster`` (the dashboard's handle on the reconcile engine, see
``dashboard/engine.py``) into a Starlette app. Every page and fragment is a view in
``dashboard/views.py``; the URL map is the ``routes`` list below and nothing else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

from jinja2 import Environment as JinjaEnvironment
from jinja2 import FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from dockyard.dashboard import views
from dockyard.dashboard.security import (
    LOOPBACK_HOSTS,
    CsrfGuard,
    HostGuard,
    SecurityHeaders,
    TokenGate,
    csrf_token,
    is_loopback,
)

__all__ = ["create_app", "routes", "templates"]

HERE = Path(__file__).parent

C = "/environments/{env}/compositions/{composition}"

routes = [
    Route("/", views.environments, name="environments"),
    Route("/environments", views.create_environment, methods=["POST"], name="create_environment"),
    Route("/environments/{env}", views.environment, name="environment"),
    Route("/environments/{env}/delete", views.delete_environment, methods=["POST"], name="delete_environment"),
    Route("/environments/{env}/events/live", views.live_events, name="live_events"),
    Route("/environments/{env}/config", views.set_config, methods=["POST"], name="set_config"),
    Route("/environments/{env}/config/{key}/unset", views.unset_config, methods=["POST"], name="unset_config"),
    Route("/environments/{env}/secrets", views.set_secret, methods=["POST"], name="set_secret"),
    Route("/environments/{env}/secrets/{key}/unset", views.unset_secret, methods=["POST"], name="unset_secret"),
    Route(C + "/services", views.services_fragment, name="services"),
    Route(C + "/live", views.live_composition, name="live"),
    Route(C + "/compose", views.editor, name="editor"),
    Route(C + "/compose/validate", views.validate_compose, methods=["POST"], name="validate"),
    Route(C + "/compose/save", views.save_compose, methods=["POST"], name="save"),
    Route(C + "/services/{service}/logs", views.logs, name="logs"),
    Route(C + "/services/{service}/logs/stream", views.log_stream, name="log_stream"),
    Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
]


def _security_context(request) -> dict:
    return {"csrf_token": csrf_token(request.scope)}


templates = Jinja2Templates(
    env=JinjaEnvironment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True)),
    context_processors=[_security_context],
)


def create_app(cluster, *, host: str = "127.0.0.1", token: str | None = None,
               allowed_hosts: Iterable[str] | None = None) -> Starlette:
    """The dashboard for ``cluster``. ``token`` (if any) is required on every request.

    ``allowed_hosts`` defaults to the loopback names when ``host`` is loopback, else any Host.
    """
    if allowed_hosts is None and is_loopback(host):
        allowed_hosts = LOOPBACK_HOSTS

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        await cluster.aclose()  # the streams' async client lives in the server's event loop

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(HostGuard, allowed=allowed_hosts),
            Middleware(TokenGate, token=token),
            Middleware(CsrfGuard),
        ],
    )
    app.state.cluster = cluster
    app.state.templates = templates
    return app
