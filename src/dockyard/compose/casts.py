"""Which interpolated strings become numbers or booleans: compose-go's ``interpolateTypeCastMapping``.

After ``${...}`` substitution every value is a string; Compose then casts the strings found at these
paths (``replicas: "${N}"`` becomes an int). Only strings are cast: a YAML ``3`` is already typed.
``ports.[].published`` is deliberately absent: it may be a range such as ``"8000-8010"``, and
compose-go keeps it a string. ``configs/secrets[].mode`` strings are octal (``"555"`` is 365), as in
the pinned compose-go's loader oracle (loader-054).

Each cast raises ``ValueError`` carrying Go's ``strconv`` error text, which the interpolation
walker wraps into the reference message ``failed to cast to expected type: ...``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from dockyard.compose.tree import ANY_INDEX, ANY_KEY

__all__ = ["COMPOSE_CASTS", "to_boolean", "to_file_mode", "to_float", "to_float32", "to_int", "to_int64"]

_DECIMAL_INT = re.compile(r"[+-]?[0-9]+\Z")
_GO_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+"
    r"|inf|infinity|nan)\Z",
    re.IGNORECASE,
)
_FLOAT32_MAX = 3.4028234663852886e38


def _parse_int(function: str, value: str) -> int:
    if not _DECIMAL_INT.match(value):
        raise ValueError(f'strconv.{function}: parsing "{value}": invalid syntax')
    number = int(value)
    if not -(1 << 63) <= number < (1 << 63):
        raise ValueError(f'strconv.{function}: parsing "{value}": value out of range')
    return number


def to_int(value: str) -> int:
    return _parse_int("Atoi", value)


def to_int64(value: str) -> int:
    return _parse_int("ParseInt", value)


def to_file_mode(value: str) -> int:
    """``configs/secrets[].mode`` given as a string is octal, like a chmod argument (``"555"`` is 0o555)."""
    if not re.fullmatch(r"[0-7]+", value):
        raise ValueError(f'strconv.ParseUint: parsing "{value}": invalid syntax')
    mode = int(value, 8)
    if mode >= 1 << 32:
        raise ValueError(f'strconv.ParseUint: parsing "{value}": value out of range')
    return mode


def to_float(value: str, *, limit: float = math.inf) -> float:
    if not _GO_FLOAT.match(value):
        raise ValueError(f'strconv.ParseFloat: parsing "{value}": invalid syntax')
    number = float.fromhex(value) if "x" in value.lower() else float(value)
    if (math.isinf(number) or abs(number) > limit) and "inf" not in value.lower():
        raise ValueError(f'strconv.ParseFloat: parsing "{value}": value out of range')
    return number


def to_float32(value: str) -> float:
    """Range-checked like Go's ``ParseFloat(value, 32)``; the float64 value is kept (``0.1`` stays ``0.1``)."""
    return to_float(value, limit=_FLOAT32_MAX)


_TRUE = ("y", "yes", "true", "on")
_FALSE = ("n", "no", "false", "off")


def to_boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"invalid boolean: {value}")


def _service(*parts: str) -> str:
    return ".".join(("services", ANY_KEY, *parts))


def _top(*parts: str) -> str:
    return ".".join(parts)


COMPOSE_CASTS: Mapping[str, Callable[[str], Any]] = {
    _service("configs", ANY_INDEX, "mode"): to_file_mode,
    _service("cpu_count"): to_int64,
    _service("cpu_percent"): to_float,
    _service("cpu_period"): to_int64,
    _service("cpu_quota"): to_int64,
    _service("cpu_rt_period"): to_int64,
    _service("cpu_rt_runtime"): to_int64,
    _service("cpus"): to_float32,
    _service("cpu_shares"): to_int64,
    _service("init"): to_boolean,
    _service("deploy", "replicas"): to_int,
    _service("deploy", "update_config", "parallelism"): to_int,
    _service("deploy", "update_config", "max_failure_ratio"): to_float,
    _service("deploy", "rollback_config", "parallelism"): to_int,
    _service("deploy", "rollback_config", "max_failure_ratio"): to_float,
    _service("deploy", "restart_policy", "max_attempts"): to_int,
    _service("deploy", "placement", "max_replicas_per_node"): to_int,
    _service("healthcheck", "retries"): to_int,
    _service("healthcheck", "disable"): to_boolean,
    _service("oom_kill_disable"): to_boolean,
    _service("oom_score_adj"): to_int64,
    _service("pids_limit"): to_int64,
    _service("ports", ANY_INDEX, "target"): to_int,
    _service("privileged"): to_boolean,
    _service("read_only"): to_boolean,
    _service("scale"): to_int,
    _service("secrets", ANY_INDEX, "mode"): to_file_mode,
    _service("stdin_open"): to_boolean,
    _service("tty"): to_boolean,
    _service("ulimits", ANY_KEY): to_int,
    _service("ulimits", ANY_KEY, "hard"): to_int,
    _service("ulimits", ANY_KEY, "soft"): to_int,
    _service("volumes", ANY_INDEX, "read_only"): to_boolean,
    _service("volumes", ANY_INDEX, "volume", "nocopy"): to_boolean,
    _top("networks", ANY_KEY, "external"): to_boolean,
    _top("networks", ANY_KEY, "internal"): to_boolean,
    _top("networks", ANY_KEY, "attachable"): to_boolean,
    _top("networks", ANY_KEY, "enable_ipv6"): to_boolean,
    _top("volumes", ANY_KEY, "external"): to_boolean,
    _top("secrets", ANY_KEY, "external"): to_boolean,
    _top("configs", ANY_KEY, "external"): to_boolean,
}
