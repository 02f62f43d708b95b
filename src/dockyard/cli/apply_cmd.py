"""``dockyard apply -f compose.yaml --env NAME``: store the Composition, then follow it until ready.

The command reads the project from disk once (the loader collects every referenced file), validates the
result against the environment exactly as the engine will (``engine.preview``: nothing is written when
anything is wrong), stores the Composition, and then either lets the controller act or, with ``--local``
or when no controller runs, runs the engine itself until every service is ready or one fails.
"""

from __future__ import annotations

import typer

from dockyard.cli._kube import CONTEXT, ENV, KUBECONFIG
from dockyard.reconcile.composition import controller_running  # also imported from here by workspace_cmd


def register(app: typer.Typer) -> None:
    app.command("apply")(apply)


def collect(client, files: list[str], env: str, *, profiles: list[str], variables: dict[str, str],
            name: str | None = None, prune_volumes: bool = False, allow: list[str] = ()):
    """Read the project from disk into a Composition (+ Secret of compose secret files) for ``env``."""
    import os

    from dockyard.compose.environment import find_config_files
    from dockyard.compose.files import DiskSource
    from dockyard.compose.loader import ConfigDetails, ConfigFile, LoadOptions
    from dockyard.manifests.render import load_project
    from dockyard.manifests.result import Environment
    from dockyard.reconcile import composition, environments

    source = RecordingSource(DiskSource())
    paths = [os.path.abspath(f) for f in files] or find_config_files([], os.getcwd(), {}, source)
    working_dir = os.path.dirname(paths[0])
    state = environments.read(client, env, create_key=False)
    environment = Environment(env, dict(state.config), frozenset(state.secret), name or "default",
                              frozenset(allow))
    details = ConfigDetails(working_dir, [ConfigFile(p) for p in paths], {}, source)
    project = load_project(details, LoadOptions(project_name=name, profiles=tuple(profiles)), environment, variables)

    def relative(path: str) -> str:
        return os.path.relpath(path, working_dir).replace(os.sep, "/")

    compose_files = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            compose_files.append((relative(path), handle.read()))
    dotenv_path = os.path.join(working_dir, ".env")
    dotenv = None
    if os.path.isfile(dotenv_path):
        with open(dotenv_path, encoding="utf-8") as handle:
            dotenv = handle.read()
    secret_files = {relative(s.file) for s in project.secrets.values() if s.file}
    # everything the loader read (extends/include targets too), except what is stored on its own
    referenced = {**source.read_files, **project.files}
    for stored_apart in (*paths, dotenv_path):
        referenced.pop(stored_apart, None)
    data = composition.CompositionInput(
        name=project.name, environment=env, compose_files=compose_files,
        files={relative(p): c for p, c in sorted(referenced.items())}, secret_files=frozenset(secret_files),
        dotenv=dotenv, profiles=tuple(profiles), variables=variables, prune_volumes=prune_volumes, allow=allow,
    )
    environments.check_env_name(env)
    return composition.build(data)


def prepare(client, files: list[str], env: str, *, profiles: list[str], var: list[str], name: str | None,
            prune_volumes: bool, allow: list[str]):
    """What ``apply`` and ``diff`` both do first: read the project (``collect``) and validate it against the
    environment exactly as the engine will (``engine.preview``), printing the render warnings.

    Returns (Composition, Secret of compose secret files or None, Preview); nothing is written.
    """
    from dockyard.cli._common import warn
    from dockyard.cli._kube import key_values
    from dockyard.reconcile import engine

    cr, secret = collect(client, files, env, profiles=profiles, variables=key_values(var, "variable", "--var"),
                         name=name, prune_volumes=prune_volumes, allow=allow)
    preview = engine.preview(client, cr, secret=secret)
    for warning in preview.warnings:
        warn(user_path(str(warning), files))
    return cr, secret, preview


def user_path(message: str, files: list[str]) -> str:
    """A message about the stored (virtual) project, with the user's project directory in its place."""
    import os

    from dockyard.reconcile.composition import VIRTUAL_ROOT

    paths = [os.path.abspath(f) for f in files] or [os.path.join(os.getcwd(), "compose.yaml")]
    return message.replace(VIRTUAL_ROOT + "/", os.path.dirname(paths[0]) + "/")


class RecordingSource:
    """A loader file source that remembers every file it read, so a Composition can hold them all."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.read_files: dict[str, bytes] = {}

    def read(self, path: str) -> bytes:
        import os

        content = self.inner.read(path)
        self.read_files[os.path.normpath(path)] = content
        return content

    def exists(self, path: str) -> bool:
        return self.inner.exists(path)

    def is_dir(self, path: str) -> bool:
        return self.inner.is_dir(path)

    def walk(self, path: str):
        return self.inner.walk(path)


def apply(
    files: list[str] = typer.Option([], "--file", "-f", help="Compose file(s), in order (default: compose.yaml)."),
    env: str = ENV,
    profile: list[str] = typer.Option([], "--profile", help="Activate a compose profile (repeatable)."),
    var: list[str] = typer.Option([], "--var", help="KEY=VALUE interpolation variable (highest precedence)."),
    name: str | None = typer.Option(None, "--name", help="Composition name (default: the compose project name)."),
    wait: bool | None = typer.Option(None, "--wait/--no-wait", help="Follow the rollout (default: on a terminal)."),
    timeout: float = typer.Option(300.0, "--timeout", help="Seconds to wait for every service to be ready."),
    local: bool = typer.Option(False, "--local", help="Run the engine here even if a controller runs."),
    prune_volumes: bool = typer.Option(False, "--prune-volumes", help="Also delete volumes no longer used."),
    allow: list[str] = typer.Option([], "--allow", help="Lift a policy check (e.g. privileged, host-ports)."),
    kubeconfig: str | None = KUBECONFIG,
    context: str | None = CONTEXT,
) -> None:
    """Deploy a compose project into an environment and follow it until it is ready."""
    import sys

    from dockyard.cli._common import reported_errors, warn
    from dockyard.cli._kube import client as make_client
    from dockyard.reconcile import composition, engine

    with reported_errors():
        client = make_client(kubeconfig, context)
        cr, secret, preview = prepare(client, files, env, profiles=profile, var=var, name=name,
                                      prune_volumes=prune_volumes, allow=allow)
        composition.ensure_crd(client)
        stored = composition.store(client, cr, secret)
    namespace, cname = stored["metadata"]["namespace"], stored["metadata"]["name"]
    run_here = local or not controller_running(client)
    print(f"composition {cname} stored in {namespace}: {len(preview.writes)} object change(s) planned"
          + (" (applying here)" if run_here else " (the controller applies it)"))
    follow = sys.stdout.isatty() if wait is None else wait
    if not follow:
        if run_here:
            with reported_errors():
                result = engine.reconcile(client, namespace, cname)
            waiting = [s.name for s in result.services if s.state == "waiting-for-dependency"]
            if waiting:
                warn(f"{', '.join(waiting)} wait for dependencies: run apply again, or use --wait")
        return
    from dockyard.cli.status_cmd import follow_rollout

    with reported_errors():
        code = follow_rollout(client, namespace, cname, run_engine=run_here, timeout=timeout)
    raise typer.Exit(code)
