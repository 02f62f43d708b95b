"""Desired versus live, with no I/O: what to create, update, recreate, leave alone or prune.

An object is written only when its desired content is not already live: every field dockyard sets must
be present in the live object with an equal value (``is_subset``; the server may add defaults, which are
ignored). The desired object carries ``dockyard.dev/applied-digest``, a digest of everything dockyard
sets, so a field *removed* from the desired object also shows as a difference. A no-op reconcile
therefore plans zero writes.

Fields the API server refuses to change (``IMMUTABLE``) turn an update into delete + create. Objects
labelled with this composition but no longer desired are pruned, except PersistentVolumeClaims unless
the composition asks for it. Objects not labelled with this composition are never touched.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from dockyard.manifests.result import LABEL_COMPOSITION, LABEL_MANAGED_BY
from dockyard.reconcile.digest import object_digest

ANNOTATION_APPLIED_DIGEST = "dockyard.dev/applied-digest"
Key = tuple[str, str, str, str]  # apiVersion, kind, namespace, name

__all__ = [
    "ANNOTATION_APPLIED_DIGEST",
    "Action",
    "FieldChange",
    "Plan",
    "Step",
    "changes_between",
    "immutable_change",
    "is_owned",
    "is_subset",
    "key_of",
    "plan",
    "stamp",
]


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    RECREATE = "recreate"
    UNCHANGED = "unchanged"
    PRUNE = "prune"


WRITES = frozenset({Action.CREATE, Action.UPDATE, Action.RECREATE, Action.PRUNE})

# kind -> dotted spec paths the API server will not change in place.
IMMUTABLE: Mapping[str, tuple[str, ...]] = {
    "Service": ("spec.type", "spec.clusterIP"),
    "Secret": ("type",),
    "PersistentVolumeClaim": ("spec.accessModes", "spec.storageClassName", "spec.volumeName", "spec.volumeMode",
                              "spec.selector"),
    "Job": ("spec.template", "spec.selector", "spec.completions", "spec.completionMode"),
    "Deployment": ("spec.selector",),
    "DaemonSet": ("spec.selector",),
    "StatefulSet": ("spec.selector", "spec.serviceName", "spec.volumeClaimTemplates", "spec.podManagementPolicy"),
}
# Recreating these would lose data: an immutable change is reported, never executed.
NEVER_RECREATE = frozenset({"PersistentVolumeClaim"})
# Kinds whose objects the engine lists, owns and prunes (apply order of kinds does not matter here).
MANAGED_KINDS: tuple[tuple[str, str], ...] = (
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("networking.k8s.io/v1", "Ingress"),
    ("policy/v1", "PodDisruptionBudget"),
)
# Server-maintained metadata that is never part of a comparison.
VOLATILE_METADATA = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink")


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str
    before: Any
    after: Any

    def __str__(self) -> str:
        return f"{self.path}: {_short(self.before)} -> {_short(self.after)}"


@dataclass(frozen=True, slots=True)
class Step:
    action: Action
    key: Key
    desired: dict | None = None
    live: dict | None = None
    reason: str = ""

    @property
    def kind(self) -> str:
        return self.key[1]

    @property
    def name(self) -> str:
        return self.key[3]

    @property
    def writes(self) -> bool:
        return self.action in WRITES


@dataclass(frozen=True, slots=True)
class Plan:
    steps: tuple[Step, ...]  # desired objects, in apply order
    prunes: tuple[Step, ...] = ()
    problems: tuple[str, ...] = field(default=())

    @property
    def writes(self) -> tuple[Step, ...]:
        return tuple(s for s in (*self.steps, *self.prunes) if s.writes)


def key_of(obj: Mapping[str, Any]) -> Key:
    meta = obj.get("metadata") or {}
    return obj["apiVersion"], obj["kind"], meta.get("namespace") or "", meta["name"]


def is_owned(live: Mapping[str, Any], composition: str) -> bool:
    labels = (live.get("metadata") or {}).get("labels") or {}
    return labels.get(LABEL_MANAGED_BY) == "dockyard" and labels.get(LABEL_COMPOSITION) == composition


def stamp(desired: Mapping[str, Any]) -> dict:
    """The object dockyard applies: ``desired`` plus the digest of itself as an annotation."""
    obj = copy.deepcopy(dict(desired))
    meta = obj.setdefault("metadata", {})
    annotations = meta.setdefault("annotations", {})
    annotations.pop(ANNOTATION_APPLIED_DIGEST, None)
    annotations[ANNOTATION_APPLIED_DIGEST] = object_digest(obj)
    return obj


# ---------------------------------------------------------------- comparison

_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eEinumkMGTPE]*)$")
_SUFFIX = {
    "": 1, "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": 10**3, "M": 10**6, "G": 10**9,
    "T": 10**12, "P": 10**15, "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50,
    "Ei": 2**60,
}


def _quantity(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value)
    if not match or match.group(2) not in _SUFFIX:
        return None
    try:
        return Decimal(match.group(1)) * Decimal(_SUFFIX[match.group(2)])
    except InvalidOperation:
        return None


def _scalar_equal(desired: Any, live: Any) -> bool:
    if desired == live and type(desired) is type(live):
        return True
    if isinstance(desired, str) and isinstance(live, str):
        a, b = _quantity(desired), _quantity(live)
        return a is not None and a == b
    if isinstance(desired, (int, float)) and isinstance(live, (int, float)) and not isinstance(desired, bool):
        return desired == live
    return False


_MERGE_KEYS = ("name", "containerPort", "port", "mountPath", "key", "ip")


def _merge_key(items: Sequence[Any]) -> str | None:
    if not items or not all(isinstance(i, Mapping) for i in items):
        return None
    for candidate in _MERGE_KEYS:
        values = [i.get(candidate) for i in items]
        if all(v is not None for v in values) and len(set(map(str, values))) == len(values):
            return candidate
    return None


def is_subset(desired: Any, live: Any) -> bool:
    """Every field of ``desired`` is in ``live`` with an equal value (lists of maps matched by merge key)."""
    if isinstance(desired, Mapping):
        if not isinstance(live, Mapping):
            return False
        return all(
            is_subset(v, live[k]) if k in live and live[k] is not None else _is_zero(v) for k, v in desired.items()
        )
    if isinstance(desired, list):
        if not isinstance(live, list) or len(desired) != len(live):
            return False
        merge_key = _merge_key(desired)
        if merge_key and _merge_key(live) == merge_key:
            by_key = {str(i[merge_key]): i for i in live}
            return all(is_subset(i, by_key.get(str(i[merge_key]))) for i in desired)
        return all(is_subset(d, item) for d, item in zip(desired, live))
    return _scalar_equal(desired, live)


def _is_zero(value: Any) -> bool:
    """Values the API server omits when serialising (Go ``omitempty``): absent live equals these."""
    return value is None or value is False or value == 0 and not isinstance(value, bool) or value in ("", {}, [])


def _get(obj: Mapping[str, Any], dotted: str) -> Any:
    current: Any = obj
    for part in dotted.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def immutable_change(desired: Mapping[str, Any], live: Mapping[str, Any]) -> str | None:
    """The first immutable path whose desired value differs from live, or None."""
    for path in IMMUTABLE.get(desired.get("kind", ""), ()):
        want = _get(desired, path)
        if want is not None and not is_subset(want, _get(live, path)):
            return path
    return None


def _comparable(obj: Mapping[str, Any] | None) -> Any:
    if obj is None:
        return None
    clean = copy.deepcopy(dict(obj))
    meta = clean.get("metadata") or {}
    for volatile in VOLATILE_METADATA:
        meta.pop(volatile, None)
    (meta.get("annotations") or {}).pop(ANNOTATION_APPLIED_DIGEST, None)
    if meta.get("annotations") == {}:
        meta.pop("annotations")
    clean.pop("status", None)
    return clean


def changes_between(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[FieldChange]:
    """Every leaf that differs between two versions of an object (status and server metadata ignored)."""
    out: list[FieldChange] = []
    _walk_changes(_comparable(before), _comparable(after), "", out)
    return out


def _walk_changes(a: Any, b: Any, path: str, out: list[FieldChange]) -> None:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for k in sorted(set(a) | set(b), key=str):
            _walk_changes(a.get(k), b.get(k), f"{path}.{k}" if path else str(k), out)
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        merge_key = _merge_key(a)
        if merge_key and _merge_key(b) == merge_key and {str(i[merge_key]) for i in a} == {
            str(i[merge_key]) for i in b
        }:
            by_key = {str(i[merge_key]): i for i in b}
            for item in a:
                _walk_changes(item, by_key[str(item[merge_key])], f"{path}[{merge_key}={item[merge_key]}]", out)
            return
        for index, (x, y) in enumerate(zip(a, b)):
            _walk_changes(x, y, f"{path}[{index}]", out)
        return
    if a is None and b is None:
        return
    if a is None or b is None or not (is_subset(a, b) and is_subset(b, a)):
        out.append(FieldChange(path, a, b))


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- the plan

def _step_for(desired: dict, live: dict | None) -> Step:
    key = key_of(desired)
    if live is None:
        return Step(Action.CREATE, key, desired, None, "absent")
    if is_subset(desired, live):
        return Step(Action.UNCHANGED, key, desired, live, "up to date")
    frozen = immutable_change(desired, live)
    if frozen and desired["kind"] not in NEVER_RECREATE:
        return Step(Action.RECREATE, key, desired, live, f"{frozen} cannot change in place")
    return Step(Action.UPDATE, key, desired, live, "differs")


def plan(
    desired: Iterable[Mapping[str, Any]],
    live: Iterable[Mapping[str, Any]],
    composition: str,
    *,
    prune_volumes: bool = False,
) -> Plan:
    """Steps for every desired object (stamped, in the given order), prunes, and ownership problems.

    ``live`` is every object of the managed kinds in the namespace (owned by anyone).
    """
    live_by_key = {key_of(obj): dict(obj) for obj in live}
    steps: list[Step] = []
    problems: list[str] = []
    wanted: set[Key] = set()
    for obj in desired:
        stamped = stamp(obj)
        key = key_of(stamped)
        wanted.add(key)
        current = live_by_key.get(key)
        if current is not None and not is_owned(current, composition):
            problems.append(
                f"{key[1]} {key[2]}/{key[3]} already exists and is not owned by composition {composition!r}; "
                "rename the service or delete that object"
            )
            continue
        step = _step_for(stamped, current)
        if step.action is Action.UPDATE and step.kind in NEVER_RECREATE and immutable_change(stamped, current or {}):
            problems.append(
                f"{step.kind} {key[2]}/{key[3]}: {immutable_change(stamped, current or {})} cannot change; "
                "delete the volume first (dockyard down --volumes) to change it"
            )
        steps.append(step)
    prunes = tuple(
        Step(Action.PRUNE, key, None, obj, "no longer in the composition")
        for key, obj in sorted(live_by_key.items())
        if key not in wanted
        and is_owned(obj, composition)
        and (prune_volumes or key[1] != "PersistentVolumeClaim")
        and not (obj.get("metadata") or {}).get("ownerReferences")
    )
    return Plan(tuple(steps), prunes, tuple(problems))
