"""Kubernetes Events on the Composition: what ``kubectl describe composition`` tells a user.

The reasons are a closed set (``REASONS``), one word each as the API conventions ask: Applied and
Pruned after writes, RolloutStarted when services' workloads were written, RolloutComplete when those
services have become ready again, Failed (a warning) with the reason in the message. One Event per
reason per reconcile (naming the services), and a reconcile that changed nothing posts nothing, so a
resync or a status refresh never floods the event list.

``RolloutTracker`` remembers, per composition, which services are rolling between reconciles; it is
in memory on purpose: after a restart the first reconcile re-derives it from what it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import kopf

APPLIED = "Applied"
PRUNED = "Pruned"
ROLLOUT_STARTED = "RolloutStarted"
ROLLOUT_COMPLETE = "RolloutComplete"
FAILED = "Failed"
REASONS = (APPLIED, PRUNED, ROLLOUT_STARTED, ROLLOUT_COMPLETE, FAILED)

Key = tuple[str, str]  # namespace, composition name
Post = Callable[..., None]  # kopf.event's signature: (body, *, type, reason, message)

__all__ = ["REASONS", "Outcome", "RolloutTracker", "events_for", "post_events", "post_failure"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one reconcile did and saw, in the words the Events need (built from the engine's result)."""

    applied: tuple[str, ...] = ()  # "Deployment/web", ... objects written
    pruned: tuple[str, ...] = ()
    rolled: tuple[str, ...] = ()  # compose services whose workload was written
    ready: frozenset[str] = frozenset()  # services ready now
    failed: Mapping[str, str] = field(default_factory=dict)  # service -> message
    requeue_after: float | None = None


def _listing(names: Iterable[str], limit: int = 10) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _services(names: list[str]) -> str:
    names = sorted(names)
    return f"service {names[0]}" if len(names) == 1 else f"{len(names)} services: {_listing(names)}"


@dataclass(slots=True)
class RolloutTracker:
    rolling: dict[Key, set[str]] = field(default_factory=dict)
    reported: dict[Key, dict[str, str]] = field(default_factory=dict)  # failures already posted

    def started(self, key: Key, services: Iterable[str]) -> list[str]:
        rolling = self.rolling.setdefault(key, set())
        new = [s for s in services if s not in rolling]
        rolling.update(services)
        return new

    def completed(self, key: Key, ready: Iterable[str]) -> list[str]:
        rolling = self.rolling.get(key, set())
        done = sorted(rolling & set(ready))
        rolling.difference_update(done)
        for service in done:
            self.reported.get(key, {}).pop(service, None)
        return done

    def new_failures(self, key: Key, failed: Mapping[str, str]) -> list[tuple[str, str]]:
        """Failures of rolling services not posted yet (a changed message counts as new)."""
        reported = self.reported.setdefault(key, {})
        rolling = self.rolling.get(key, set())
        new = [(s, m) for s, m in sorted(failed.items()) if s in rolling and reported.get(s) != m]
        reported.update(new)
        return new

    def forget(self, key: Key) -> None:
        self.rolling.pop(key, None)
        self.reported.pop(key, None)


def events_for(key: Key, outcome: Outcome, tracker: RolloutTracker) -> list[tuple[str, str, str]]:
    """(type, reason, message) for each Event this outcome deserves, in the order they happened."""
    events: list[tuple[str, str, str]] = []
    if outcome.applied:
        events.append(("Normal", APPLIED, f"Applied {len(outcome.applied)} objects: {_listing(outcome.applied)}"))
    if outcome.pruned:
        events.append(("Normal", PRUNED, f"Pruned {len(outcome.pruned)} objects: {_listing(outcome.pruned)}"))
    started = tracker.started(key, outcome.rolled)
    if started:
        events.append(("Normal", ROLLOUT_STARTED, f"Rolling out {_services(started)}"))
    for service, message in tracker.new_failures(key, outcome.failed):
        events.append(("Warning", FAILED, f"Service {service}: {message}"))
    completed = tracker.completed(key, outcome.ready - set(outcome.rolled))
    if completed:
        events.append(("Normal", ROLLOUT_COMPLETE, f"Rolled out {_services(completed)}: ready"))
    return events


def post_events(body, key: Key, outcome: Outcome, tracker: RolloutTracker, post: Post = kopf.event) -> None:
    for type_, reason, message in events_for(key, outcome, tracker):
        post(body, type=type_, reason=reason, message=message)


def post_failure(body, message: str, post: Post = kopf.event) -> None:
    post(body, type="Warning", reason=FAILED, message=message)
