"""``dockyard plan``: what each compose service becomes, as a readable table, with no cluster.

Same options and the same rendering as ``dockyard render``; only the presentation differs.
Warnings are printed to stderr (as for render) and repeated in their service's table.
"""

from __future__ import annotations

from typing import Any

import typer

from dockyard.cli.render_cmd import (
    ALLOW,
    CONFIG,
    CONFIG_FILE,
    ENV,
    ENV_FILES,
    FILES,
    PROFILES,
    PROJECT_DIR,
    PROJECT_NAME,
    SECRET_KEYS,
    VARS,
)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)


def _ports(service: dict[str, Any]) -> str:
    ports = service["spec"].get("ports") or []
    return ", ".join(f"{p['port']}→{p['targetPort']}/{p['protocol'].lower()}" for p in ports) or "none (headless)"


def _volume_source(volume: dict[str, Any]) -> str:
    for kind, field in (("persistentVolumeClaim", "claimName"), ("configMap", "name"), ("secret", "secretName"),
                        ("hostPath", "path")):
        if kind in volume:
            return f"{kind} {volume[kind][field]}"
    if "emptyDir" in volume:
        return "emptyDir" + (" (memory)" if volume["emptyDir"].get("medium") == "Memory" else "")
    return "?"


def _volumes(pod: dict[str, Any], container: dict[str, Any]) -> str:
    sources = {v["name"]: _volume_source(v) for v in pod.get("volumes") or []}
    lines = []
    for mount in container.get("volumeMounts") or []:
        flags = " (ro)" if mount.get("readOnly") else ""
        lines.append(f"{mount['mountPath']} ← {sources.get(mount['name'], '?')}{flags}")
    return "\n".join(lines) or "-"


def _probes(container: dict[str, Any]) -> str:
    lines = []
    for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = container.get(kind)
        if probe:
            command = " ".join(probe["exec"]["command"])
            lines.append(f"{kind.removesuffix('Probe')}: every {probe['periodSeconds']}s, "
                         f"{probe['failureThreshold']} failures: {command}")
    return "\n".join(lines) or "-"


def _resources(container: dict[str, Any]) -> str:
    resources = container.get("resources") or {}
    lines = [f"{kind}: " + ", ".join(f"{k}={v}" for k, v in resources[kind].items())
             for kind in ("requests", "limits") if kind in resources]
    return "\n".join(lines) or "-"


def _strategy(workload: dict[str, Any]) -> str:
    spec = workload["spec"]
    strategy = spec.get("strategy") or spec.get("updateStrategy")
    if workload["kind"] == "Job":
        return f"run to completion (backoffLimit {spec.get('backoffLimit')})"
    if not strategy:
        return "-"
    rolling = strategy.get("rollingUpdate")
    if rolling:
        return f"{strategy['type']} (maxSurge {rolling.get('maxSurge')}, maxUnavailable {rolling.get('maxUnavailable')})"
    return strategy["type"]


def service_rows(rendered: Any, name: str) -> list[tuple[str, str]]:
    """The (field, value) rows of one service's table."""
    info = rendered.services[name]
    by_ref = {(o["kind"], o["metadata"]["name"]): o for o in rendered.objects}
    workload = by_ref[(info.workload.kind, info.workload.name)]
    pod = workload["spec"]["template"]["spec"]
    container = pod["containers"][0]
    namespace = rendered.environment.namespace
    services = [by_ref[(r.kind, r.name)] for r in info.objects if r.kind == "Service"]
    dns = "\n".join(f"{s['metadata']['name']}.{namespace}.svc: {_ports(s)}" for s in services)
    replicas = workload["spec"].get("replicas", workload["spec"].get("completions", 1))
    if workload["kind"] == "DaemonSet":
        replicas = "one per node"
    rows = [
        ("kind", f"{workload['kind']} {workload['metadata']['name']}"),
        ("image", container["image"]),
        ("replicas", str(replicas)),
        ("DNS names and ports", dns),
        ("volumes", _volumes(pod, container)),
        ("probes", _probes(container)),
        ("resources", _resources(container)),
        ("rollout", _strategy(workload)),
    ]
    if info.depends_on:
        rows.append(("depends on", ", ".join(f"{d} ({c.condition})" for d, c in sorted(info.depends_on.items()))))
    if info.config_keys or info.secret_keys:
        rows.append(("env keys", ", ".join([f"config {k}" for k in sorted(info.config_keys)]
                                            + [f"secret {k}" for k in sorted(info.secret_keys)])))
    warnings = [w for w in rendered.warnings if w.service == name]
    rows.append(("warnings", "\n".join(f"{w.path}: {w.message}" for w in warnings) or "-"))
    return rows


def plan(
    files: list[str] | None = FILES,
    env: str = ENV,
    config: list[str] | None = CONFIG,
    config_file: list[str] | None = CONFIG_FILE,
    secret_keys: list[str] | None = SECRET_KEYS,
    variables: list[str] | None = VARS,
    profiles: list[str] | None = PROFILES,
    allow: list[str] | None = ALLOW,
    env_files: list[str] | None = ENV_FILES,
    project_name: str | None = PROJECT_NAME,
    project_directory: str | None = PROJECT_DIR,
) -> None:
    """Show, per service, what it becomes in an environment: kind, image, replicas, DNS names, ports,
    volumes, probes, resources, rollout strategy and warnings (no cluster needed)."""
    from rich.console import Console
    from rich.table import Table

    from dockyard.cli._common import reported_errors
    from dockyard.cli._render import print_warnings, rendered_from_options

    with reported_errors():
        rendered = rendered_from_options(files, env, config, config_file, secret_keys, variables, profiles, allow,
                                         env_files, project_name, project_directory)
    print_warnings(rendered.warnings)
    console = Console(width=max(100, Console().width), soft_wrap=False)
    environment = rendered.environment
    console.print(f"Composition [bold]{environment.composition}[/] in environment [bold]{environment.name}[/] "
                  f"(namespace {environment.namespace}): {len(rendered.services)} services, "
                  f"{len(rendered.objects)} objects")
    order = {(o["kind"], o["metadata"]["name"]): i for i, o in enumerate(rendered.objects)}
    for name in sorted(rendered.services, key=lambda n: order[(rendered.services[n].workload.kind, rendered.services[n].workload.name)]):
        table = Table(title=f"service {name}", title_justify="left", show_header=False, expand=False)
        table.add_column("field", style="bold", no_wrap=True)
        table.add_column("value", overflow="fold")
        for field, value in service_rows(rendered, name):
            table.add_row(field, value)
        console.print(table)
