"""Compose names → Kubernetes names.

Compose accepts names such as ``Front_End.v2``; Kubernetes wants DNS-1035 labels for Services
(lowercase, ``[a-z]([-a-z0-9]*[a-z0-9])?``, at most 63 characters). Every object name dockyard
derives goes through ``dns_label`` so the same compose input always yields the same names;
names that are too long keep a readable prefix and get a stable hash suffix.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

DNS_LABEL_MAX = 63
_INVALID = re.compile(r"[^a-z0-9-]+")
_DASHES = re.compile(r"-{2,}")
DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_NOT_CONFIG_KEY = re.compile(r"[^-._a-zA-Z0-9]")


@lru_cache(maxsize=8192)  # mount targets and paths repeat from service to service
def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


@lru_cache(maxsize=8192)
def dns_label(name: str, *, limit: int = DNS_LABEL_MAX, prefix_if_digit: str = "s") -> str:
    """``Front_End.v2`` → ``front-end-v2``; over ``limit`` → ``<prefix>-<hash of the original>``."""
    label = _DASHES.sub("-", _INVALID.sub("-", name.lower().replace("_", "-").replace(".", "-"))).strip("-")
    if not label:
        label = "x-" + short_hash(name)
    if not label[0].isalpha():
        label = f"{prefix_if_digit}-{label}"
    if len(label) > limit:
        suffix = short_hash(name)
        label = label[: limit - len(suffix) - 1].rstrip("-") + "-" + suffix
    return label


def joined(*parts: str, limit: int = DNS_LABEL_MAX) -> str:
    """A DNS label made of several parts, shortened as a whole: ``joined("web", "etc/nginx")``."""
    text = "-".join(parts)
    # a keyword argument makes every lru_cache hit of dns_label build a longer key (several per service)
    return dns_label(text) if limit == DNS_LABEL_MAX else dns_label(text, limit=limit)


def is_dns_1035(name: str) -> bool:
    return len(name) <= DNS_LABEL_MAX and bool(DNS_1035.fullmatch(name))


def is_env_name(name: str) -> bool:
    """An environment name: its namespace ``env-NAME`` must be a DNS label (so at most 59 characters)."""
    return len(name) <= DNS_LABEL_MAX - len("env-") and bool(_DNS_LABEL_PART.fullmatch(name))


def is_dns_subdomain(name: str) -> bool:
    """What Kubernetes accepts as the name of a ConfigMap, Secret or PersistentVolumeClaim."""
    return len(name) <= 253 and all(_DNS_LABEL_PART.fullmatch(part) for part in name.split("."))


_DNS_LABEL_PART = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")


@lru_cache(maxsize=8192)  # the same file names come back on every service that mounts them
def config_key(text: str) -> str:
    """A valid ConfigMap/Secret data key for a file name or relative path (``a/b.conf`` → ``a__b.conf``)."""
    key = _NOT_CONFIG_KEY.sub("_", text.replace("/", "__"))
    return key if key not in ("", ".", "..") else "_" + short_hash(text)


def find_collisions(names: Iterable[tuple[str, str]]) -> tuple[str, str, str] | None:
    """Given (original, normalised) pairs, the first two originals that normalise alike."""
    seen: dict[str, str] = {}
    for original, normalised in names:
        other = seen.get(normalised)
        if other is not None and other != original:
            return other, original, normalised
        seen[normalised] = original
    return None
