"""Placeholder replaced below."""
from __future__ import annotations
import asyncio
import datetime
import random
import string
from typing import Any

from tests.emulator import store as store_module


def make_event(st: store_module.Store, involved: dict[str, Any], reason: str, message: str, type: str = "Warning",
               component: str = "kubelet") -> dict[str, Any]:
    meta = involved.get("metadata") or {}
    namespace = meta.get("namespace") or "default"
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    name = f"{meta.get('name')}.{''.join(random.choices('0123456789abcdef', k=16))}"
    event = {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": {"apiVersion": involved.get("apiVersion"), "kind": involved.get("kind"),
                           "name": meta.get("name"), "namespace": namespace, "uid": meta.get("uid"),
                           "resourceVersion": meta.get("resourceVersion")},
        "reason": reason, "message": message, "type": type,
        "source": {"component": component}, "reportingComponent": component, "reportingInstance": "",
        "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1,
    }
    rt = st.registry.get("", "v1", "events")
    assert rt is not None
    return st.create(rt, namespace, event, component)


class Simulator:
    def __init__(self, st: store_module.Store) -> None:
        self.store = st
        self.enabled = False

    async def wait_idle(self, timeout: float) -> None:
        await asyncio.sleep(0)
