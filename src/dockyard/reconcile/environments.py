"""Environments: a namespace ``env-NAME`` with its env-level config (ConfigMap ``env-config``) and secrets
(Secret ``env-secret``), plus the random key of the config digest.

Config and secret values are variables the compose files interpolate, so keys follow compose's variable
syntax. Every name and key is checked before the first request. Secret values are written and read here
but never returned to a caller that prints: ``secret_keys`` lists keys only.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dockyard.errors import NotFoundError, TerminalError
from dockyard.manifests.result import LABEL_ENVIRONMENT, LABEL_MANAGED_BY
from dockyard.reconcile.client import Client
from dockyard.reconcile.digest import DIGEST_KEY_FIELD, DIGEST_KEY_SECRET, decode_secret_data, new_digest_key

ENV_CONFIG = "env-config"
ENV_SECRET = "env-secret"
_ENV_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

__all__ = [
    "ENV_CONFIG",
    "ENV_SECRET",
    "EnvironmentState",
    "EnvironmentSummary",
    "InvalidName",
    "check_env_name",
    "check_key",
    "create",
    "delete",
    "ensure_digest_key",
    "list_environments",
    "namespace_of",
    "read",
    "read_config",
    "require",
    "secret_keys",
    "set_config",
    "set_secret",
    "unset_config",
    "unset_secret",
]


class InvalidName(TerminalError):
    """A name or key that Kubernetes or compose would reject."""


def check_env_name(name: str) -> str:
    if not _ENV_NAME.match(name) or len(name) > 59:
        raise InvalidName(
            f"invalid environment name {name!r}: use at most 59 lowercase letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return name


def check_key(key: str, what: str = "key") -> str:
    if not _KEY.match(key):
        raise InvalidName(f"invalid {what} {key!r}: use letters, digits and '_', not starting with a digit")
    return key


def namespace_of(env: str) -> str:
    return f"env-{env}"


def _labels(env: str) -> dict[str, str]:
    return {LABEL_MANAGED_BY: "dockyard", LABEL_ENVIRONMENT: env}


def _meta(name: str, env: str) -> dict:
    return {"name": name, "namespace": namespace_of(env), "labels": _labels(env)}


def create(client: Client, env: str) -> None:
    """Create (or complete) an environment; running it again changes nothing."""
    check_env_name(env)
    ns = namespace_of(env)
    client.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": _labels(env)}})
    for kind, name in (("ConfigMap", ENV_CONFIG), ("Secret", ENV_SECRET)):
        if client.get("v1", kind, name, ns) is None:
            client.apply({"apiVersion": "v1", "kind": kind, "metadata": _meta(name, env)})
    ensure_digest_key(client, env)


def ensure_digest_key(client: Client, env: str) -> bytes:
    """The environment's digest key, created once (rotating it would roll every service)."""
    ns = namespace_of(env)
    live = client.get("v1", "Secret", DIGEST_KEY_SECRET, ns)
    data = (live or {}).get("data") or {}
    if DIGEST_KEY_FIELD in data:
        return base64.b64decode(data[DIGEST_KEY_FIELD])
    key = new_digest_key()
    client.apply({"apiVersion": "v1", "kind": "Secret", "metadata": _meta(DIGEST_KEY_SECRET, env), "type": "Opaque",
                  "data": {DIGEST_KEY_FIELD: base64.b64encode(key).decode()}})
    return key


def require(client: Client, env: str) -> str:
    """The namespace of environment ``env``; a clear error (with the command that creates it) when absent."""
    ns = namespace_of(check_env_name(env))
    if client.get("v1", "Namespace", ns) is None:
        raise TerminalError(f"environment {env!r} does not exist (no namespace {ns}); run: dockyard env create {env}")
    return ns


def _patch_data(client: Client, kind: str, name: str, env: str, data: Mapping[str, str | None]) -> None:
    ns = require(client, env)
    if client.get("v1", kind, name, ns) is None:
        client.apply({"apiVersion": "v1", "kind": kind, "metadata": _meta(name, env)})
    client.merge_patch("v1", kind, name, ns, {"data": dict(data)})


