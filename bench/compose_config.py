"""Benchmark: ``dockyard config`` against ``docker-compose config`` on a 1,000- and a 2-service file.

Both tools run as subprocesses (so interpreter and binary start-up count), in the same run,
same environment, same files, in both output formats (YAML, the default, and JSON); each
measurement is the median of several runs. CPU time is the
child's user+system time from ``os.wait4`` (steadier than wall time on a loaded machine), peak
memory its ``ru_maxrss``. Both run with Python bytecode caches, like installed packages: the
children get a private ``PYTHONPYCACHEPREFIX`` (filled by the warm-up run) even where
``PYTHONDONTWRITEBYTECODE`` is set. Targets (issue 2): at least 3x faster than the reference on
1,000 services, and not slower on 2 services.

    .venv/bin/python bench/compose_config.py            # the table
    .venv/bin/python bench/compose_config.py --profile  # + what dominates dockyard's time
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
SIZES = {"1000 services": (1000, 5), "2 services": (2, 11)}  # label -> (services, runs)


FORMATS = ("yaml", "json")  # yaml is what ``config`` prints by default


def commands(file: Path, fmt: str) -> dict[str, list[str]]:
    return {
        "dockyard": [str(BIN / "dockyard"), "config", "-f", str(file), "--format", fmt],
        "docker-compose": [str(BIN / "docker-compose"), "-f", str(file), "config", "--format", fmt],
    }


PYCACHE = Path(tempfile.gettempdir()) / "dockyard-bench-pycache"


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


Sample = tuple[float, float, float, int]  # wall s, CPU s, peak RSS MiB, exit code


def measure_once(argv: list[str], cwd: Path) -> Sample:
    """Wall seconds, CPU seconds, peak RSS in MiB and exit code of one run."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.stderr.write(f"warning: {' '.join(argv)} exited {process.returncode}: {process.stderr.read().decode()[:300]}\n")
    process.stderr.close()
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode


def measure(argv: list[str], cwd: Path, runs: int) -> Sample:
    measure_once(argv, cwd)  # warm the page cache and the bytecode cache
    samples = [measure_once(argv, cwd) for _ in range(runs)]
    return (
        statistics.median(s[0] for s in samples),
        statistics.median(s[1] for s in samples),
        max(s[2] for s in samples),
        max(s[3] for s in samples),
    )


def table(workdir: Path) -> list[tuple[str, dict[str, Sample]]]:
    rows = []
    for label, (services, runs) in SIZES.items():
        file = workdir / f"compose-{services}.yaml"
        file.write_text(generate_compose(services, seed=42))
        for fmt in FORMATS:
            results = {tool: measure(argv, workdir, runs) for tool, argv in commands(file, fmt).items()}
            rows.append((f"{label}, {fmt}", results))
    return rows


def print_table(rows: list[tuple[str, dict[str, Sample]]]) -> None:
    print(f"{'file':<20} {'tool':<15} {'wall (median)':>14} {'CPU (median)':>13} {'peak RSS':>10} {'exit':>5}")
    for label, results in rows:
        for tool, (wall, cpu, rss, code) in results.items():
            print(f"{label:<20} {tool:<15} {wall * 1000:>11.0f} ms {cpu * 1000:>10.0f} ms {rss:>7.1f} MiB {code:>5}")
    print()
    print(f"{'file':<20} {'speed-up wall':>14} {'speed-up CPU':>13} {'memory ratio':>13}  target (docker-compose / dockyard)")
    for label, results in rows:
        (ours_wall, ours_cpu, ours_rss, _) = results["dockyard"]
        (ref_wall, ref_cpu, ref_rss, _) = results["docker-compose"]
        target = 3.0 if label.startswith("1000") else 1.0
        verdicts = [
            f"{kind} {'ok' if ratio >= target else 'MISSED'}"
            for kind, ratio in (("wall", ref_wall / ours_wall), ("CPU", ref_cpu / ours_cpu))
        ]
        print(
            f"{label:<20} {ref_wall / ours_wall:>13.2f}x {ref_cpu / ours_cpu:>12.2f}x {ours_rss / ref_rss:>12.2f}x"
            f"  >= {target:.2f}x: {', '.join(verdicts)}"
        )


def profile(workdir: Path) -> None:
    """Where dockyard's time goes: slowest imports, then the hottest functions on 1,000 services."""
    file = workdir / "compose-1000.yaml"
    imports = subprocess.run(
        [str(BIN / "python"), "-X", "importtime", "-c", "import dockyard.cli.main"],
        capture_output=True, text=True, env=environment(),
    )  # fmt: skip
    rows = []
    for line in imports.stderr.splitlines()[1:]:
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[1].isdigit():
            rows.append((int(parts[1]), parts[2]))
    print("\nslowest imports of `import dockyard.cli.main` (cumulative us):")
    for cumulative, name in sorted(rows, reverse=True)[:12]:
        print(f"  {cumulative:>9}  {name}")
    code = (
        "import cProfile, pstats, sys, io;"
        "from dockyard.cli.main import main;"
        "sys.argv=['dockyard','config','-f',sys.argv[1],'--format','json'];"
        "out=io.StringIO(); p=cProfile.Profile(); p.enable()\n"
        "main()\n"
        "p.disable(); s=pstats.Stats(p, stream=sys.stderr); s.sort_stats('cumulative').print_stats(25)"
    )
    run = subprocess.run(
        [str(BIN / "python"), "-c", code, str(file)], capture_output=True, text=True, cwd=workdir, env=environment()
    )
    print("\ncProfile of `dockyard config` on 1,000 services (top 25 by cumulative time):")
    print("\n".join(run.stderr.splitlines()[:60]))


def phase_timings() -> None:
    """In-process cost of the two H2b phases on a 1,000-service canonical tree (median of 5)."""
    import json as _json

    from dockyard.compose import schema, validation

    code = subprocess.run(
        [str(BIN / "python"), str(Path(__file__).resolve().parent / "generate.py"), "1000"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    import yaml

    tree = _json.loads(_json.dumps(yaml.safe_load(code)))
    started = time.perf_counter()
    schema.validate(tree, file="compose.yaml", positions={})
    first = time.perf_counter() - started
    for name, run in (
        ("schema.validate", lambda: schema.validate(tree, file="compose.yaml", positions={})),
        ("validation.check", lambda: validation.check(tree, file="compose.yaml", positions={})),
    ):
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            run()
            samples.append(time.perf_counter() - started)
        print(f"{name:<18} 1000 services: {statistics.median(samples) * 1000:6.1f} ms (median of 5)")
    print(f"{'schema.validate':<18} first call incl. compiling the schema: {first * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="also show import times and a cProfile of dockyard")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dockyard-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "config").mkdir()
        print_table(table(workdir))
        print()
        phase_timings()
        if args.profile:
            profile(workdir)


if __name__ == "__main__":
    main()
