"""Small constructors for model objects, so unit tests read as the compose they stand for."""

from __future__ import annotations

from typing import Any

from dockyard.compose.model import Location, Project, Service, SourceMap
from dockyard.manifests.result import Environment
from dockyard.manifests.secretrefs import marker
from dockyard.manifests.translate import RenderOptions, translate

WORKDIR = "/project"
COMPOSE = "/project/compose.yaml"


def service(name: str = "web", **fields: Any) -> Service:
    fields.setdefault("image", "nginx:1.27")
    return Service(name=name, **fields)


def project(*services: Service, **fields: Any) -> Project:
    positions = {("services", s.name): Location(COMPOSE, 3 + 10 * i, 3) for i, s in enumerate(services)}
    fields.setdefault("source_map", SourceMap(positions=positions, default_file=COMPOSE))
    return Project(name=fields.pop("name", "demo"), working_dir=WORKDIR, services={s.name: s for s in services}, **fields)


def env(name: str = "dev", **fields: Any) -> Environment:
    fields.setdefault("composition", "demo")
    return Environment(name=name, **fields)


def render(*services: Service, environment: Environment | None = None, options: RenderOptions = RenderOptions(),
           variables: dict[str, str] | None = None, **fields: Any):
    """Translate the services; ``variables`` is the project's interpolation environment."""
    return translate(project(*services, environment=variables or {}, **fields), environment or env(), options=options)


def objects_of(rendered, kind: str) -> list[dict]:
    return [o for o in rendered.objects if o["kind"] == kind]


def one(rendered, kind: str, name: str | None = None) -> dict:
    found = [o for o in objects_of(rendered, kind) if name is None or o["metadata"]["name"] == name]
    assert len(found) == 1, [o["metadata"]["name"] for o in objects_of(rendered, kind)]
    return found[0]


def container(rendered, name: str | None = None) -> dict:
    workloads = [o for o in rendered.objects if o["kind"] in ("Deployment", "Job", "DaemonSet")]
    workload = next(o for o in workloads if name is None or o["metadata"]["name"] == name)
    return workload["spec"]["template"]["spec"]["containers"][0]


def secret(key: str) -> str:
    return marker(key)
