"""``dockyard render``: manifests with no cluster, warnings on stderr, clear errors, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dockyard.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop" / "compose.yaml"


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "compose.yaml"
    path.write_text(text)
    return path


def test_render_prints_the_shop_as_yaml_documents_in_apply_order(run):
    result = run("render", "-f", SHOP, "--secret-keys", "DB_PASSWORD")
    assert result.exit_code == 0, result.output
    objects = list(yaml.safe_load_all(result.stdout))
    kinds = [o["kind"] for o in objects]
    assert kinds == ["PersistentVolumeClaim"] + ["Service"] * 4 + ["Deployment"] * 4
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "Deployment"][:2] == ["postgres", "redis"]
    assert {o["metadata"]["namespace"] for o in objects} == {"env-dev"}
    assert "Recreate" in result.stderr and result.stderr.startswith("warning: ")


def test_render_json_is_a_v1_list(run):
    result = run("render", "-f", SHOP, "--secret-keys", "DB_PASSWORD", "-o", "json", "--env", "qa")
    document = json.loads(result.stdout)
    assert document["kind"] == "List" and document["items"][0]["metadata"]["namespace"] == "env-qa"


def test_config_values_and_vars_are_interpolated_and_vars_win(run, tmp_path):
    path = _write(tmp_path, "services:\n  web:\n    image: nginx:${TAG}\n    environment:\n      LEVEL: ${LEVEL}\n")
    (tmp_path / "env.conf").write_text("LEVEL=debug\n")
    result = run("render", "-f", path, "--config", "TAG=1.0", "--config-file", tmp_path / "env.conf", "--var", "TAG=2.0")
    assert result.exit_code == 0, result.output
    assert "image: nginx:2.0" in result.stdout and "value: debug" in result.stdout


def test_the_shell_environment_is_not_used(run, tmp_path, monkeypatch):
    monkeypatch.setenv("TAG", "from-shell")
    result = run("render", "-f", _write(tmp_path, "services:\n  web:\n    image: nginx:${TAG:-default}\n"))
    assert "image: nginx:default" in result.stdout


def test_dot_env_beside_the_compose_file_is_read(run, tmp_path):
    (tmp_path / ".env").write_text("TAG=dotenv\n")
    result = run("render", "-f", _write(tmp_path, "services:\n  web:\n    image: nginx:${TAG}\n"))
    assert "image: nginx:dotenv" in result.stdout


def test_secret_keys_become_secret_key_refs_and_values_are_never_needed(run):
    result = run("render", "-f", SHOP, "--secret-keys", "DB_PASSWORD", "-o", "json")
    items = {(o["kind"], o["metadata"]["name"]): o for o in json.loads(result.stdout)["items"]}
    env = items[("Deployment", "api")]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[0] == {"name": "DOCKYARD_SECRET_DB_PASSWORD",
                      "valueFrom": {"secretKeyRef": {"name": "env-secret", "key": "DB_PASSWORD"}}}
    assert {"name": "DATABASE_URL", "value": "postgres://shop:$(DOCKYARD_SECRET_DB_PASSWORD)@postgres:5432/shop"} in env
    assert "\ue000" not in result.stdout


def test_a_secret_where_it_cannot_go_is_a_located_error_without_traceback(run, tmp_path):
    path = _write(tmp_path, "services:\n  web:\n    image: nginx\n    ports:\n      - \"${PORT}:80\"\n")
    result = run("render", "-f", path, "--secret-keys", "PORT")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {path}:5:")
    assert "env-secret PORT cannot be used here" in result.stderr
    assert "Traceback" not in result.output and "\ue000" not in result.output


def test_a_policy_error_names_the_key_and_allow_lifts_it(run, tmp_path):
    path = _write(tmp_path, "services:\n  dind:\n    image: docker:dind\n    privileged: true\n")
    refused = run("render", "-f", path)
    assert refused.exit_code == 1 and f"{path}:4:" in refused.stderr and "services.dind.privileged" in refused.stderr
    allowed = run("render", "-f", path, "--allow", "privileged")
    assert allowed.exit_code == 0 and "privileged: true" in allowed.stdout


def test_an_unknown_policy_name_is_refused(run):
    result = run("render", "-f", SHOP, "--allow", "everything")
    assert result.exit_code == 1 and "unknown policy" in result.stderr


def test_build_without_image_explains_that_dockyard_deploys_images(run, tmp_path):
    result = run("render", "-f", _write(tmp_path, "services:\n  app:\n    build: .\n"))
    assert result.exit_code == 1 and "dockyard deploys images" in result.stderr


def test_profiles_select_services(run, tmp_path):
    path = _write(tmp_path, "services:\n  web:\n    image: nginx\n  debug:\n    image: busybox\n    profiles: [debug]\n")
    assert "name: debug" not in run("render", "-f", path).stdout
    assert "name: debug" in run("render", "-f", path, "--profile", "debug").stdout


def test_bad_yaml_is_a_located_error(run, tmp_path):
    result = run("render", "-f", _write(tmp_path, "services:\n  web: [\n"))
    assert result.exit_code == 1 and str(tmp_path) in result.stderr and "Traceback" not in result.output


def test_render_is_byte_identical_across_processes_with_different_hash_seeds():
    """Set and dict-of-set iteration order changes with PYTHONHASHSEED; the output must not."""
    golden = ROOT / "tests" / "manifests" / "golden"
    argv = [sys.executable, "-c", "import sys; from dockyard.cli.main import main; sys.exit(main())", "render",
            "-f", str(golden / "secrets" / "compose.yaml"), "--secret-keys", "DB_PASSWORD,API_TOKEN", "--config", "APP_TAG=3",
            "-o", "json"]
    outputs = [subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
               for seed in ("1", "2")]
    assert json.loads(outputs[0].stdout)["items"]
    assert outputs[0].stdout == outputs[1].stdout and outputs[0].stderr == outputs[1].stderr


def test_allow_takes_a_comma_list_like_secret_keys(run, tmp_path):
    path = _write(tmp_path, "services:\n  dind:\n    image: docker:dind\n    privileged: true\n    pid: host\n")
    result = run("render", "-f", path, "--allow", "privileged,host-pid")
    assert result.exit_code == 0, result.stderr
    assert "privileged: true" in result.stdout and "hostPID: true" in result.stdout


@pytest.mark.parametrize("name", ["Dev", "dev_1", "-dev", "a" * 60])
def test_an_environment_name_whose_namespace_kubernetes_rejects_is_refused(run, name):
    result = run("render", "-f", SHOP, "--secret-keys", "DB_PASSWORD", "--env", name)
    assert result.exit_code == 1 and result.stderr.startswith(f"error: --env {name!r}: use at most 59") and not result.stdout


@pytest.mark.parametrize("name", ["1dev", "a" * 59])
def test_an_environment_name_that_fits_a_namespace_renders(run, name):
    result = run("render", "-f", SHOP, "--secret-keys", "DB_PASSWORD", "--env", name)
    assert result.exit_code == 0 and f"namespace: env-{name}\n" in result.stdout


def test_a_forgotten_secret_key_is_a_warning_naming_the_variable_and_its_line(run):
    result = run("render", "-f", SHOP)
    assert result.exit_code == 0
    assert (f"warning: {SHOP}:11:26: services.postgres.environment.POSTGRES_PASSWORD: variable DB_PASSWORD is not set"
            in result.stderr)
    assert "variable DB_PASSWORD" not in run("render", "-f", SHOP, "--secret-keys", "DB_PASSWORD").stderr
