"""Controller cold start: N compositions x M services exist before the controller starts.

The emulated API server runs in a child process (so the controller's peak RSS is its own, and the two
do not share one GIL); the controller runs here, the same code ``dockyard controller`` runs. Measured:
time until every Composition reports Reconciled for its generation, requests per composition (the
server's request log), the controller process's peak RSS. Targets: < 60 s, < 250 MB.

    python bench/controller.py [--compositions 500] [--services 10] [--workers 32] [--simulator]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.emulator
TARGET_SECONDS = 60.0
TARGET_MB = 250.0


def compose_text(services: int) -> str:
    lines = ["services:"]
    for index in range(services):
        lines += [f"  svc{index}:", f"    image: registry.example/app{index}:1.{index}",
                  f"    ports: [\"{8000 + index}\"]", "    environment:",
                  f"      LEVEL: ${{LOG_LEVEL:-info}}", f"      INDEX: \"{index}\""]
        if index == 0:
            lines += ["    volumes: [data:/var/lib/data]"]
    return "\n".join(lines + ["volumes:", "  data: {}"]) + "\n"


# ---------------------------------------------------------------- the API server (child process)

def serve(conn, compositions: int, services: int, simulator: bool) -> None:
    from dockyard.controller.install import manifests
    from dockyard.reconcile.composition import CompositionInput, build
    from tests.emulator import KubeEmulator

    kube = KubeEmulator(history_limit=200_000).start()
    for obj in manifests():
        if obj["kind"] in ("CustomResourceDefinition", "ClusterKopfPeering"):
            kube.store_put(obj)
    compose = compose_text(services)
    for index in range(compositions):
        env = f"b{index:03d}"
        ns = f"env-{env}"
        labels = {"app.kubernetes.io/managed-by": "dockyard", "dockyard.dev/environment": env}
        kube.create_namespace(ns, labels)
        for kind in ("ConfigMap", "Secret"):
            name = "env-config" if kind == "ConfigMap" else "env-secret"
            kube.store_put({"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": ns,
                                                                           "labels": labels}})
        cr, _ = build(CompositionInput(name="app", environment=env, compose_files=[("compose.yaml", compose)]))
        kube.store_put(cr)
    kube.requests.clear()
    kube.simulator.enabled = simulator
    conn.send(str(kube.kubeconfig_path))
    while True:
        command = conn.recv()
        if command == "reconciled":
            conn.send(sum(_reconciled(c) for c in kube.store_list("Composition", api_version="dockyard.dev/v1alpha1")))
        elif command == "requests":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            conn.send((len(kube.requests), Counter(r.verb for r in kube.requests), len(kube.requests.writes()),
                       usage.ru_utime + usage.ru_stime))
        elif command == "stop":
            kube.stop()
            conn.send("stopped")
            return


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _reconciled(obj: dict) -> bool:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond["type"] == "Reconciled":
            return cond["status"] == "True" and cond.get("observedGeneration") == obj["metadata"]["generation"]
    return False


# ---------------------------------------------------------------- the controller (this process)

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compositions", type=int, default=500)
    parser.add_argument("--services", type=int, default=10)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--simulator", action="store_true", help="Also run the cluster simulator (pods, status).")
    args = parser.parse_args()

    import logging

    logging.basicConfig(level=logging.ERROR)
    from dockyard.controller.run import ControllerOptions, ControllerState, run_controller

    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(theirs, args.compositions, args.services, args.simulator))
    setup = time.perf_counter()
    server.start()
    kubeconfig = ours.recv()
    print(f"setup: {args.compositions} compositions x {args.services} services stored in "
          f"{time.perf_counter() - setup:.1f}s")

    options = ControllerOptions(kubeconfig=kubeconfig, standalone=True, workers=args.workers, debounce=1.0,
                                resync=3600.0, identity="bench")
    state = ControllerState(options=options)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=lambda: asyncio.run(run_controller(options, stop_flag=stop, ready_flag=ready,
                                                                        state=state)), daemon=True)
    started = time.perf_counter()
    cpu_before = _cpu_seconds()
    thread.start()
    done = 0
    while time.perf_counter() - started < args.timeout:
        time.sleep(0.5)
        ours.send("reconciled")
        done = ours.recv()
        if done >= args.compositions:
            break
    elapsed = time.perf_counter() - started
    controller_cpu = _cpu_seconds() - cpu_before
    ours.send("requests")
    total, by_verb, writes, server_cpu = ours.recv()
    stop.set()
    thread.join(60)
    ours.send("stop")
    ours.recv()
    server.join(30)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per = total / max(1, args.compositions)
    print(f"reconciled: {done}/{args.compositions} compositions in {elapsed:.1f}s "
          f"(target < {TARGET_SECONDS:.0f}s: {elapsed / TARGET_SECONDS:.2f} of it)")
    print(f"requests: {total} ({per:.1f} per composition; {writes / max(1, args.compositions):.1f} writes); "
          + ", ".join(f"{verb}={count}" for verb, count in by_verb.most_common()))
    print(f"engine runs: {state.reconciles} ({state.reconciles / max(1, args.compositions):.1f} per composition)")
    print(f"CPU: controller {controller_cpu:.1f}s, API emulator {server_cpu:.1f}s (incl. setup) for {elapsed:.1f}s "
          f"of wall time on {len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"controller peak RSS: {peak_mb:.0f} MB (target < {TARGET_MB:.0f} MB: {peak_mb / TARGET_MB:.2f} of it)")
    if done < args.compositions:
        sys.exit(1)


if __name__ == "__main__":
    main()
