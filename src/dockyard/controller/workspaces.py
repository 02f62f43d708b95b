"""The kopf handlers for Workspaces: thin declarations around ``reconcile.workspaces``.

Create, spec update, resume and a periodic timer all run the same level-based reconcile (the timer keeps
the status's reachable services current as the connected environment gains or loses Services). The
reconcile is synchronous (the CLI's ``--local`` runs it too), so it runs in the controller's thread
pool with its engine client (field manager ``dockyard``). Deleting a Workspace removes its workload
and keeps its home volume. Errors become kopf's retry policy in ``errors.kopf_errors``.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from typing import Any

import kopf

from dockyard.controller.errors import kopf_errors
from dockyard.controller.run import ControllerState

GROUP = "dockyard.dev"
VERSION = "v1alpha1"
PLURAL = "workspaces"

__all__ = ["register"]


async def _in_pool(state: ControllerState, fn, *args: Any, **kwargs: Any) -> Any:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(state.executor, functools.partial(fn, *args, **kwargs))


async def _reconcile(state: ControllerState, name: str, namespace: str, spec: Mapping[str, Any],
                     meta: Mapping[str, Any], status: Mapping[str, Any]) -> None:
    from dockyard.reconcile import workspaces

    with kopf_errors():
        await _in_pool(state, workspaces.reconcile, state.client, name, namespace, dict(spec),
                       meta.get("generation"), previous=dict(status or {}))


def register(registry: kopf.OperatorRegistry, *, resync: float = 60.0) -> kopf.OperatorRegistry:
    workspace = dict(group=GROUP, version=VERSION, plural=PLURAL, registry=registry)

    @kopf.on.create(**workspace)
    @kopf.on.update(**workspace, field="spec")
    @kopf.on.resume(**workspace)
    async def workspace_changed(name: str, namespace: str, spec, meta, status, memo: kopf.Memo, **_: Any) -> None:
        await _reconcile(memo.state, name, namespace, spec, meta, status)

    @kopf.timer(**workspace, interval=resync, initial_delay=resync, idle=resync / 2)
    async def workspace_resync(name: str, namespace: str, spec, meta, status, memo: kopf.Memo, **_: Any) -> None:
        await _reconcile(memo.state, name, namespace, spec, meta, status)

    @kopf.on.delete(**workspace)
    async def workspace_deleted(name: str, namespace: str, memo: kopf.Memo, **_: Any) -> None:
        from dockyard.reconcile import workspaces

        with kopf_errors():
            await _in_pool(memo.state, workspaces.delete_objects, memo.state.client, name, namespace)

    return registry
