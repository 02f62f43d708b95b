"""Which API failures the engine retries, and how long it waits between tries.

controller-runtime's rule, in one place: a conflict (409), throttling (429), a server error (5xx),
a timeout or a dropped connection is *retryable*; bounded exponential backoff hides short faults and
the engine's result asks to be requeued for longer ones. Bad input is a ``TerminalError`` (from
``dockyard.errors``) and is never retried. Every other API refusal becomes a ``ClusterError`` whose
message names the verb and the object, never a request body (bodies may hold secret values).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx2
from lightkube import ApiError

from dockyard.errors import ClusterError, NotFoundError, TerminalError

__all__ = [
    "Backoff",
    "RetryableError",
    "TerminalError",
    "aretrying",
    "cluster_error",
    "is_retryable",
    "retrying",
]

T = TypeVar("T")
RETRYABLE_CODES = frozenset({409, 429, 500, 502, 503, 504})


class RetryableError(ClusterError):
    """A failure worth trying again later (the engine's result carries ``requeue_after``)."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Bounded exponential backoff: ``first * factor**n`` capped at ``cap``, ``attempts`` tries in all."""

    attempts: int = 5
    first: float = 0.05
    factor: float = 2.0
    cap: float = 2.0

    def delays(self) -> list[float]:
        return [min(self.cap, self.first * self.factor**n) for n in range(self.attempts - 1)]


def status_code(exc: BaseException) -> int | None:
    if isinstance(exc, ApiError):
        return exc.status.code or exc.response.status_code
    return None


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, RetryableError):
        return True
    if isinstance(exc, ApiError):
        return status_code(exc) in RETRYABLE_CODES
    return isinstance(exc, (httpx2.TimeoutException, httpx2.TransportError, TimeoutError, ConnectionError))


def cluster_error(exc: BaseException, action: str) -> ClusterError:
    """The dockyard error for a failed API call; ``action`` reads like ``apply Deployment env-dev/web``."""
    code = status_code(exc)
    if isinstance(exc, ApiError):
        message = f"{action}: {exc.status.message or exc.status.reason} (HTTP {code})"
        status = exc.status.to_dict()
        if code == 404:
            return NotFoundError(message, status=status, code=code)
        if code in RETRYABLE_CODES:
            return RetryableError(message, status=status, code=code)
        return ClusterError(message, status=status, code=code)
    if is_retryable(exc):
        return RetryableError(f"{action}: {type(exc).__name__} talking to the API server", code=None)
    return ClusterError(f"{action}: {exc}")


def retrying(call: Callable[[], T], action: str, backoff: Backoff = Backoff(), sleep=time.sleep) -> T:
    """Run ``call``; retry retryable failures with backoff; raise a ``ClusterError`` naming ``action``."""
    delays = backoff.delays()
    for attempt in range(backoff.attempts):
        try:
            return call()
        except (ApiError, httpx2.HTTPError, TimeoutError, ConnectionError) as exc:
            if not is_retryable(exc) or attempt == len(delays):
                raise cluster_error(exc, action) from None
            sleep(delays[attempt])
    raise AssertionError("unreachable")


async def aretrying(call, action: str, backoff: Backoff = Backoff()):
    """``retrying`` for coroutines (the async client)."""
    import asyncio

    delays = backoff.delays()
    for attempt in range(backoff.attempts):
        try:
            return await call()
        except (ApiError, httpx2.HTTPError, TimeoutError, ConnectionError) as exc:
            if not is_retryable(exc) or attempt == len(delays):
                raise cluster_error(exc, action) from None
            await asyncio.sleep(delays[attempt])
    raise AssertionError("unreachable")
