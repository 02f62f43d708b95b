"""``dockyard render``: the exact Kubernetes objects a compose file becomes, with no cluster.

The options here are shared with ``dockyard plan`` (``plan_cmd`` imports them): both build the
same ``Environment`` and interpolation variables the controller would use, never the shell's.
The body is in ``_render.py``, which ``main.py``'s fast path also runs without typer.
"""

from __future__ import annotations

import typer

FILES = typer.Option(None, "--file", "-f", help="Compose file(s), merged in order (default: compose.yaml here).")
ENV = typer.Option("dev", "--env", "-e", help="Environment name; objects go to namespace env-NAME.")
CONFIG = typer.Option(None, "--config", help="Env-config value K=V, interpolated like the controller does (repeatable).")
CONFIG_FILE = typer.Option(None, "--config-file", help="Dotenv file of env-config values (repeatable).")
SECRET_KEYS = typer.Option(None, "--secret-keys", help="Env-secret keys K1,K2 (values are never needed to render).")
VARS = typer.Option(None, "--var", help="Variable K=V, highest precedence (repeatable).")
PROFILES = typer.Option(None, "--profile", help="Compose profile to enable (repeatable).")
ALLOW = typer.Option(None, "--allow", help="Lift baseline policies P1,P2: privileged, host-network, host-pid, host-ipc, "
                                          "host-ports, devices, host-path (repeatable).")
ENV_FILES = typer.Option(None, "--env-file", help="Dotenv file(s) for interpolation instead of .env (repeatable).")
PROJECT_NAME = typer.Option(None, "--project-name", "-p", help="Project (composition) name.")
PROJECT_DIR = typer.Option(None, "--project-directory", help="Project directory (default: the first file's).")


def register(app: typer.Typer) -> None:
    app.command("render")(render)


def render(
    files: list[str] | None = FILES,
    env: str = ENV,
    output: str = typer.Option("yaml", "--output", "-o", help="yaml (multi-document) or json (a v1 List)."),
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
    """Print the Kubernetes objects the compose file becomes in an environment (no cluster needed)."""
    from dockyard.cli._render import print_render

    if output not in ("yaml", "json"):
        raise typer.BadParameter("must be yaml or json", param_hint="--output")
    print_render(files, env, output, config, config_file, secret_keys, variables, profiles, allow, env_files,
                 project_name, project_directory)
