"""Reconcile benchmark: a 200-service composition against the emulated API server, over real HTTP.

Three phases, each timed and counted from the emulator's request log:
  1. apply: reconcile until every service is ready (between rounds the "cluster" marks workloads
     ready and Jobs complete, as controllers and kubelets would);
  2. no-op: one more reconcile with nothing changed (expected: zero writes);
  3. one change: one service's image changed (expected: one workload write + the status).

    .venv/bin/python bench/reconcile.py [N_SERVICES]
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate_compose  # noqa: E402

from dockyard.cli.apply_cmd import collect  # noqa: E402
from dockyard.manifests import policy  # noqa: E402
from dockyard.reconcile import composition, engine, environments  # noqa: E402
from dockyard.reconcile.client import KubeClient, load_kubeconfig  # noqa: E402
from tests.emulator import KubeEmulator  # noqa: E402

NS = "env-bench"
ALLOW = list(policy.NAMES)  # the generated file uses host ports and bind mounts on purpose


def settle(kube: KubeEmulator) -> None:
    """Stand-in for the Deployment/Job controllers and kubelets: every workload ready or complete."""
    for deployment in kube.store_list("Deployment", NS):
        replicas = deployment["spec"].get("replicas", 1)
        kube.store_patch_status("Deployment", deployment["metadata"]["name"], NS, {
            "observedGeneration": deployment["metadata"]["generation"], "replicas": replicas,
            "readyReplicas": replicas, "updatedReplicas": replicas, "availableReplicas": replicas})
    for job in kube.store_list("Job", NS):
        kube.store_patch_status("Job", job["metadata"]["name"], NS, {"succeeded": 1, "ready": 0})


def phase(kube: KubeEmulator, name: str, action) -> None:
    kube.requests.clear()
    start = time.perf_counter()
    detail = action()
    elapsed = time.perf_counter() - start
    writes = kube.requests.writes()
    reads = len(kube.requests) - len(writes)
    kinds: dict[str, int] = {}
    for record in writes:
        label = f"{record.verb} {record.kind or record.plural}{'/' + record.subresource if record.subresource else ''}"
        kinds[label] = kinds.get(label, 0) + 1
    print(f"{name:<12} {elapsed:7.2f}s  requests {len(kube.requests):5d}  reads {reads:5d}  writes {len(writes):5d}"
          f"  {detail}")
    for label, count in sorted(kinds.items()):
        print(f"{'':14}{count:5d} x {label}")


def main(n_services: int = 200) -> None:
    with KubeEmulator() as kube, tempfile.TemporaryDirectory() as tmp:
        client = KubeClient(load_kubeconfig(str(kube.kubeconfig_path)))
        composition.ensure_crd(client)
        environments.create(client, "bench")
        compose_file = Path(tmp) / "compose.yaml"
        # long-running services never "complete": keep the dependency graph, make it satisfiable
        text = generate_compose(n_services).replace("service_completed_successfully", "service_healthy")
        compose_file.write_text(text)

        def store(source_text: str) -> None:
            compose_file.write_text(source_text)
            cr, secret = collect(client, [str(compose_file)], "bench", profiles=[], variables={}, allow=ALLOW)
            composition.store(client, cr, secret)

        store(text)

        def apply_all() -> str:
            rounds = 0
            previous = None
            while True:
                rounds += 1
                result = engine.reconcile(client, NS, "bench")
                waiting = [s.name for s in result.services if s.state == "waiting-for-dependency"]
                settle(kube)
                if waiting and waiting == previous:
                    raise SystemExit(f"stuck: {len(waiting)} services wait forever: {result.services[0]}")
                previous = waiting
                if not waiting and result.ready:
                    return f"({rounds} rounds, {len(result.services)} services, {len(result.plan.steps)} objects)"

        phase(kube, "apply", apply_all)
        phase(kube, "no-op", lambda: f"({engine.reconcile(client, NS, 'bench').writes} writes reported)")
        image = re.search(r"image: (\S+)", text).group(1)
        changed = text.replace(f"image: {image}", "image: registry.example/changed:1", 1)
        store(changed)
        phase(kube, "one change", lambda: f"({engine.reconcile(client, NS, 'bench').writes} writes reported)")
        client.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
