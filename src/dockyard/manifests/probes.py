"""Compose ``healthcheck`` → readiness, liveness and startup probes.

Docker restarts nothing on its own but marks the container unhealthy; dockyard follows the
seed's practice: the same check gates traffic (readiness) and restarts a stuck container
(liveness). ``CMD-SHELL`` runs through ``/bin/sh -c`` as in Docker (kompose passes the whole
string as one argv element, which cannot work). ``start_period`` becomes a startup probe so
slow starts are not killed. Durations round up to whole seconds, at least 1.
"""

from __future__ import annotations

import math
from typing import Any

from dockyard.compose.model import Healthcheck, Service

from . import secretrefs
from .context import Context

SECOND = 1_000_000_000
DEFAULT_INTERVAL = 30 * SECOND
DEFAULT_TIMEOUT = 30 * SECOND
DEFAULT_RETRIES = 3
DEFAULT_START_INTERVAL = 5 * SECOND


def seconds(duration: int | None, default: int) -> int:
    value = default if duration is None or duration <= 0 else duration
    return max(1, math.ceil(value / SECOND))


def _command(ctx: Context, service: Service, check: Healthcheck, env: secretrefs.SecretEnv) -> list[str] | None:
    path = ("services", service.name, "healthcheck", "test")
    test = check.test or ()
    if not test and not check.disable:
        ctx.warn(path, "a healthcheck without test keeps the image's HEALTHCHECK in Docker, which Kubernetes does not "
                 "run: no probes (set test: to get readiness and liveness probes)", service.name)
    if check.disable or not test or test[0] == "NONE":
        return None
    kind, args = test[0], list(test[1:])
    if kind == "CMD-SHELL":
        return ["/bin/sh", "-c", env.shell(" ".join(args))]
    if kind == "CMD":
        for index, arg in enumerate(args):
            if secretrefs.has_marker(arg):
                raise ctx.error((*path, index + 1), "an env-secret cannot be passed to an exec (CMD) healthcheck "
                                "argument; use the CMD-SHELL form and read it from the shell")
        return args
    raise ctx.error(path, f"healthcheck test must start with CMD, CMD-SHELL or NONE, not {kind!r}")


def probes(ctx: Context, service: Service, env: secretrefs.SecretEnv) -> dict[str, Any]:
    """The container fields ``readinessProbe``/``livenessProbe``/``startupProbe`` (or nothing)."""
    check = service.healthcheck
    if check is None:
        return {}
    command = _command(ctx, service, check, env)
    if command is None:
        return {}
    retries = check.retries if check.retries and check.retries > 0 else DEFAULT_RETRIES
    probe = {
        "exec": {"command": command},
        "periodSeconds": seconds(check.interval, DEFAULT_INTERVAL),
        "timeoutSeconds": seconds(check.timeout, DEFAULT_TIMEOUT),
        "failureThreshold": retries,
    }
    out: dict[str, Any] = {"readinessProbe": dict(probe), "livenessProbe": dict(probe)}
    if check.start_period and check.start_period > 0:
        every = seconds(check.start_interval, DEFAULT_START_INTERVAL)
        grace = seconds(check.start_period, 0)
        out["startupProbe"] = {**probe, "periodSeconds": every, "failureThreshold": math.ceil(grace / every) + retries}
    elif check.start_interval:
        ctx.warn(("services", service.name, "healthcheck", "start_interval"),
                 "start_interval only matters with start_period; ignored", service.name)
    return out
