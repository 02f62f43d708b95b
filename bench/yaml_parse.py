"""Time dockyard's YAML reader (and interpolation) on a 1,000-service compose file against PyYAML's C loader.

Prints ratios only (no assertions): ``python bench/yaml_parse.py``.
"""

from __future__ import annotations

import time

import yaml

from dockyard.compose.casts import COMPOSE_CASTS
from dockyard.compose.interpolate import interpolate
from dockyard.compose.yamlload import _events, _gc_paused, parse_yaml

SERVICE = """\
  svc{n}:
    image: "registry.example.com/team/svc{n}:${{TAG:-1.0.{n}}}"
    command: ["serve", "--port", "80{m:02d}", "--verbose"]
    ports:
      - "80{m:02d}:80"
      - target: 443
        published: "9{m:03d}"
        protocol: tcp
    environment:
      LOG_LEVEL: info
      DB_URL: postgres://db:5432/app{n}
      FEATURE_X: "true"
      WORKERS: 4
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost/health"]
      interval: 30s
      timeout: 5s
      retries: 3
    volumes:
      - data{n}:/var/lib/data
      - ./conf:/etc/conf:ro
    deploy:
      resources:
        limits: {{cpus: "0.5", memory: 512m}}
    labels:
      team: core
      tier: "backend"
    depends_on: [svc{p}]
"""


def compose_text(services: int) -> str:
    body = "".join(SERVICE.format(n=n, m=n % 100, p=max(n - 1, 0)) for n in range(services))
    return "services:\n" + body


def best_of(runs: int, action) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    text = compose_text(1000)
    ours = best_of(5, lambda: parse_yaml(text, "compose.yaml"))
    with _gc_paused():  # as parse_yaml pulls them: with the cyclic collector off
        events = best_of(5, lambda: _events(text, "compose.yaml"))  # libyaml, PyYAML's event objects, depth guard
    c_safe = best_of(5, lambda: yaml.load(text, Loader=yaml.CSafeLoader))
    parsed = parse_yaml(text, "compose.yaml")
    substituted = best_of(5, lambda: interpolate(parsed.data, {"TAG": "2"}.get, casts=COMPOSE_CASTS,
                                                  file="compose.yaml", positions=parsed.positions))
    print(f"lines={text.count(chr(10))} parse_yaml={ours * 1000:.0f}ms (events={events * 1000:.0f}ms "
          f"builder={(ours - events) * 1000:.0f}ms) CSafeLoader={c_safe * 1000:.0f}ms "
          f"ratio={ours / c_safe:.2f} interpolate={substituted * 1000:.0f}ms")


if __name__ == "__main__":
    main()
