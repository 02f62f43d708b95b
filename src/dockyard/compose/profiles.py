"""Profiles: which services are enabled (compose-go ``Project.WithProfiles``).

A service without ``profiles`` is always enabled; one with profiles is enabled when one of them is
active, or when ``*`` is active. The active set comes from ``--profile`` or ``COMPOSE_PROFILES``.
"""

from __future__ import annotations

from collections.abc import Iterable


def is_enabled(service: dict, active: Iterable[str]) -> bool:
    profiles = service.get("profiles") or []
    if not profiles:
        return True
    active = set(active)
    return "*" in active or any(p in active for p in profiles)


def split_by_profiles(services: dict, active: Iterable[str]) -> tuple[dict, dict]:
    """(enabled, disabled) services, each keeping the input order."""
    active = tuple(active)
    enabled, disabled = {}, {}
    for name, service in services.items():
        (enabled if is_enabled(service or {}, active) else disabled)[name] = service
    return enabled, disabled


def all_profiles(services: dict) -> list[str]:
    """Every profile named by any service, sorted (``docker compose config --profiles``)."""
    return sorted({p for s in services.values() for p in ((s or {}).get("profiles") or [])})
