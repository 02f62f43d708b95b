"""The security baseline: compose keys that reach into the node are errors unless allowed.

Each rule names the compose key, what it would grant, and the safer alternative. An
environment lifts a rule by listing its name in ``Environment.allow`` (``--allow NAME``).
``host-ports`` and ``host-path`` are checked where ports and bind mounts are translated
(``services.py``, ``volumes.py``); they are listed here so the names are all in one table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dockyard.compose.model import Service

from .context import Context


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    key: str
    applies: Callable[[Service], bool]
    message: str


RULES: tuple[Rule, ...] = (
    Rule("privileged", "privileged", lambda s: s.privileged,
         "privileged containers control the node; grant only the capabilities needed with cap_add"),
    Rule("host-network", "network_mode", lambda s: s.network_mode == "host",
         "host networking shares the node's network stack; publish ports instead (services reach each other by name)"),
    Rule("host-pid", "pid", lambda s: s.pid == "host",
         "sharing the node's process namespace exposes every process on it; remove pid: host"),
    Rule("host-ipc", "ipc", lambda s: s.ipc == "host",
         "sharing the node's IPC namespace is not isolated; use shareable IPC between containers or remove ipc: host"),
    Rule("devices", "devices", lambda s: bool(s.devices),
         "host devices need node access; use a device plugin resource (e.g. GPUs via deploy.resources.reservations.devices)"),
)
CHECKED_ELSEWHERE = ("host-ports", "host-path")
NAMES: tuple[str, ...] = tuple(sorted([r.name for r in RULES] + list(CHECKED_ELSEWHERE)))


def check(ctx: Context, service: Service) -> None:
    for rule in RULES:
        if rule.applies(service) and not ctx.allowed(rule.name):
            raise ctx.error(("services", service.name, rule.key),
                            f"not allowed by the baseline policy: {rule.message} (or allow the {rule.name} policy)",
                            policy=True)
