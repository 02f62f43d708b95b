"""apply --wait against the emulator's cluster simulator: real rollouts, real failure shapes."""

import json

import pytest

from dockyard.cli import status_cmd
from dockyard.cli._common import EXIT_ROLLOUT


@pytest.fixture
def simulated(kube, monkeypatch):
    """Controllers and kubelets run; between two rounds of ``apply --wait`` they finish what they can."""
    kube.simulator.enabled = True
    monkeypatch.setattr(status_cmd, "_sleep", lambda seconds: kube.settle())
    return kube


def apply(cli, project_dir):
    return cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--wait", "--local", "--timeout", "60")


def test_apply_wait_rolls_out_every_service_in_dependency_order(simulated, cli, dev, project_dir):
    result = apply(cli, project_dir)
    assert result.exit_code == 0, result.output
    assert "all 3 services ready" in result.output
    lines = result.output.splitlines()
    assert lines.index("api: waiting-for-dependency 0/0 waiting for db to be healthy") < \
        next(i for i, line in enumerate(lines) if line.startswith("api: ready"))


def test_an_unpullable_image_fails_the_rollout_naming_the_image(simulated, cli, dev, project_dir):
    simulated.simulator.add_unpullable_image("nginx:1.27")
    result = apply(cli, project_dir)
    assert result.exit_code == EXIT_ROLLOUT
    assert "error: web: cannot pull image nginx:1.27 (ImagePullBackOff)" in result.output


def test_a_crash_loop_fails_the_rollout_with_exit_code_and_last_log_line(simulated, cli, dev, project_dir):
    simulated.simulator.fail_pods({"dockyard.dev/service": "web"}, "crash-loop", exit_code=3,
                                  log_line="panic: cannot bind :80")
    result = apply(cli, project_dir)
    assert result.exit_code == EXIT_ROLLOUT
    assert "web: container web keeps crashing (CrashLoopBackOff, exit code 3)" in result.output
    assert "last log line: panic: cannot bind :80" in result.output


def test_an_unschedulable_service_times_out_saying_which_resource(simulated, cli, dev, project_dir):
    simulated.simulator.fail_pods({"dockyard.dev/service": "web"}, "unschedulable")
    result = cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--wait", "--local", "--timeout", "0")
    assert result.exit_code == EXIT_ROLLOUT
    status = cli("status", "--env", "dev", "-o", "json")
    assert "Insufficient memory" in status.output


def test_a_changed_vars_value_rolls_only_the_service_using_it(simulated, cli, dev, project_dir, kube):
    assert apply(cli, project_dir).exit_code == 0
    before = {d["metadata"]["name"]: d["metadata"]["generation"] for d in kube.store_list("Deployment", dev)}
    assert cli("vars", "set", "TAG=2", "--env", "dev").exit_code == 0
    result = apply(cli, project_dir)
    assert result.exit_code == 0, result.output
    after = {d["metadata"]["name"]: d["metadata"]["generation"] for d in kube.store_list("Deployment", dev)}
    assert {n for n in after if after[n] != before[n]} == {"api"}
    image = kube.store_get("Deployment", "api", dev)["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "example/api:2"


def test_a_changed_secret_value_rolls_only_the_service_using_it(simulated, cli, dev, project_dir, kube):
    assert apply(cli, project_dir).exit_code == 0
    before = {d["metadata"]["name"]: d["metadata"]["generation"] for d in kube.store_list("Deployment", dev)}
    assert cli("secret", "set", "DB_PASSWORD", "--env", "dev", input="a-new-password\n").exit_code == 0
    result = apply(cli, project_dir)
    assert result.exit_code == 0, result.output
    after = {d["metadata"]["name"]: d["metadata"]["generation"] for d in kube.store_list("Deployment", dev)}
    assert {n for n in after if after[n] != before[n]} == {"db"}
    assert "a-new-password" not in str(kube.store_get("Deployment", "db", dev))


def test_a_service_waits_for_a_one_off_job_to_complete(simulated, cli, dev, project_dir, kube):
    compose = (project_dir / "compose.yaml").read_text().replace(
        "  web:\n", "  migrate:\n    image: example/migrate:1\n    restart: \"no\"\n"
                    "  web:\n    depends_on:\n      migrate: {condition: service_completed_successfully}\n")
    (project_dir / "compose.yaml").write_text(compose)
    result = apply(cli, project_dir)
    assert result.exit_code == 0, result.output
    assert "web: waiting-for-dependency 0/0 waiting for migrate to be completed successfully" in result.output
    assert "migrate: ready 1/1 completed" in result.output
    assert kube.store_get("Job", "migrate", dev)["status"]["succeeded"] == 1


def test_global_and_scaled_to_zero_services_settle_as_ready_and_stopped(simulated, cli, dev, project_dir, kube):
    compose = (project_dir / "compose.yaml").read_text().replace(
        "  web:\n", "  agent:\n    image: example/agent:1\n    deploy: {mode: global}\n"
                    "  spare:\n    image: example/spare:1\n    deploy: {replicas: 0}\n  web:\n")
    (project_dir / "compose.yaml").write_text(compose)
    result = apply(cli, project_dir)
    assert result.exit_code == 0, result.output
    assert "all 5 services ready" in result.output
    report = json.loads(cli("status", "--env", "dev", "-o", "json").output)
    states = {s["name"]: s["state"] for s in report["shop"]["services"]}
    assert states["agent"] == "ready" and states["spare"] == "stopped"
    assert kube.store_get("DaemonSet", "agent", dev) is not None


def test_once_rolled_out_a_reconcile_writes_nothing_even_after_controllers_touched_everything(
        simulated, cli, dev, project_dir, kube):
    from dockyard.reconcile.client import KubeClient, load_kubeconfig
    from dockyard.reconcile.engine import reconcile

    assert apply(cli, project_dir).exit_code == 0
    kube.settle()
    client = KubeClient(load_kubeconfig(str(kube.kubeconfig_path)))
    reconcile(client, dev, "shop")  # records the settled status
    kube.requests.clear()
    result = reconcile(client, dev, "shop")
    client.close()
    assert kube.requests.writes() == []
    assert result.ready
