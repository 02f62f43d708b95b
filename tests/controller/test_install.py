"""``dockyard install`` / ``uninstall`` / ``controller`` against the emulated API, through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dockyard.cli.main import app
from dockyard.controller.install import manifests

runner = CliRunner()
INSTALLED = {
    ("CustomResourceDefinition", "compositions.dockyard.dev"),
    ("CustomResourceDefinition", "environments.dockyard.dev"),
    ("CustomResourceDefinition", "workspaces.dockyard.dev"),
    ("CustomResourceDefinition", "clusterkopfpeerings.kopf.dev"),
    ("CustomResourceDefinition", "kopfpeerings.kopf.dev"),
    ("Namespace", "dockyard-system"),
    ("ServiceAccount", "dockyard-controller"),
    ("ClusterRole", "dockyard-controller"),
    ("ClusterRoleBinding", "dockyard-controller"),
    ("ClusterRole", "dockyard-controller-workspaces"),
    ("ClusterRoleBinding", "dockyard-controller-workspaces"),
    ("ClusterKopfPeering", "dockyard"),
    ("Deployment", "dockyard-controller"),
}


def present(kube) -> set[tuple[str, str]]:
    found = set()
    for kind, name in INSTALLED:
        namespace = "dockyard-system" if kind in ("ServiceAccount", "Deployment") else None
        try:
            if kube.store_get(kind, name, namespace) is not None:
                found.add((kind, name))
        except KeyError:  # its CRD is gone, so the type is not served any more
            continue
    return found


def test_install_dry_run_prints_every_manifest_and_calls_no_api(kube):
    result = runner.invoke(app, ["install", "--dry-run", "--image", "registry.example/dockyard:dev"])

    assert result.exit_code == 0, result.output
    documents = list(yaml.safe_load_all(result.output))
    assert {(d["kind"], d["metadata"]["name"]) for d in documents} == INSTALLED
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example/dockyard:dev"
    assert len(kube.requests) == 0


def test_install_applies_the_manifests_and_uninstall_keeps_the_crds_unless_asked(kube):
    installed = runner.invoke(app, ["install"])
    assert installed.exit_code == 0, installed.output
    assert present(kube) == INSTALLED

    again = runner.invoke(app, ["install"])
    assert again.exit_code == 0, again.output

    removed = runner.invoke(app, ["uninstall"])
    assert removed.exit_code == 0, removed.output
    assert {kind for kind, _ in present(kube)} == {"CustomResourceDefinition"}

    purged = runner.invoke(app, ["uninstall", "--crds"])
    assert purged.exit_code == 0, purged.output
    assert present(kube) == set()


def test_the_controller_deployment_has_probes_on_the_kopf_liveness_endpoint_and_resource_requests():
    deployment = next(o for o in manifests() if o["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]

    assert container["args"] == ["controller", "--liveness", "http://0.0.0.0:8080/healthz"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "dockyard-controller"


@pytest.mark.parametrize("command", ["controller", "install", "uninstall"])
@pytest.mark.parametrize(("content", "message"), [
    (None, "Configuration file {path} not found"),
    ("clusters: [\n", "{path}:2:1: expected the node content"),
    ("[]\n", "{path} is not a kubeconfig"),
], ids=["missing", "invalid-yaml", "not-a-kubeconfig"])
def test_the_commands_report_an_unusable_kubeconfig_by_name_without_a_traceback(tmp_path, command, content, message):
    path = tmp_path / "kubeconfig.yaml"
    if content is not None:
        path.write_text(content)

    result = runner.invoke(app, [command, "--kubeconfig", str(path)])

    assert result.exit_code == 3, result.output
    assert f"no usable Kubernetes configuration: {message.format(path=path)}" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_controller_command_serves_its_liveness_endpoint_and_stops_on_sigterm(cluster, tmp_path):
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dockyard = str(Path(sys.executable).parent / "dockyard")
    command = [dockyard, "controller", "--standalone",
               "--kubeconfig", str(cluster.kubeconfig_path), "--liveness", f"http://127.0.0.1:{port}/healthz"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=os.environ | {"PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "no liveness endpoint"
                time.sleep(0.1)
        assert answer.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output


def test_every_shipped_manifest_is_valid_against_the_kubernetes_schemas():
    from tests.manifests.manifest_schemas import schema_errors

    # the ClusterKopfPeering is a custom resource: its schema is the kopf-peering CRD shipped beside it
    builtin = [obj for obj in manifests() if obj["apiVersion"] != "kopf.dev/v1"]

    assert [problem for obj in builtin for problem in schema_errors(obj)] == []


def test_the_dockerfile_builds_from_tracked_files_and_runs_what_the_deployment_expects():
    root = Path(__file__).resolve().parents[2]
    instructions = [line.split(maxsplit=1) for line in (root / "Dockerfile").read_text().splitlines()
                    if line.strip() and not line.startswith("#")]
    copied = [part for op, args in instructions if op == "COPY" and "--from" not in args for part in args.split()[:-1]]
    deployment = next(o for o in manifests() if o["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    last = {op: args for op, args in instructions}

    assert copied and all((root / source).exists() for source in copied), copied
    assert yaml.safe_load(last["ENTRYPOINT"]) == ["dockyard"]
    assert yaml.safe_load(last["CMD"]) == container["args"]  # the image alone runs what the Deployment runs
    assert last["USER"].split(":")[0] == str(pod["securityContext"]["runAsUser"])
    assert int(last["EXPOSE"]) == container["ports"][0]["containerPort"]
