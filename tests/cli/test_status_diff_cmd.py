"""dockyard status and dockyard diff."""

import json

import pytest

from .conftest import COMPOSE, mark_ready


def test_status_shows_each_service_with_its_state_image_ports_and_message(kube, cli, dev, project_dir):
    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local")
    result = cli("status", "--env", "dev")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines() if line.startswith(" ")}
    assert "waiting-for-dependency" in rows["api"] and "waiting for db to be healthy" in rows["api"]
    assert "nginx:1.27" in rows["web"] and "80/TCP" in rows["web"]


def test_status_json_reports_services_and_conditions(kube, cli, dev, project_dir):
    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local")
    mark_ready(kube)
    report = json.loads(cli("status", "--env", "dev", "-o", "json").output)
    services = {s["name"]: s for s in report["shop"]["services"]}
    assert services["web"]["state"] == "ready"
    assert services["web"]["dnsNames"] == ["web", "web.env-dev.svc.cluster.local"]
    assert {c["type"] for c in report["shop"]["conditions"]} == {"Ready", "Progressing", "Degraded", "Reconciled"}


def test_status_makes_no_write_request(kube, cli, dev, project_dir):
    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local")
    kube.requests.clear()
    cli("status", "--env", "dev")
    assert kube.requests.writes() == []


def test_diff_lists_changed_fields_from_a_server_side_dry_run_and_writes_nothing(kube, cli, dev, project_dir):
    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local")
    (project_dir / "compose.yaml").write_text(COMPOSE.replace("nginx:1.27", "nginx:1.28"))
    kube.requests.clear()
    result = cli("diff", "-f", project_dir / "compose.yaml", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert "~ Deployment web" in result.output
    assert "spec.template.spec.containers[name=web].image: nginx:1.27 -> nginx:1.28" in result.output
    assert kube.requests.writes() == []
    assert any(r.dry_run for r in kube.requests if r.verb == "apply")


def test_diff_of_an_applied_project_shows_no_changes(kube, cli, dev, project_dir):
    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local")
    mark_ready(kube)
    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local")
    result = cli("diff", "-f", project_dir / "compose.yaml", "--env", "dev")
    assert result.exit_code == 0
    assert "no changes" in result.output.splitlines()
    assert "Deployment" not in result.output


def test_status_watch_refreshes_until_interrupted(kube, cli, dev, project_dir, monkeypatch):
    from dockyard.cli import status_cmd

    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local")
    rounds = []

    def tick(seconds):
        rounds.append(seconds)
        if len(rounds) == 1:
            mark_ready(kube)
        else:
            raise KeyboardInterrupt

    monkeypatch.setattr(status_cmd, "_sleep", tick)
    result = cli("status", "--env", "dev", "--watch")
    assert result.exit_code == 0
    heads = [line for line in result.output.splitlines() if line.startswith("composition shop")]
    assert heads == ["composition shop: 0/3 ready", "composition shop: 2/3 ready"]


def test_every_read_command_on_an_environment_that_does_not_exist_says_how_to_create_it(kube, cli):
    for command in (["status"], ["events"], ["logs", "web"], ["down", "--yes"]):
        result = cli(*command, "--env", "nope")
        assert result.exit_code == 1, (command, result.output)
        assert "environment 'nope' does not exist" in result.output and "dockyard env create nope" in result.output


def test_the_rollout_table_is_live_on_a_terminal_and_ends_with_the_verdict(kube, cli, dev, project_dir, monkeypatch):
    import io

    from rich.console import Console

    from dockyard.cli import status_cmd

    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait")
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=160)
    monkeypatch.setattr(status_cmd, "_sleep", lambda seconds: mark_ready(kube))
    from dockyard.reconcile.client import KubeClient, load_kubeconfig

    client = KubeClient(load_kubeconfig(str(kube.kubeconfig_path)))
    code = status_cmd.follow_rollout(client, "env-dev", "shop", run_engine=True, timeout=60, console=terminal)
    client.close()
    assert code == 0
    drawn = screen.getvalue()
    assert "SERVICE" in drawn and "MESSAGE" in drawn and "waiting for db to be healthy" in drawn
    assert "\x1b[" in drawn  # redrawn in place with terminal control sequences, not appended lines


def test_status_says_when_the_last_change_was_not_applied_and_why(kube, cli, dev, project_dir):
    from dockyard.errors import TerminalError
    from dockyard.reconcile.client import KubeClient, load_kubeconfig
    from dockyard.reconcile.engine import reconcile

    (project_dir / "compose.yaml").write_text(COMPOSE.replace("nginx:1.27", "nginx:${WEB_TAG:?set WEB_TAG}"))
    cli("vars", "set", "WEB_TAG=1.27", "--env", "dev")
    assert cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local").exit_code == 0
    cli("vars", "unset", "WEB_TAG", "--env", "dev")
    client = KubeClient(load_kubeconfig(str(kube.kubeconfig_path)))
    with pytest.raises(TerminalError):
        reconcile(client, "env-dev", "shop")  # what the controller does next
    client.close()
    result = cli("status", "--env", "dev")
    assert result.exit_code == 0, result.output
    head = result.output.splitlines()[0]
    assert head.startswith("composition shop: ") and "(last change not applied: " in head
    assert "set WEB_TAG" in head



def test_diff_never_shows_a_secret_value_and_lists_what_would_be_pruned(kube, cli, dev, project_dir):
    (project_dir / "tls.key").write_text("old-private-key-material\n")
    compose = COMPOSE.replace("  web:\n    image: nginx:1.27\n", "  web:\n    image: nginx:1.27\n    secrets: [tls]\n")
    compose += "secrets:\n  tls:\n    file: ./tls.key\n"
    extra = compose.replace("  web:\n", "  extra:\n    image: busybox:1.36\n  web:\n")
    (project_dir / "compose.yaml").write_text(extra)
    assert cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--no-wait", "--local").exit_code == 0
    (project_dir / "tls.key").write_text("new-private-key-material\n")
    (project_dir / "compose.yaml").write_text(compose)
    result = cli("diff", "-f", project_dir / "compose.yaml", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert "private-key-material" not in result.output
    assert "data.tls: (secret value changed)" in result.output
    assert "- Deployment extra" in result.output and "- Service extra" in result.output
    assert kube.store_get("Deployment", "extra", dev) is not None  # diff writes nothing
