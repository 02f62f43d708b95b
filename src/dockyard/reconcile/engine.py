"""``reconcile``: the one engine behind ``dockyard apply`` and the controller. Level-based and idempotent.

Given a Composition's namespace and name, it makes the live objects match what the stored composition
renders to, then records what it saw. The steps, one function each:

1. ``fetch``: read the Composition (gone → nothing to do) and the Secret of its compose secret files.
2. ``read_environment``: env-config values, env-secret values (kept in memory), the digest key.
3. ``render_desired``: load the stored compose files and render them (interpolating env-config values
   and env-secret KEYS only); invalid input → ``TerminalError``.
4. ``observe_live``: list every object of the managed kinds in the namespace (one LIST per kind).
5. ``stamp_digests``: put the keyed digest of each service's referenced env values on its pod template.
6. ``validate`` + ``make_plan``: every check (names, ports, keys, ownership) before the first write.
7. ``apply.execute``: server-side apply of what differs, in order, honouring depends_on conditions.
8. ``apply.prune``: delete this composition's objects that are no longer desired.
9. ``observe_status``: workloads, pods, events, claims, last log line of crashing containers.
10. ``write_status``: the Composition's status subresource, once, only if it changed.

Errors: invalid input is recorded in the status (Reconciled=False) and raised as ``TerminalError``;
API failures are retried inside the client and otherwise raised as ``ClusterError`` (retryable ones as
``RetryableError``) for the caller to requeue. A run killed at any point converges when run again,
because every step reads the live state again instead of remembering progress.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from dockyard.errors import ComposeError, DockyardError, NotFoundError, TerminalError
from dockyard.manifests.result import ANNOTATION_CONFIG_DIGEST, LABEL_COMPOSITION, Environment, Rendered
from dockyard.reconcile import apply as applying
from dockyard.reconcile import composition as compositions
from dockyard.reconcile import environments, status, validate
from dockyard.reconcile.client import Client
from dockyard.reconcile.digest import config_digest
from dockyard.reconcile.plan import MANAGED_KINDS, Action, Key, Plan, changes_between, key_of, plan

Renderer = Callable[[compositions.CompositionSource, Environment], Rendered]
REQUEUE_PROGRESSING = 5.0
REQUEUE_FAILED = 30.0

__all__ = [
    "Preview",
    "ReconcileResult",
    "Renderer",
    "default_renderer",
    "dry_run",
    "fetch",
    "fetch_secret_files",
    "live_status",
    "make_plan",
    "observe_live",
    "observe_status",
    "preview",
    "read_environment",
    "reconcile",
    "render_composition",
    "render_desired",
    "stamp_digests",
    "write_status",
]


@dataclass
class ReconcileResult:
    composition: str
    namespace: str
    services: list[status.ServiceStatus] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)
    plan: Plan | None = None
    writes: int = 0
    requeue_after: float | None = None
    rendered: Rendered | None = None
    deleted: bool = False  # the Composition no longer exists

    @property
    def ready(self) -> bool:
        return bool(self.services) and all(s.state in (status.READY, status.STOPPED) for s in self.services)


def default_renderer(source: compositions.CompositionSource, environment: Environment) -> Rendered:
    """Load the stored files with the loader and render them with the manifests layer."""
    from dockyard.compose.files import MemorySource
    from dockyard.compose.loader import ConfigDetails, ConfigFile, LoadOptions
    from dockyard.manifests.render import render

    details = ConfigDetails(
        working_dir=source.working_dir,
        config_files=[ConfigFile(path) for path in source.config_files],
        environment={},
        source=MemorySource(source.files),
    )
    options = LoadOptions(project_name=source.project_name, profiles=tuple(source.profiles))
    return render(details, options, environment, source.variables)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- 1-3

def fetch(client: Client, namespace: str, name: str) -> tuple[dict | None, dict[str, bytes]]:
    cr = client.get(compositions.API_VERSION, compositions.KIND, name, namespace)
    if cr is None:
        return None, {}
    return fetch_secret_files(client, cr)


def fetch_secret_files(client: Client, cr: dict) -> tuple[dict, dict[str, bytes]]:
    namespace = cr["metadata"]["namespace"]
    secret_name = (((cr.get("spec") or {}).get("secretFiles")) or {}).get("secretName")
    files: dict[str, bytes] = {}
    if secret_name:
        secret = client.get("v1", "Secret", secret_name, namespace) or {}
        files = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
    return cr, files


def read_environment(client: Client, namespace: str, *, create_key: bool = True) -> environments.EnvironmentState:
    if not namespace.startswith("env-"):
        raise TerminalError(f"namespace {namespace} is not a dockyard environment (env-NAME)")
    return environments.read(client, namespace.removeprefix("env-"), create_key=create_key)


def render_desired(
    cr: Mapping[str, Any], secret_files: Mapping[str, bytes], env: environments.EnvironmentState, renderer: Renderer
) -> tuple[Rendered, compositions.CompositionSource]:
    source = compositions.source(cr, secret_files)
    environment = Environment(
        name=env.name,
        config=dict(env.config),
        secret_keys=frozenset(env.secret),
        composition=cr["metadata"]["name"],
        allow=source.allow,
    )
    return renderer(source, environment), source


def render_composition(client: Client, namespace: str, name: str, renderer: Renderer | None = None) -> Rendered:
    """Steps 1-3 and 5 only: what the Composition renders to, digests included (``diff`` uses this)."""
    cr, files = fetch(client, namespace, name)
    if cr is None:
        raise NotFoundError(f"Composition {namespace}/{name} does not exist")
    env = read_environment(client, namespace)
    rendered, _ = render_desired(cr, files, env, renderer or default_renderer)
    return stamp_digests(rendered, env)


# ---------------------------------------------------------------- 4-6

def observe_live(client: Client, namespace: str, rendered: Rendered | None) -> dict[Key, dict]:
    kinds = list(MANAGED_KINDS)
    for obj in rendered.objects if rendered else ():
        if (obj["apiVersion"], obj["kind"]) not in kinds:
            kinds.append((obj["apiVersion"], obj["kind"]))
    live: dict[Key, dict] = {}
    for api_version, kind in kinds:
        try:
            items = client.list(api_version, kind, namespace)
        except NotFoundError:  # a kind this cluster does not serve: nothing of it can exist
            continue
        for item in items:
            live[key_of(item)] = item
    return live


def _pod_template(obj: dict) -> dict | None:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return spec.get("template")


def _mounted(template: dict | None, secrets: Mapping[str, Any]) -> dict[str, Any]:
    """The rendered Secrets (name -> data) a pod template mounts."""
    volumes = ((template or {}).get("spec") or {}).get("volumes") or []
    names = {v["secret"]["secretName"] for v in volumes if "secret" in v}
    return {name: secrets[name] for name in sorted(names) if name in secrets}


def stamp_digests(rendered: Rendered, env: environments.EnvironmentState) -> Rendered:
    """Rendered with the config-digest annotation on the pod template of every referencing service."""
    by_workload = {(s.workload.kind, s.workload.name): s for s in rendered.services.values()}
    secrets = {o["metadata"]["name"]: o.get("data") or {} for o in rendered.objects if o.get("kind") == "Secret"}
    objects = []
    for obj in rendered.objects:
        service = by_workload.get((obj.get("kind"), (obj.get("metadata") or {}).get("name")))
        shipped = _mounted(_pod_template(obj), secrets) if service else {}
        if service and (service.config_keys or service.secret_keys or shipped):
            obj = copy.deepcopy(obj)
            template = _pod_template(obj)
            if template is not None:
                annotations = template.setdefault("metadata", {}).setdefault("annotations", {})
                annotations[ANNOTATION_CONFIG_DIGEST] = config_digest(
                    env.digest_key, env.config, env.secret, service.config_keys, service.secret_keys, shipped)
        objects.append(obj)
    return Rendered(rendered.environment, tuple(objects), rendered.services, rendered.warnings)


def make_plan(rendered: Rendered, live: Mapping[Key, dict], env: environments.EnvironmentState,
              prune_volumes: bool) -> Plan:
    problems = validate.problems(rendered, env.config, frozenset(env.secret), live.values())
    result = plan(rendered.objects, live.values(), rendered.environment.composition, prune_volumes=prune_volumes)
    problems += list(result.problems)
    if problems:
        raise TerminalError("the composition cannot be applied:\n  " + "\n  ".join(problems))
    return result


# ---------------------------------------------------------------- 9-10

def observe_status(client: Client, namespace: str, composition: str, rendered: Rendered,
                   live: Mapping[Key, dict], applied: applying.Applied | None) -> status.Observed:
    current = dict(live)
    if applied is not None:
        current.update(applied.objects)
        for gone in applied.deleted:
            if gone not in applied.objects:
                current.pop(gone, None)
    workloads = {(k[1], k[3]): v for k, v in current.items() if k[1] in ("Deployment", "StatefulSet", "DaemonSet",
                                                                          "Job", "CronJob")}
    claims = {k[3]: v for k, v in current.items() if k[1] == "PersistentVolumeClaim"}
    pods = client.list("v1", "Pod", namespace, labels={LABEL_COMPOSITION: composition})
    events = client.events(namespace)
    if applied is not None:
        waiting = dict(applied.waiting)
    else:  # read-only: who would be held back by a dependency gate right now
        waiting = {s.name: reason for s in rendered.services.values()
                   if (s.workload.kind, s.workload.name) not in workloads
                   and (reason := applying.dependency_gate(s, rendered, workloads))}
    return status.Observed(workloads=workloads, pods=pods, events=events, claims=claims,
                           last_log_lines=_last_log_lines(client, namespace, pods), waiting=waiting)


def _last_log_lines(client: Client, namespace: str, pods: list[dict]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for pod in pods:
        for container in (pod.get("status") or {}).get("containerStatuses") or []:
            if ((container.get("state") or {}).get("waiting") or {}).get("reason") != "CrashLoopBackOff":
                continue
            name = pod["metadata"]["name"]
            try:
                lines = list(client.logs(name, namespace, container=container.get("name"), previous=True,
                                         tail_lines=1))
            except DockyardError:
                continue
            if lines:
                out[(name, container.get("name", ""))] = lines[-1].rstrip("\n")
    return out


def write_status(client: Client, cr: Mapping[str, Any], new_status: dict[str, Any]) -> int:
    """Apply the status subresource if it differs from what is stored; returns the number of writes."""
    if (cr.get("status") or {}) == new_status:
        return 0
    meta = cr["metadata"]
    client.apply_status({"apiVersion": cr["apiVersion"], "kind": cr["kind"],
                         "metadata": {"name": meta["name"], "namespace": meta["namespace"]}, "status": new_status})
    return 1


def _previous_services(cr: Mapping[str, Any]) -> list[status.ServiceStatus]:
    return [status.ServiceStatus.from_dict(s) for s in (cr.get("status") or {}).get("services") or []]


def _requeue(services: list[status.ServiceStatus]) -> float | None:
    states = {s.state for s in services}
    if states & {status.PENDING, status.WAITING, status.PROGRESSING}:
        return REQUEUE_PROGRESSING
    if states & {status.FAILED, status.DEGRADED}:
        return REQUEUE_FAILED
    return None


# ---------------------------------------------------------------- the engine

def reconcile(
    client: Client,
    namespace: str,
    name: str,
    *,
    renderer: Renderer | None = None,
    now: Callable[[], str] = _now,
) -> ReconcileResult:
    """Make the live objects of Composition ``namespace/name`` match it, then record its status."""
    result = ReconcileResult(name, namespace)
    cr, secret_files = fetch(client, namespace, name)
    if cr is None:
        result.deleted = True
        return result
    generation = (cr.get("metadata") or {}).get("generation", 0)
    previous_status = cr.get("status") or {}
    try:
        env = read_environment(client, namespace)
        rendered, source = render_desired(cr, secret_files, env, renderer or default_renderer)
        rendered = stamp_digests(rendered, env)
        live = observe_live(client, namespace, rendered)
        result.plan = make_plan(rendered, live, env, source.prune_volumes)
    except (TerminalError, ComposeError) as exc:
        message = compositions.user_message(str(exc))
        services = _previous_services(cr)
        result.services = services
        result.status = status.composition_status(services, generation=generation, now=now(),
                                                  previous=previous_status, error=message)
        result.writes += write_status(client, cr, result.status)
        if isinstance(exc, TerminalError) and message == str(exc):
            raise
        raise TerminalError(message) from exc
    result.rendered = rendered
    applied = applying.execute(client, result.plan, rendered, live)
    applying.prune(client, result.plan, applied)
    result.writes += applied.writes
    observed = observe_status(client, namespace, name, rendered, live, applied)
    result.services = status.services_status(rendered, observed)
    result.status = status.composition_status(result.services, generation=generation, now=now(),
                                              previous=previous_status)
    result.writes += write_status(client, cr, result.status)
    result.requeue_after = _requeue(result.services)
    return result


def live_status(client: Client, cr: Mapping[str, Any], *,
                renderer: Renderer | None = None) -> list[status.ServiceStatus]:
    """Read-only: the per-service status ``reconcile`` would compute now for ``cr`` (no write at all)."""
    meta = cr["metadata"]
    _, secret_files = fetch_secret_files(client, cr)
    env = read_environment(client, meta["namespace"], create_key=False)
    rendered, _ = render_desired(cr, secret_files, env, renderer or default_renderer)
    live = observe_live(client, meta["namespace"], rendered)
    observed = observe_status(client, meta["namespace"], meta["name"], rendered, live, None)
    return status.services_status(rendered, observed)


@dataclass(frozen=True)
class Preview:
    """What applying ``cr`` would do: the plan (validated) and the render warnings."""

    rendered: Rendered
    plan: Plan

    @property
    def writes(self):
        return self.plan.writes

    @property
    def warnings(self):
        return self.rendered.warnings


def preview(client: Client, cr: Mapping[str, Any], *, renderer: Renderer | None = None,
            secret: Mapping[str, Any] | None = None) -> Preview:
    """Steps 2-6 for a Composition that may not be stored yet; raises ``ComposeError``/``TerminalError``.

    ``secret`` is the Composition's Secret of compose secret files when it is not stored yet either.
    """
    meta = cr["metadata"]
    if secret is not None:
        secret_files = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
    else:
        _, secret_files = fetch_secret_files(client, cr)
    env = read_environment(client, meta["namespace"], create_key=False)
    rendered, source = render_desired(cr, secret_files, env, renderer or default_renderer)
    rendered = stamp_digests(rendered, env)
    live = observe_live(client, meta["namespace"], rendered)
    return Preview(rendered, make_plan(rendered, live, env, source.prune_volumes))


def dry_run(client: Client, result: Preview) -> list[tuple[Any, list]]:
    """For every planned write, the field changes the API server reports with a server-side dry run."""
    out = []
    for step in result.writes:
        if step.action is Action.PRUNE:
            out.append((step, []))
            continue
        after = client.apply(step.desired, force=step.action is Action.UPDATE, dry_run=True) \
            if step.action is not Action.RECREATE else step.desired
        out.append((step, changes_between(step.live, after)))
    return out
