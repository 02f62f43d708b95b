"""dockyard env create / list / delete."""

from dockyard.reconcile.digest import DIGEST_KEY_SECRET


def test_env_create_makes_the_namespace_config_and_secret(kube, cli):
    result = cli("env", "create", "dev")
    assert result.exit_code == 0, result.output
    assert kube.store_get("Namespace", "env-dev")["metadata"]["labels"]["dockyard.dev/environment"] == "dev"
    assert kube.store_get("ConfigMap", "env-config", "env-dev") is not None
    assert kube.store_get("Secret", "env-secret", "env-dev") is not None


def test_env_create_twice_changes_nothing_and_keeps_the_digest_key(kube, cli):
    cli("env", "create", "dev")
    key = kube.store_get("Secret", DIGEST_KEY_SECRET, "env-dev")["data"]
    assert cli("env", "create", "dev").exit_code == 0
    assert kube.store_get("Secret", DIGEST_KEY_SECRET, "env-dev")["data"] == key


def test_an_invalid_environment_name_fails_before_any_request(kube, cli):
    result = cli("env", "create", "Dev_1")
    assert result.exit_code == 1
    assert "invalid environment name 'Dev_1'" in result.output
    assert kube.requests == []


def test_env_list_shows_each_environment_with_services_ready(kube, cli, dev, project_dir, cluster_acts):
    cli("env", "create", "qa")
    cli("apply", "-f", project_dir / "compose.yaml", "--env", "dev", "--wait", "--local", "--timeout", "30")
    result = cli("env", "list")
    assert result.exit_code == 0
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[1:]}
    assert lines["dev"][1:4] == ["env-dev", "1", "3/3"]
    assert lines["qa"][1:4] == ["env-qa", "0", "0/0"]


def test_env_delete_refuses_without_confirmation_when_not_interactive(kube, cli):
    cli("env", "create", "dev")
    result = cli("env", "delete", "dev")
    assert result.exit_code == 2 and "--yes" in result.output
    assert kube.store_get("Namespace", "env-dev") is not None


def test_env_delete_with_yes_removes_the_namespace(kube, cli):
    cli("env", "create", "dev")
    result = cli("env", "delete", "dev", "--yes")
    assert result.exit_code == 0, result.output
    namespace = kube.store_get("Namespace", "env-dev")
    assert namespace is None or namespace["metadata"].get("deletionTimestamp")


def test_env_delete_on_a_terminal_asks_and_a_no_keeps_the_environment(kube, cli, terminal):
    cli("env", "create", "dev")
    result = cli("env", "delete", "dev", input="n\n")
    assert result.exit_code == 1 and "Delete environment dev" in result.output
    assert kube.store_get("Namespace", "env-dev")["metadata"].get("deletionTimestamp") is None
    assert cli("env", "delete", "dev", input="y\n").exit_code == 0


def test_kubeconfig_and_context_options_choose_the_cluster(kube, cli, tmp_path, monkeypatch):
    import yaml

    config = kube.kubeconfig
    config["clusters"].append({"name": "nowhere", "cluster": {"server": "http://127.0.0.1:9"}})
    config["contexts"].append({"name": "nowhere", "context": {"cluster": "nowhere", "user": "emulator"}})
    config["current-context"] = "nowhere"
    path = tmp_path / "other-kubeconfig"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    result = cli("env", "create", "dev", "--kubeconfig", path, "--context", "emulator")
    assert result.exit_code == 0, result.output
    assert kube.store_get("Namespace", "env-dev") is not None
    unreachable = cli("env", "list", "--kubeconfig", path)  # its current context points nowhere
    assert unreachable.exit_code == 3 and "talking to the API server" in unreachable.output
    missing = cli("env", "list", "--kubeconfig", path, "--context", "typo")
    assert missing.exit_code == 3 and "Context 'typo' not found" in missing.output


def test_the_kubeconfig_environment_variable_is_used_without_options(kube, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config to fall back on
    assert cli("env", "create", "dev").exit_code == 0  # KUBECONFIG points at the emulator
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    result = cli("env", "list")
    assert result.exit_code == 3 and "no usable Kubernetes configuration" in result.output
