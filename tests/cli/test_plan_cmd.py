"""``dockyard plan``: the README's first command, a table per service, no cluster."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from dockyard.cli.main import app
from dockyard.cli.plan_cmd import service_rows

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop" / "compose.yaml"


def _plan(*args):
    return CliRunner().invoke(app, ["plan", *[str(a) for a in args]])


def test_the_readme_first_command_works():
    result = _plan("-f", SHOP, "--secret-keys", "DB_PASSWORD")
    assert result.exit_code == 0, result.output
    for text in ("service postgres", "service redis", "service api", "service worker", "Deployment api",
                 "api.env-dev.svc: 80→80/tcp, 8080→80/tcp", "worker.env-dev.svc: none (headless)",
                 "persistentVolumeClaim shop-pgdata", "Recreate", "limits: cpu=500m, memory=512Mi",
                 "RollingUpdate (maxSurge 1, maxUnavailable 0)", "secret DB_PASSWORD"):
        assert text in result.stdout, text
    assert "warning:" in result.stderr


def test_a_plan_row_set_covers_every_promised_column():
    from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions
    from dockyard.manifests.render import render
    from dockyard.manifests.result import Environment

    details = ConfigDetails(working_dir=str(SHOP.parent), config_files=[ConfigFile(str(SHOP))], environment={})
    rendered = render(details, LoadOptions(), Environment("dev", secret_keys=frozenset({"DB_PASSWORD"}), composition="shop"))
    rows = dict(service_rows(rendered, "postgres"))
    assert {"kind", "image", "replicas", "DNS names and ports", "volumes", "probes", "resources", "rollout", "warnings"} <= set(rows)
    assert rows["probes"].startswith("readiness: every 5s, 10 failures: /bin/sh -c pg_isready")
    assert "ReadWriteOnce" in rows["warnings"]


def test_plan_reports_input_errors_like_render(tmp_path):
    path = tmp_path / "compose.yaml"
    path.write_text("services:\n  a_b:\n    image: x\n  a.b:\n    image: y\n")
    result = _plan("-f", path)
    assert result.exit_code == 1 and "both become the Kubernetes name 'a-b'" in result.stderr


def test_plan_describes_jobs_daemonsets_and_aliases(tmp_path):
    path = tmp_path / "compose.yaml"
    path.write_text("services:\n  migrate:\n    image: app\n    restart: 'on-failure:3'\n  agent:\n    image: agent\n"
                    "    deploy: {mode: global}\n  web:\n    image: web\n    expose: ['3000']\n"
                    "    networks:\n      default:\n        aliases: [www]\n")
    result = _plan("-f", path)
    assert result.exit_code == 0, result.output
    for text in ("Job migrate", "run to completion (backoffLimit 3)", "DaemonSet agent", "one per node",
                 "web.env-dev.svc: 3000→3000/tcp", "www.env-dev.svc: 3000→3000/tcp"):
        assert text in result.stdout, text
