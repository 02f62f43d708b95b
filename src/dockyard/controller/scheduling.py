"""One reconcile per composition at a time, many compositions in parallel, and debounced re-runs.

kopf serialises the handlers of one object, but a composition is also reconciled from outside its
own handlers: its Deployments, Pods and Jobs change, an Event about its pods arrives, ``env-config``
changes, the resync timer fires. ``ReconcileQueue`` is where all those triggers meet:

- ``lock(key)`` is held around every engine run for that composition, whoever started it;
- ``request(key)`` asks for a run after a quiet period; more requests in that period join the one
  already waiting (a rollout emits dozens of pod changes and ends in one status write);
- a failed requested run is retried with exponential backoff; a run that asks to be requeued
  (``requeue_after``) is requested again after that delay.

The key is ``(namespace, name)``: the controller-runtime request, never the event that caused it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Key = tuple[str, str]
Run = Callable[[Key], Awaitable[float | None]]  # returns requeue_after (seconds) or None

logger = logging.getLogger(__name__)

__all__ = ["Backoff", "ReconcileQueue"]


@dataclass(frozen=True, slots=True)
class Backoff:
    first: float = 1.0
    factor: float = 2.0
    cap: float = 300.0

    def delay(self, failures: int) -> float:
        return min(self.cap, self.first * self.factor ** max(0, failures - 1))


class ReconcileQueue:
    def __init__(self, run: Run, *, debounce: float = 1.0, backoff: Backoff = Backoff(), limit: int = 0) -> None:
        self._run = run
        self.debounce = debounce
        self.backoff = backoff
        self._locks: dict[Key, asyncio.Lock] = {}
        self._waiting: dict[Key, asyncio.Task] = {}
        self._due: dict[Key, float] = {}
        self._running: set[asyncio.Task] = set()
        self._failures: dict[Key, int] = {}
        self._slots = asyncio.Semaphore(limit) if limit else None

    def lock(self, key: Key) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    def request(self, key: Key, delay: float | None = None) -> None:
        """Reconcile ``key`` after ``delay`` (default: the debounce period); joins a run already due sooner."""
        delay = self.debounce if delay is None else delay
        due = asyncio.get_running_loop().time() + delay
        waiting = self._waiting.get(key)
        if waiting is not None and not waiting.done():
            if self._due[key] <= due:
                return
            waiting.cancel()  # a later requeue gives way to an earlier trigger
        task = asyncio.create_task(self._later(key, delay), name=f"reconcile {key}")
        self._waiting[key] = task
        self._due[key] = due
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _later(self, key: Key, delay: float) -> None:
        await asyncio.sleep(delay)
        if self._waiting.get(key) is asyncio.current_task():
            del self._waiting[key]  # from now on a new request queues a new run
            del self._due[key]
        try:
            async with self.lock(key):
                if self._slots is None:
                    requeue_after = await self._run(key)
                else:
                    async with self._slots:
                        requeue_after = await self._run(key)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the run reports its own errors; here we only schedule the retry
            failures = self._failures[key] = self._failures.get(key, 0) + 1
            retry = self.backoff.delay(failures)
            logger.warning("Reconcile of %s/%s failed (%s); retrying in %.0fs", *key, exc, retry)
            self.request(key, retry)
            return
        self._failures.pop(key, None)
        if requeue_after is not None:
            self.request(key, requeue_after)

    def succeeded(self, key: Key) -> None:
        """A run outside the queue (a kopf handler) succeeded: reset the backoff."""
        self._failures.pop(key, None)

    def forget(self, key: Key) -> None:
        """The composition is gone: drop its waiting run and its lock."""
        waiting = self._waiting.pop(key, None)
        if waiting is not None:
            waiting.cancel()
        self._due.pop(key, None)
        self._failures.pop(key, None)
        lock = self._locks.get(key)
        if lock is not None and not lock.locked():
            del self._locks[key]

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def idle(self, horizon: float | None = None) -> bool:
        """No run is running or holding a lock, and none is due within ``horizon`` seconds (default: the
        debounce period, so a requeue minutes away does not count). Safe to call from another thread."""
        horizon = self.debounce if horizon is None else horizon
        waiting = list(self._waiting.values())
        running = [task for task in list(self._running) if not task.done() and task not in waiting]
        locked = [lock for lock in list(self._locks.values()) if lock.locked()]
        soon = time.monotonic() + horizon  # asyncio's loop.time() is this clock
        return not running and not locked and all(due > soon for due in list(self._due.values()))

    async def close(self) -> None:
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
