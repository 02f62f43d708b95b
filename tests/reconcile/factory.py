"""Hand-written ``Rendered`` values shaped like the manifests layer's output, for engine tests.

The engine must not depend on how translation names things, so these objects follow only the contract
in ``dockyard.manifests.result``: labels, namespace, apply order, ``ServiceRender`` refs and keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dockyard.compose.model import Dependency
from dockyard.manifests.result import (
    LABEL_COMPOSITION,
    LABEL_ENVIRONMENT,
    LABEL_MANAGED_BY,
    LABEL_NAME,
    LABEL_PART_OF,
    LABEL_SERVICE,
    Environment,
    ObjectRef,
    Rendered,
    ServiceRender,
)


@dataclass
class Svc:
    name: str
    image: str = "nginx:1.27"
    port: int | None = 80
    replicas: int = 1
    depends_on: Mapping[str, str] = field(default_factory=dict)  # name -> condition
    config_keys: Sequence[str] = ()
    secret_keys: Sequence[str] = ()
    volume: str | None = None
    job: bool = False
    env: Mapping[str, str] = field(default_factory=dict)


def labels(env: Environment, service: str | None = None) -> dict[str, str]:
    out = {
        LABEL_MANAGED_BY: "dockyard",
        LABEL_PART_OF: env.composition,
        LABEL_COMPOSITION: env.composition,
        LABEL_ENVIRONMENT: env.name,
    }
    if service:
        out[LABEL_NAME] = service
        out[LABEL_SERVICE] = service
    return out


def _container(env: Environment, svc: Svc) -> dict:
    container: dict = {"name": svc.name, "image": svc.image}
    variables = [{"name": k, "value": v} for k, v in sorted(svc.env.items())]
    variables += [{"name": k, "valueFrom": {"secretKeyRef": {"name": "env-secret", "key": k}}} for k in svc.secret_keys]
    if variables:
        container["env"] = variables
    if svc.port:
        container["ports"] = [{"name": "p" + str(svc.port), "containerPort": svc.port, "protocol": "TCP"}]
    if svc.volume:
        container["volumeMounts"] = [{"name": svc.volume, "mountPath": "/data"}]
    return container


def _workload(env: Environment, svc: Svc) -> dict:
    selector = {LABEL_SERVICE: svc.name, LABEL_COMPOSITION: env.composition}
    pod_spec: dict = {"containers": [_container(env, svc)]}
    if svc.volume:
        pod_spec["volumes"] = [{"name": svc.volume, "persistentVolumeClaim": {"claimName": svc.volume}}]
    template = {"metadata": {"labels": labels(env, svc.name)}, "spec": pod_spec}
    meta = {"name": svc.name, "namespace": env.namespace, "labels": labels(env, svc.name)}
    if svc.job:
        pod_spec["restartPolicy"] = "Never"
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta,
                "spec": {"backoffLimit": 0, "template": template}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
            "spec": {"replicas": svc.replicas, "selector": {"matchLabels": selector}, "template": template}}


def _service(env: Environment, svc: Svc) -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": svc.name, "namespace": env.namespace, "labels": labels(env, svc.name)},
            "spec": {"selector": {LABEL_SERVICE: svc.name, LABEL_COMPOSITION: env.composition},
                     "ports": [{"name": f"p{svc.port}", "port": svc.port, "targetPort": svc.port, "protocol": "TCP"}]}}


def _claim(env: Environment, volume: str) -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": volume, "namespace": env.namespace, "labels": labels(env)},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}


def rendered(services: Sequence[Svc], *, env_name: str = "dev", composition: str = "shop",
             config: Mapping[str, str] | None = None, secret_keys: Sequence[str] = ()) -> Rendered:
    env = Environment(env_name, dict(config or {}), frozenset(secret_keys), composition)
    claims = [_claim(env, s.volume) for s in services if s.volume]
    svcs = [_service(env, s) for s in services if s.port and not s.job]
    order = _topological(services)
    workloads = [_workload(env, s) for s in order]
    renders = {}
    for s in services:
        kind = "Job" if s.job else "Deployment"
        api = "batch/v1" if s.job else "apps/v1"
        refs = [ObjectRef(api, kind, s.name, env.namespace)]
        if s.port and not s.job:
            refs.append(ObjectRef("v1", "Service", s.name, env.namespace))
        renders[s.name] = ServiceRender(
            name=s.name, dns_name=s.name, workload=refs[0], objects=tuple(refs),
            depends_on={d: Dependency(condition=c) for d, c in s.depends_on.items()},
            config_keys=frozenset(s.config_keys), secret_keys=frozenset(s.secret_keys),
        )
    return Rendered(env, tuple(claims + svcs + workloads), renders)


def _topological(services: Sequence[Svc]) -> list[Svc]:
    by_name = {s.name: s for s in services}
    done: list[Svc] = []
    seen: set[str] = set()

    def visit(s: Svc) -> None:
        if s.name in seen:
            return
        seen.add(s.name)
        for dep in sorted(s.depends_on):
            if dep in by_name:
                visit(by_name[dep])
        done.append(s)

    for s in sorted(services, key=lambda x: x.name):
        visit(s)
    return done
