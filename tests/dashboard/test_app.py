"""The app's shape: one route table, vendored assets only (the machine may have no internet)."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from dockyard.dashboard import app as dashboard_app
from dockyard.dashboard.engine import Cluster

PACKAGE = Path(dashboard_app.__file__).parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
VENDORED = ("htmx.min.js", "htmx-sse.min.js", "codemirror.js", "codemirror.css", "codemirror-yaml.js")


def test_every_url_is_declared_in_the_one_routes_list():
    app = dashboard_app.create_app(Cluster(client=None))
    assert app.routes == dashboard_app.routes
    names = [r.name for r in dashboard_app.routes if isinstance(r, (Route, Mount))]
    assert len(names) == len(set(names))


def test_pages_load_only_vendored_assets():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"""(src|href)=["'](https?:)?//""", text), f"{template.name} loads from the network"
    for name in VENDORED:
        assert (STATIC / name).stat().st_size > 1000
    assert {"LICENSE.htmx", "LICENSE.htmx-sse", "LICENSE.codemirror"} <= {p.name for p in STATIC.iterdir()}


def test_static_assets_are_served_from_the_package():
    client = TestClient(dashboard_app.create_app(Cluster(client=None)), base_url="http://127.0.0.1")
    response = client.get("/static/htmx.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(("text/javascript", "application/javascript"))


def test_htmx_fragments_are_templates_of_their_own():
    fragments = {p.name for p in TEMPLATES.glob("_*.html")}
    assert {"_services.html", "_settings.html", "_check.html", "_saved.html", "_environments.html"} <= fragments
