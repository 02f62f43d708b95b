"""dockyard apply: validation before storing, the stored Composition, the rollout and its exit codes."""

import json

import pytest

from dockyard.cli._common import EXIT_INPUT, EXIT_ROLLOUT

from .conftest import COMPOSE


@pytest.fixture
def controller_runs(kube):
    """A dockyard controller Deployment with an available replica (nothing acts on it)."""
    kube.create_namespace("dockyard-system")
    kube.store_put({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": "dockyard-controller", "namespace": "dockyard-system"},
                    "spec": {"selector": {"matchLabels": {"a": "b"}},
                             "template": {"metadata": {"labels": {"a": "b"}},
                                          "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
    kube.store_patch_status("Deployment", "dockyard-controller", "dockyard-system", {"availableReplicas": 1})


def apply(cli, project_dir, *extra):
    return cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", *extra)


def test_apply_stores_everything_needed_without_the_disk_and_no_secret_value(kube, cli, dev, project_dir):
    result = apply(cli, project_dir, "--no-wait", "--local")
    assert result.exit_code == 0, result.output
    stored = kube.store_get("Composition", "shop", dev)
    assert stored["spec"]["composeFiles"] == [{"path": "compose.yaml", "content": COMPOSE}]
    assert {"path": "api.env", "content": "LOG_LEVEL=info\n"} in stored["spec"]["files"]
    assert "pw-123-secret" not in json.dumps(stored)


def test_apply_runs_the_engine_locally_when_no_controller_runs(kube, cli, dev, project_dir):
    result = apply(cli, project_dir, "--no-wait")
    assert result.exit_code == 0, result.output
    assert "applying here" in result.output
    assert kube.store_get("Deployment", "web", dev) is not None
    assert kube.store_get("Deployment", "api", dev) is None  # waits for db to be healthy
    assert "api wait for dependencies" in result.output


def test_apply_leaves_the_work_to_a_running_controller(kube, cli, dev, project_dir, controller_runs):
    result = apply(cli, project_dir, "--no-wait")
    assert result.exit_code == 0 and "the controller applies it" in result.output
    assert kube.store_get("Deployment", "web", dev) is None


def test_apply_wait_follows_until_every_service_is_ready(kube, cli, dev, project_dir, cluster_acts):
    result = apply(cli, project_dir, "--wait", "--local", "--timeout", "60")
    assert result.exit_code == 0, result.output
    assert "all 3 services ready" in result.output
    assert "api: waiting-for-dependency" in result.output


def test_apply_wait_exits_with_the_rollout_code_and_the_reason_when_a_service_fails(kube, cli, dev, project_dir,
                                                                                   monkeypatch):
    from dockyard.cli import status_cmd

    def image_cannot_be_pulled(seconds):
        deployment = kube.store_get("Deployment", "web", dev)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        kube.store_put({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": "web-abc12", "namespace": dev, "labels": labels},
                        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
                        "status": {"phase": "Pending", "containerStatuses": [{
                            "name": "web", "image": "nginx:1.27", "imageID": "", "ready": False, "restartCount": 0,
                            "state": {"waiting": {"reason": "ImagePullBackOff",
                                                  "message": "Back-off pulling image \"nginx:1.27\""}}}]}})

    monkeypatch.setattr(status_cmd, "_sleep", image_cannot_be_pulled)
    result = apply(cli, project_dir, "--wait", "--local", "--timeout", "60")
    assert result.exit_code == EXIT_ROLLOUT
    assert "error: web: cannot pull image nginx:1.27" in result.output


def test_apply_wait_times_out_with_the_reasons(kube, cli, dev, project_dir, no_sleep):
    result = apply(cli, project_dir, "--wait", "--local", "--timeout", "0")
    assert result.exit_code == EXIT_ROLLOUT
    assert "timed out after 0s" in result.output and "api: waiting for db to be healthy" in result.output


def test_an_invalid_compose_file_is_reported_with_its_location_and_nothing_is_written(kube, cli, dev, project_dir):
    (project_dir / "compose.yaml").write_text(COMPOSE.replace('ports: ["80"]', 'ports: {"80": 1}'))
    result = apply(cli, project_dir, "--no-wait", "--local")
    assert result.exit_code == EXIT_INPUT
    assert "compose.yaml:" in result.output and "services.web.ports" in result.output
    assert "Traceback" not in result.output
    assert kube.requests.writes() == []


def test_a_required_secret_missing_from_the_environment_stops_apply_before_any_write(kube, cli, project_dir):
    cli("env", "create", "dev")
    required = COMPOSE.replace("${DB_PASSWORD}", "${DB_PASSWORD:?run dockyard secret set}")
    (project_dir / "compose.yaml").write_text(required)
    kube.requests.clear()
    result = apply(cli, project_dir, "--no-wait", "--local")
    assert result.exit_code == EXIT_INPUT
    assert "compose.yaml:" in result.output and "run dockyard secret set" in result.output
    assert kube.requests.writes() == []


def test_a_second_identical_apply_makes_no_write_request(kube, cli, dev, project_dir):
    apply(cli, project_dir, "--no-wait", "--local")
    kube.requests.clear()
    result = apply(cli, project_dir, "--no-wait", "--local")
    assert result.exit_code == 0
    assert kube.requests.writes() == []


def test_a_file_backed_compose_secret_goes_into_a_secret_not_into_the_composition(kube, cli, dev, project_dir):
    (project_dir / "tls.key").write_text("-----PRIVATE KEY 42-----\n")
    compose = COMPOSE.replace("  web:\n    image: nginx:1.27\n",
                              "  web:\n    image: nginx:1.27\n    secrets: [tls]\n")
    (project_dir / "compose.yaml").write_text(compose + "secrets:\n  tls:\n    file: ./tls.key\n")
    result = apply(cli, project_dir, "--no-wait", "--local")
    assert result.exit_code == 0, result.output
    stored = kube.store_get("Composition", "shop", dev)
    assert "PRIVATE KEY 42" not in json.dumps(stored)
    files_secret = kube.store_get("Secret", stored["spec"]["secretFiles"]["secretName"], dev)
    assert files_secret is not None and list(files_secret["data"]) == ["file-0"]
    assert stored["spec"]["secretFiles"]["files"] == [{"path": "tls.key", "key": "file-0"}]


def test_a_project_too_large_for_one_object_is_refused_before_any_write(kube, cli, dev, project_dir):
    (project_dir / "api.env").write_text("BIG=" + "x" * (1100 * 1024) + "\n")
    result = apply(cli, project_dir, "--no-wait", "--local")
    assert result.exit_code == EXIT_INPUT
    assert "api.env" in result.output and "a Kubernetes object can hold" in result.output
    assert kube.requests.writes() == []


def test_apply_wait_with_a_controller_follows_the_status_it_writes(kube, cli, dev, project_dir, monkeypatch,
                                                                    controller_runs):
    from dockyard.cli import status_cmd


    def controller_reports_ready(seconds):
        stored = kube.store_get("Composition", "shop", dev)
        services = [{"name": n, "state": "ready", "desired": 1, "ready": 1} for n in ("api", "db", "web")]
        kube.store_patch_status("Composition", "shop", dev, {
            "observedGeneration": stored["metadata"]["generation"], "services": services, "conditions": []})

    monkeypatch.setattr(status_cmd, "_sleep", controller_reports_ready)
    result = apply(cli, project_dir, "--wait", "--timeout", "60")
    assert result.exit_code == 0, result.output
    assert "all 3 services ready" in result.output
    assert kube.store_get("Deployment", "web", dev) is None  # the CLI did not apply anything itself


def test_apply_wait_with_a_controller_reports_an_invalid_edit_it_recorded(kube, cli, dev, project_dir, monkeypatch,
                                                                          controller_runs):
    from dockyard.cli import status_cmd


    def controller_rejects(seconds):
        stored = kube.store_get("Composition", "shop", dev)
        kube.store_patch_status("Composition", "shop", dev, {
            "observedGeneration": stored["metadata"]["generation"], "services": [],
            "conditions": [{"type": "Reconciled", "status": "False", "reason": "InvalidInput",
                            "message": "Service env-dev/web already exists and is not owned"}]})

    monkeypatch.setattr(status_cmd, "_sleep", controller_rejects)
    result = apply(cli, project_dir, "--wait", "--timeout", "60")
    assert result.exit_code == EXIT_INPUT
    assert "already exists and is not owned" in result.output


def test_files_reached_through_extends_are_stored_so_the_engine_can_reload_the_project(kube, cli, dev, project_dir):
    (project_dir / "base.yaml").write_text("services:\n  base:\n    image: nginx:1.27\n    environment: {A: '1'}\n")
    compose = COMPOSE.replace("  web:\n    image: nginx:1.27\n",
                              "  web:\n    extends: {file: base.yaml, service: base}\n")
    (project_dir / "compose.yaml").write_text(compose)
    result = apply(cli, project_dir, "--no-wait", "--local")
    assert result.exit_code == 0, result.output
    stored = kube.store_get("Composition", "shop", dev)
    assert {"path": "base.yaml", "content": (project_dir / "base.yaml").read_text()} in stored["spec"]["files"]
    assert kube.store_get("Deployment", "web", dev)["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "nginx:1.27"


def test_an_api_refusal_while_following_the_rollout_is_one_error_line_with_the_cluster_exit_code(
        kube, cli, dev, project_dir, no_sleep):
    from dockyard.cli._common import EXIT_CLUSTER

    kube.inject("apply", "Deployment", "web", status=422, message="spec is invalid", times=None)
    result = apply(cli, project_dir, "--wait", "--local", "--timeout", "60")
    assert result.exit_code == EXIT_CLUSTER, result.output
    assert "error: apply Deployment env-dev/web: spec is invalid (HTTP 422)" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _deployment_env(kube, dev, name):
    container = kube.store_get("Deployment", name, dev)["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value") for e in container.get("env") or []}


def test_compose_files_are_stored_in_f_order_and_the_later_one_overrides(kube, cli, dev, project_dir):
    (project_dir / "override.yaml").write_text("services:\n  web:\n    environment: {MODE: override}\n")
    result = apply(cli, project_dir, "-f", project_dir / "override.yaml", "--no-wait", "--local")
    assert result.exit_code == 0, result.output
    stored = kube.store_get("Composition", "shop", dev)
    assert [f["path"] for f in stored["spec"]["composeFiles"]] == ["compose.yaml", "override.yaml"]
    assert _deployment_env(kube, dev, "web")["MODE"] == "override"


def test_config_files_and_bind_mounted_files_are_stored_with_their_content(kube, cli, dev, project_dir):
    (project_dir / "site.conf").write_text("server { listen 80; }\n")
    (project_dir / "conf").mkdir()
    (project_dir / "conf" / "nginx.conf").write_text("events {}\n")
    compose = COMPOSE.replace(
        "  web:\n    image: nginx:1.27\n",
        "  web:\n    image: nginx:1.27\n    configs: [site]\n"
        "    volumes: [./conf/nginx.conf:/etc/nginx/nginx.conf:ro]\n")
    (project_dir / "compose.yaml").write_text(compose + "configs:\n  site:\n    file: ./site.conf\n")
    (project_dir / ".env").write_text("TAG=7\n")
    result = apply(cli, project_dir, "--no-wait", "--local", "--allow", "bind-mounts")
    assert result.exit_code == 0, result.output
    spec = kube.store_get("Composition", "shop", dev)["spec"]
    files = {f["path"]: f["content"] for f in spec["files"]}
    assert files["site.conf"] == "server { listen 80; }\n"
    assert files["conf/nginx.conf"] == "events {}\n"
    assert spec["dotenv"] == "TAG=7\n"


def test_only_active_profiles_are_deployed_and_the_profiles_are_stored(kube, cli, dev, project_dir):
    compose = COMPOSE.replace("  web:\n", "  debug:\n    image: busybox:1.36\n    profiles: [debug]\n  web:\n")
    (project_dir / "compose.yaml").write_text(compose)
    assert apply(cli, project_dir, "--no-wait", "--local").exit_code == 0
    assert kube.store_get("Deployment", "debug", dev) is None
    result = apply(cli, project_dir, "--no-wait", "--local", "--profile", "debug")
    assert result.exit_code == 0, result.output
    assert kube.store_get("Composition", "shop", dev)["spec"]["profiles"] == ["debug"]
    assert kube.store_get("Deployment", "debug", dev) is not None


def test_var_values_are_stored_and_win_over_the_environment_vars(kube, cli, dev, project_dir):
    assert cli("vars", "set", "TAG=from-vars", "--env", "dev").exit_code == 0
    result = apply(cli, project_dir, "--no-wait", "--local", "--var", "TAG=from-flag")
    assert result.exit_code == 0, result.output
    assert kube.store_get("Composition", "shop", dev)["spec"]["variables"] == {"TAG": "from-flag"}
    db = kube.store_get("Deployment", "db", dev)
    kube.store_patch_status("Deployment", "db", dev, {"observedGeneration": db["metadata"]["generation"],
                                                      "replicas": 1, "readyReplicas": 1, "updatedReplicas": 1,
                                                      "availableReplicas": 1})
    apply(cli, project_dir, "--no-wait", "--local", "--var", "TAG=from-flag")
    image = kube.store_get("Deployment", "api", dev)["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "example/api:from-flag"


def test_the_users_shell_environment_is_never_captured(kube, cli, dev, project_dir, monkeypatch):
    monkeypatch.setenv("TAG", "from-the-shell")
    monkeypatch.setenv("LEAKY_TOKEN", "shell-only-value")
    (project_dir / "compose.yaml").write_text(
        COMPOSE.replace('    ports: ["80"]\n', '    ports: ["80"]\n    environment: {T: "${LEAKY_TOKEN:-none}"}\n'))
    result = apply(cli, project_dir, "--no-wait", "--local")
    assert result.exit_code == 0, result.output
    stored = json.dumps(kube.store_get("Composition", "shop", dev))
    assert "from-the-shell" not in stored and "shell-only-value" not in stored
    assert _deployment_env(kube, dev, "web")["T"] == "none"


def test_prune_volumes_deletes_a_volume_the_project_no_longer_uses(kube, cli, dev, project_dir):
    assert apply(cli, project_dir, "--no-wait", "--local").exit_code == 0
    without_db = COMPOSE.split("  db:\n")[0] + "  api:\n" + COMPOSE.split("  api:\n")[1]
    without_db = without_db.replace("    depends_on:\n      db: {condition: service_healthy}\n", "")
    without_db = without_db.replace("volumes:\n  dbdata: {}\n", "")
    (project_dir / "compose.yaml").write_text(without_db)
    assert apply(cli, project_dir, "--no-wait", "--local").exit_code == 0
    assert kube.store_get("PersistentVolumeClaim", "shop-dbdata", dev) is not None  # kept by default
    result = apply(cli, project_dir, "--no-wait", "--local", "--prune-volumes")
    assert result.exit_code == 0, result.output
    assert kube.store_get("Composition", "shop", dev)["spec"]["pruneVolumes"] is True
    assert kube.store_get("PersistentVolumeClaim", "shop-dbdata", dev) is None


def test_apply_writes_config_and_volumes_first_then_services_then_workloads(kube, cli, dev, project_dir):
    (project_dir / "site.conf").write_text("server {}\n")
    compose = COMPOSE.replace("  web:\n    image: nginx:1.27\n", "  web:\n    image: nginx:1.27\n    configs: [site]\n")
    (project_dir / "compose.yaml").write_text(compose + "configs:\n  site:\n    file: ./site.conf\n")
    assert apply(cli, project_dir, "--no-wait", "--local").exit_code == 0
    rank = {"ConfigMap": 0, "Secret": 0, "PersistentVolumeClaim": 0, "Service": 1,
            "Deployment": 2, "StatefulSet": 2, "DaemonSet": 2, "Job": 2}
    kinds = [r.kind for r in kube.requests.writes()
             if r.verb == "apply" and r.namespace == dev and r.kind in rank and r.name != "shop-compose-files"]
    assert {"ConfigMap", "PersistentVolumeClaim", "Service", "Deployment"} <= set(kinds)
    assert [rank[k] for k in kinds] == sorted(rank[k] for k in kinds), kinds


def test_apply_wait_on_a_controller_that_never_reports_times_out_saying_so(kube, cli, dev, project_dir, no_sleep,
                                                                           controller_runs):
    result = apply(cli, project_dir, "--wait", "--timeout", "0")
    assert result.exit_code == EXIT_ROLLOUT
    assert "no status for this change yet" in result.output and "--local" in result.output


def test_through_the_real_renderer_a_new_image_for_one_service_writes_exactly_that_workload(kube, cli, dev,
                                                                                          project_dir):
    from .conftest import mark_ready

    assert apply(cli, project_dir, "--no-wait", "--local").exit_code == 0
    mark_ready(kube)
    assert apply(cli, project_dir, "--no-wait", "--local").exit_code == 0  # api starts once db is healthy
    mark_ready(kube)
    assert apply(cli, project_dir, "--no-wait", "--local").exit_code == 0  # status settles
    kube.requests.clear()
    assert apply(cli, project_dir, "--no-wait", "--local").exit_code == 0
    assert kube.requests.writes() == []
    (project_dir / "compose.yaml").write_text(COMPOSE.replace("nginx:1.27", "nginx:1.28"))
    assert apply(cli, project_dir, "--no-wait", "--local").exit_code == 0
    objects = [(r.verb, r.kind, r.name) for r in kube.requests.writes() if r.kind != "Composition"]
    assert objects == [("apply", "Deployment", "web")]


def test_name_stores_the_project_under_another_composition_and_a_bad_one_is_refused_before_any_write(
        kube, cli, dev, project_dir):
    result = apply(cli, project_dir, "--no-wait", "--local", "--name", "shop-b")
    assert result.exit_code == 0, result.output
    assert kube.store_get("Composition", "shop-b", dev) is not None
    assert kube.store_get("Composition", "shop", dev) is None
    kube.requests.clear()
    bad = apply(cli, project_dir, "--no-wait", "--local", "--name", "Shop_B")
    assert bad.exit_code == EXIT_INPUT and "Shop_B" in bad.output
    assert kube.requests.writes() == []
