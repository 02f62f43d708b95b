"""Generate realistic N-service compose files for benchmarks and differential tests.

``generate_compose(n_services, seed)`` returns YAML text that ``docker compose config`` accepts:
ports (short and long syntax), environment as a list or a mapping with ``${VAR:-default}``
interpolation, healthchecks, named and bind volumes, deploy resources, labels, networks and
``depends_on`` on earlier services (never a cycle). Same arguments, same text.

    python bench/generate.py 1000 > /tmp/compose.yaml
"""

from __future__ import annotations

import random
import sys

IMAGES = ("nginx:1.27", "redis:7", "postgres:16", "ghcr.io/acme/api:2.3.1", "busybox", "python:3.12-slim")
CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")


def generate_compose(n_services: int, seed: int = 0) -> str:
    """YAML text of a compose file with ``n_services`` services (deterministic for a seed)."""
    rng = random.Random(seed)
    lines = ["name: bench", "services:"]
    for index in range(n_services):
        lines += _service(rng, index)
    lines += ["networks:", "  front: {}", "  back:", "    driver: bridge"]
    lines += ["volumes:"] + [f"  data{v}: {{}}" for v in range(min(n_services, 10) or 1)]
    return "\n".join(lines) + "\n"


def _service(rng: random.Random, index: int) -> list[str]:
    name = f"svc{index:04d}"
    out = [f"  {name}:", f"    image: {rng.choice(IMAGES)}"]
    out += _ports(rng, index)
    out += _environment(rng, index)
    if rng.random() < 0.7:
        out += [
            "    healthcheck:",
            f"      test: [\"CMD-SHELL\", \"curl -f http://localhost:{8000 + index % 100}/health || exit 1\"]",
            f"      interval: {rng.choice(['10s', '30s', '1m'])}",
            "      timeout: 5s",
            f"      retries: {rng.randint(1, 5)}",
            "      start_period: 15s",
        ]
    out += [
        "    volumes:",
        f"      - data{index % 10}:/var/lib/data",
        "      - type: bind",
        "        source: ./config",
        "        target: /etc/app",
        "        read_only: true",
    ]
    out += [
        "    deploy:",
        f"      replicas: {rng.randint(1, 3)}",
        "      resources:",
        "        limits:",
        f"          cpus: \"{rng.choice(['0.25', '0.5', '1', '2'])}\"",
        f"          memory: {rng.choice(['64M', '256M', '1G'])}",
        "        reservations:",
        f"          memory: {rng.choice(['32M', '64M'])}",
    ]
    out += ["    labels:", f"      com.example.team: team{index % 7}", f"      com.example.index: \"{index}\""]
    out += ["    networks:", "      - front" if index % 2 else "      - back"]
    if index:
        deps = sorted(rng.sample(range(index), k=min(index, rng.randint(0, 2))))
        if deps:
            out.append("    depends_on:")
            for dep in deps:
                out += [f"      svc{dep:04d}:", f"        condition: {rng.choice(CONDITIONS)}"]
    return out


def _ports(rng: random.Random, index: int) -> list[str]:
    published = 10000 + index
    if rng.random() < 0.5:
        return ["    ports:", f"      - \"{published}:80\"", f"      - \"127.0.0.1:{published + 20000}:9090/udp\""]
    return [
        "    ports:",
        "      - target: 80",
        f"        published: \"{published}\"",
        "        protocol: tcp",
        "        mode: host",
    ]


def _environment(rng: random.Random, index: int) -> list[str]:
    if rng.random() < 0.5:
        return [
            "    environment:",
            f"      - LOG_LEVEL=${{LOG_LEVEL:-info}}",
            f"      - SERVICE_INDEX={index}",
            "      - DATABASE_URL=postgres://app:${DB_PASSWORD:-secret}@db:5432/app",
        ]
    return [
        "    environment:",
        "      LOG_LEVEL: ${LOG_LEVEL:-debug}",
        f"      SERVICE_INDEX: \"{index}\"",
        "      FEATURE_FLAG: \"true\"",
        "      REGION: ${REGION-eu-west-1}",
    ]


if __name__ == "__main__":
    sys.stdout.write(generate_compose(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
