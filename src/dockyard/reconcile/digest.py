"""The pod-template annotation that rolls exactly the services whose env-level values changed.

A service's rendered spec references env-config and env-secret keys (``ServiceRender.config_keys`` /
``secret_keys``). Kubernetes does not restart pods when a referenced ConfigMap or Secret changes, so the
engine puts a digest of the referenced values into the pod template (``dockyard.dev/config-digest``):
a value change changes the template, and only referencing services roll.

The digest is an HMAC-SHA256 keyed with a random per-environment key kept in the Secret
``DIGEST_KEY_SECRET``. Without the key, a digest cannot be used to test guesses of a secret value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

DIGEST_KEY_SECRET = "dockyard-digest-key"
DIGEST_KEY_FIELD = "key"

__all__ = [
    "DIGEST_KEY_FIELD",
    "DIGEST_KEY_SECRET",
    "config_digest",
    "decode_secret_data",
    "new_digest_key",
    "object_digest",
]


def new_digest_key() -> bytes:
    return secrets.token_bytes(32)


def config_digest(
    key: bytes,
    config: Mapping[str, str],
    secret: Mapping[str, str],
    config_keys: frozenset[str] | set[str],
    secret_keys: frozenset[str] | set[str],
    shipped_secrets: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """Keyed digest of the referenced values; a missing key digests differently from an empty value.

    ``shipped_secrets``: the data of the compose secrets dockyard renders and the pod mounts (by
    Secret name), so a changed secret file rolls the pods without an unkeyed hash of it anywhere.
    """
    material: dict = {
        "config": {k: config.get(k) for k in sorted(config_keys)},
        "secret": {k: secret.get(k) for k in sorted(secret_keys)},
    }
    if shipped_secrets:
        material["shipped"] = dict(shipped_secrets)
    payload = json.dumps(material, sort_keys=True, separators=(",", ":")).encode()
    return "hmac-sha256:" + hmac.new(key, payload, hashlib.sha256).hexdigest()[:32]


def object_digest(obj: Mapping) -> str:
    """Plain digest of a desired object (stored on it, so 'unchanged since last apply' is one comparison)."""
    payload = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(payload).hexdigest()[:32]


def decode_secret_data(secret: Mapping | None) -> dict[str, str]:
    """A Secret's ``data`` decoded to text (values stay in memory; never printed)."""
    if not secret:
        return {}
    data = {k: base64.b64decode(v).decode("utf-8", "replace") for k, v in (secret.get("data") or {}).items()}
    data.update(secret.get("stringData") or {})
    return data
