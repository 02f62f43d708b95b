"""Benchmark: ``dockyard render`` against ``docker-compose config`` on the 1,000-service file.

Both run as subprocesses in the same run, same files, same environment, so start-up counts; the
figure is the median wall time of several runs (CPU time, user + system, is printed too: on a
shared machine it is the steadier number). dockyard does strictly more (load + validate +
translate to Kubernetes objects + serialise YAML) than docker-compose (load + validate +
serialise). Target (issue 3): dockyard at least 3x faster.

The generated file bind-mounts ``./config`` (shipped here with one file, so it becomes a
ConfigMap) and publishes some ports in host mode, which the baseline policy refuses: the run
passes ``--allow host-ports``. ``DB_PASSWORD`` is an env-secret key, exercising secret refs.

    .venv/bin/python bench/render.py [--services 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate_compose  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"
PYCACHE = Path(tempfile.gettempdir()) / "dockyard-bench-pycache"


def commands(file: Path) -> dict[str, list[str]]:
    return {
        "dockyard render": [str(BIN / "dockyard"), "render", "-f", str(file), "--allow", "host-ports",
                            "--secret-keys", "DB_PASSWORD"],
        "docker-compose config": [str(BIN / "docker-compose"), "-f", str(file), "config"],
    }


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child: user + system) of one run."""
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=environment(), stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            stderr.seek(0)
            raise SystemExit(f"{' '.join(argv)} exited {process.returncode}: {stderr.read().decode()[:500]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def median_time(argv: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    timed(argv, cwd)  # warm the page cache and the bytecode cache
    samples = [timed(argv, cwd) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dockyard-bench-render-") as tmp:
        directory = Path(tmp)
        (directory / "config").mkdir()
        (directory / "config" / "app.conf").write_text("level = info\n")
        file = directory / "compose.yaml"
        file.write_text(generate_compose(args.services))
        times = {label: median_time(argv, directory, args.runs) for label, argv in commands(file).items()}
    for label, (wall, cpu) in times.items():
        print(f"{label:24} {wall:8.3f} s wall  {cpu:8.3f} s CPU  (medians of {args.runs})")
    ratio = times["docker-compose config"][0] / times["dockyard render"][0]
    cpu_ratio = times["docker-compose config"][1] / times["dockyard render"][1]
    print(f"dockyard render is {ratio:.2f}x faster than docker-compose config on {args.services} services, wall time "
          f"(target >= 3x); {cpu_ratio:.2f}x in CPU time")


if __name__ == "__main__":
    main()