def set_config(client: Client, env: str, values: Mapping[str, str]) -> None:
    for key in values:
        check_key(key, "config key")
    _patch_data(client, "ConfigMap", ENV_CONFIG, env, values)


def unset_config(client: Client, env: str, keys: Iterable[str]) -> list[str]:
    """Remove keys; returns the keys that were not set."""
    keys = [check_key(k, "config key") for k in keys]
    present = read_config(client, env)
    _patch_data(client, "ConfigMap", ENV_CONFIG, env, {k: None for k in keys})
    return [k for k in keys if k not in present]


def read_config(client: Client, env: str) -> dict[str, str]:
    live = client.get("v1", "ConfigMap", ENV_CONFIG, require(client, env))
    return dict((live or {}).get("data") or {})


def set_secret(client: Client, env: str, key: str, value: str) -> None:
    check_key(key, "secret key")
    _patch_data(client, "Secret", ENV_SECRET, env, {key: base64.b64encode(value.encode()).decode()})


def unset_secret(client: Client, env: str, keys: Iterable[str]) -> list[str]:
    keys = [check_key(k, "secret key") for k in keys]
    present = secret_keys(client, env)
    _patch_data(client, "Secret", ENV_SECRET, env, {k: None for k in keys})
    return [k for k in keys if k not in present]


def secret_keys(client: Client, env: str) -> list[str]:
    live = client.get("v1", "Secret", ENV_SECRET, require(client, env))
    return sorted(((live or {}).get("data") or {}).keys())


@dataclass(frozen=True, slots=True)
class EnvironmentState:
    """What the engine reads from an environment before rendering (secret values stay in memory)."""

    name: str
    config: Mapping[str, str] = field(default_factory=dict)
    secret: Mapping[str, str] = field(default_factory=dict, repr=False)
    digest_key: bytes = field(default=b"", repr=False)


def read(client: Client, env: str, *, create_key: bool = True) -> EnvironmentState:
    """The environment's values; ``create_key=False`` never writes (a missing digest key reads as empty)."""
    ns = require(client, env)
    config = client.get("v1", "ConfigMap", ENV_CONFIG, ns)
    secret = client.get("v1", "Secret", ENV_SECRET, ns)
    if create_key:
        key = ensure_digest_key(client, env)
    else:
        stored = ((client.get("v1", "Secret", DIGEST_KEY_SECRET, ns) or {}).get("data") or {}).get(DIGEST_KEY_FIELD)
        key = base64.b64decode(stored) if stored else b""
    return EnvironmentState(env, dict((config or {}).get("data") or {}), decode_secret_data(secret), key)


@dataclass(frozen=True, slots=True)
class EnvironmentSummary:
    name: str
    namespace: str
    compositions: int
    ready: int
    total: int
    phase: str


def list_environments(client: Client) -> list[EnvironmentSummary]:
    out = []
    for ns in client.list("v1", "Namespace", labels={LABEL_ENVIRONMENT: None}):
        meta = ns.get("metadata") or {}
        env = (meta.get("labels") or {}).get(LABEL_ENVIRONMENT, "")
        try:
            compositions = client.list("dockyard.dev/v1alpha1", "Composition", meta["name"])
        except NotFoundError:  # the Composition CRD is not installed yet
            compositions = []
        ready = total = 0
        for composition in compositions:
            for service in (composition.get("status") or {}).get("services") or []:
                total += 1
                ready += service.get("state") in ("ready", "stopped")
        phase = (ns.get("status") or {}).get("phase", "Active")
        out.append(EnvironmentSummary(env, meta["name"], len(compositions), ready, total, phase))
    return sorted(out, key=lambda e: e.name)


def delete(client: Client, env: str) -> bool:
    check_env_name(env)
    return client.delete("v1", "Namespace", namespace_of(env))
