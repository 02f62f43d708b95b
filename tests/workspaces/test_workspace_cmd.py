"""``dockyard workspace ...`` through typer's CliRunner against the emulated API."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dockyard.cli.main import app
from tests.workspaces.conftest import make_environment, put_service

GV = "dockyard.dev/v1alpha1"


@pytest.fixture
def cli(kube, client):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, [str(a) for a in args])

    return invoke


@pytest.fixture
def dev(kube, client):
    make_environment(kube, client, "dev")
    put_service(kube, "postgres", "dev", [5432])
    return "dev"


def test_create_stores_the_workspace_and_runs_it_here_when_no_controller_runs(kube, cli, dev):
    result = cli("workspace", "create", "alice", "--env", "dev", "--image", "devbox:1", "--command", "sleep 1d",
                 "--set-env", "EDITOR=vim", "--home-size", "5Gi", "--cpu", "500m", "--memory", "2Gi")
    assert result.exit_code == 0, result.output
    assert result.output == "workspace alice created in namespace ws-alice, connected to dev\n"
    live = kube.store_get("Workspace", "alice", "ws-alice", GV)
    assert live["spec"] == {"image": "devbox:1", "command": ["sleep", "1d"], "env": {"EDITOR": "vim"},
                            "home": {"mountPath": "/home/dev", "size": "5Gi"},
                            "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}}, "environment": "dev"}
    container = kube.store_get("Deployment", "alice", "ws-alice")["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {"requests": {"cpu": "500m", "memory": "2Gi"}}
    assert live["status"]["connectedEnvironment"] == "dev"
    assert kube.store_get("Namespace", "ws-alice")["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "dockyard"
    assert kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice")["spec"]["resources"] == {
        "requests": {"storage": "5Gi"}}


def test_create_leaves_the_work_to_a_running_controller(kube, cli, dev):
    kube.create_namespace("dockyard-system")
    kube.store_put({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": "dockyard-controller", "namespace": "dockyard-system"},
                    "spec": {"selector": {"matchLabels": {"a": "b"}},
                             "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": []}}}})
    kube.store_patch_status("Deployment", "dockyard-controller", "dockyard-system", {"availableReplicas": 1})
    result = cli("workspace", "create", "alice")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "the controller will start it"
    assert kube.store_get("Deployment", "alice", "ws-alice") is None


def test_status_and_list_show_the_connected_environment_and_its_services(kube, cli, dev):
    cli("workspace", "create", "alice", "--env", "dev")
    status = cli("workspace", "status", "alice")
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    assert lines[0] == "workspace alice: environment dev, pod -"
    assert any(line.split() == ["postgres", "postgres.env-dev.svc.cluster.local", "5432/TCP"] for line in lines)
    as_json = json.loads(cli("workspace", "status", "alice", "-o", "json").output)
    assert as_json["services"][0]["dns"] == "postgres.env-dev.svc.cluster.local"

    listing = cli("workspace", "list")
    assert listing.exit_code == 0
    assert listing.output.splitlines()[1].split() == ["alice", "ws-alice", "dev", "no", "1"]


def test_connect_disconnect_and_delete_keep_the_home_volume(kube, cli, dev, client):
    make_environment(kube, client, "prod")
    assert cli("workspace", "create", "alice", "--env", "dev").exit_code == 0
    uid = kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice")["metadata"]["uid"]

    switched = cli("workspace", "connect", "alice", "--env", "prod")
    assert switched.output == "workspace alice connected to prod: services resolve by name (e.g. postgres:5432)\n"
    assert kube.store_get("Workspace", "alice", "ws-alice", GV)["status"]["connectedEnvironment"] == "prod"
    assert cli("workspace", "disconnect", "alice").output == "workspace alice disconnected\n"
    assert kube.store_get("Workspace", "alice", "ws-alice", GV)["status"]["connectedEnvironment"] is None
    assert kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice")["metadata"]["uid"] == uid

    deleted = cli("workspace", "delete", "alice", "--yes")
    assert deleted.output == "workspace alice deleted (home volume alice-home kept)\n"
    assert kube.store_get("Workspace", "alice", "ws-alice", GV) is None
    assert kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice")["metadata"]["uid"] == uid


def test_delete_home_removes_the_volume_too(kube, cli, dev):
    cli("workspace", "create", "alice")
    assert cli("workspace", "delete", "alice", "--yes", "--delete-home").output == "workspace alice deleted\n"
    assert kube.store_get("PersistentVolumeClaim", "alice-home", "ws-alice") is None


@pytest.mark.parametrize(("args", "message"), [
    (["workspace", "connect", "alice", "--env", "nope"],
     "error: environment 'nope' does not exist (no namespace env-nope); run: dockyard env create nope\n"),
    (["workspace", "connect", "ghost", "--env", "dev"],
     "error: workspace 'ghost' does not exist in namespace ws-ghost; run: dockyard workspace create ghost\n"),
    (["workspace", "create", "bob", "--env", "nope"],
     "error: environment 'nope' does not exist (no namespace env-nope); run: dockyard env create nope\n"),
    (["workspace", "create", "bob", "--home-size", "big"],
     "error: Workspace ws-bob/bob: spec.home.size must be a quantity such as 10Gi, not 'big'\n"),
    (["workspace", "create", "bob", "--command", 'sh -c "echo'],
     "error: --command cannot be split into words: no closing quotation\n"),
    (["workspace", "create", "bob", "--memory", "lots"],
     "error: Workspace ws-bob/bob: spec.resources.requests.memory must be a quantity, not 'lots'\n"),
    (["workspace", "create", "bob", "--set-env", "A=1", "--set-env", "TOKEN:s3cret"],
     "error: --set-env (item 2) has no '=': use KEY=VALUE\n"),
    (["workspace", "delete", "ghost", "--yes"],
     "error: workspace 'ghost' does not exist in namespace ws-ghost; run: dockyard workspace create ghost\n"),
])
def test_bad_input_is_one_clear_line_with_no_traceback_and_no_write(kube, cli, dev, args, message):
    cli("workspace", "create", "alice")
    kube.requests.clear()
    result = cli(*args)
    assert (result.exit_code, result.output) == (1, message)
    assert [r for r in kube.requests if r.verb not in ("get", "list", "watch")] == []


@pytest.mark.parametrize("command", ["list", "status alice"])
def test_an_unknown_output_format_is_a_usage_error(kube, cli, dev, command):
    cli("workspace", "create", "alice")
    result = cli("workspace", *command.split(), "-o", "yaml")
    assert result.exit_code == 2
    assert "must be table or json" in result.output and "Traceback" not in result.output


def test_status_of_a_workspace_whose_spec_cannot_run_names_the_field(kube, cli, dev):
    cli("workspace", "create", "alice")
    live = kube.store_get("Workspace", "alice", "ws-alice", GV)
    kube.store_put({**live, "spec": {**live["spec"], "env": {"1X": "secret-value"}}})
    result = cli("workspace", "status", "alice")
    assert (result.exit_code, result.output) == (
        1, "error: Workspace ws-alice/alice: spec.env.1X is not a valid environment variable name\n")


def test_creating_again_says_updated_and_warns_when_it_drops_the_connection(kube, cli, dev):
    assert cli("workspace", "create", "alice", "--env", "dev").exit_code == 0
    again = cli("workspace", "create", "alice", "--image", "devbox:2")
    assert again.output == ("workspace alice updated in namespace ws-alice, "
                            "no longer connected to dev (give --env dev to stay)\n")
    assert kube.store_get("Workspace", "alice", "ws-alice", GV)["status"]["connectedEnvironment"] is None
    kept = cli("workspace", "create", "alice", "--env", "dev")
    assert kept.output == "workspace alice updated in namespace ws-alice, connected to dev\n"
