"""The engine's only door to Kubernetes: a small ``Client`` protocol over lightkube.

Objects go in and come out as plain dicts (exactly the JSON the API server sent), so planning and
status code never touch typed models. The field manager ``dockyard`` is bound when the client is built
(controller-runtime's ``WithFieldOwner``), not passed to every call. ``KubeClient`` is the synchronous
implementation used by the CLI; ``AsyncKubeClient`` offers the same verbs as coroutines for the
controller. Every call retries retryable failures (``errors.retrying``) and raises dockyard's
``ClusterError`` family, never a lightkube or httpx exception.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from lightkube import AsyncClient as _LightkubeAsync
from lightkube import Client as _LightkubeSync
from lightkube import KubeConfig
from lightkube.core import resource as _res
from lightkube.core.resource import ApiInfo, ResourceDef
from lightkube.generic_resource import GenericGlobalResource, GenericNamespacedResource
from lightkube.types import PatchType

from dockyard.errors import ClusterError, NotFoundError
from dockyard.reconcile.errors import Backoff, aretrying, retrying

FIELD_MANAGER = "dockyard"

__all__ = [
    "FIELD_MANAGER",
    "AsyncKubeClient",
    "Client",
    "KubeClient",
    "Kind",
    "kind_of",
    "load_kubeconfig",
]


@dataclass(frozen=True, slots=True)
class Kind:
    api_version: str
    kind: str
    plural: str
    namespaced: bool = True
    has_status: bool = True


KINDS: dict[tuple[str, str], Kind] = {
    (k.api_version, k.kind): k
    for k in (
        Kind("v1", "Namespace", "namespaces", namespaced=False),
        Kind("v1", "ConfigMap", "configmaps", has_status=False),
        Kind("v1", "Secret", "secrets", has_status=False),
        Kind("v1", "Service", "services"),
        Kind("v1", "ServiceAccount", "serviceaccounts", has_status=False),
        Kind("v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
        Kind("v1", "Pod", "pods"),
        Kind("v1", "Event", "events", has_status=False),
        Kind("v1", "ResourceQuota", "resourcequotas"),
        Kind("v1", "LimitRange", "limitranges", has_status=False),
        Kind("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", namespaced=False, has_status=False),
        Kind("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", namespaced=False,
             has_status=False),
        Kind("kopf.dev/v1", "ClusterKopfPeering", "clusterkopfpeerings", namespaced=False),
        Kind("apps/v1", "Deployment", "deployments"),
        Kind("apps/v1", "StatefulSet", "statefulsets"),
        Kind("apps/v1", "DaemonSet", "daemonsets"),
        Kind("apps/v1", "ReplicaSet", "replicasets"),
        Kind("batch/v1", "Job", "jobs"),
        Kind("batch/v1", "CronJob", "cronjobs"),
        Kind("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", has_status=False),
        Kind("networking.k8s.io/v1", "Ingress", "ingresses"),
        Kind("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets"),
        Kind("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
        Kind("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", namespaced=False),
        Kind("dockyard.dev/v1alpha1", "Composition", "compositions"),
        Kind("dockyard.dev/v1alpha1", "Environment", "environments", namespaced=False),
        Kind("dockyard.dev/v1alpha1", "Workspace", "workspaces"),
    )
}


def kind_of(api_version: str, kind: str) -> Kind:
    try:
        return KINDS[(api_version, kind)]
    except KeyError:
        raise ClusterError(f"dockyard does not manage {kind} ({api_version}) objects") from None


@functools.cache
def _resource(api_version: str, kind: str, action: str | None = None) -> type:
    """A dict-shaped lightkube resource class for one kind (not registered: typed models stay untouched)."""
    info = kind_of(api_version, kind)
    group, _, version = api_version.rpartition("/")
    verbs = ["delete", "get", "global_list", "list", "patch", "post", "put", "watch", "global_watch"]
    base = GenericNamespacedResource if info.namespaced else GenericGlobalResource
    definition = ResourceDef(group, version, kind)
    if action is None:
        api_info = ApiInfo(resource=definition, plural=info.plural, verbs=verbs)
    else:
        api_info = ApiInfo(resource=definition, parent=definition, plural=info.plural, verbs=["get", "patch", "put"],
                           action=action)
        base = _res.NamespacedResourceG if info.namespaced else _res.GlobalSubResource
        base = type(f"{kind}Base", (base, dict), {"from_dict": classmethod(lambda cls, d, lazy=True: cls(d))})
    return type(kind + (action or "").capitalize(), (base,), {"_api_info": api_info})


def resource_class(api_version: str, kind: str) -> type:
    """The lightkube resource class this client uses for a kind, for a caller's own (async) client:
    the dashboard watches with it."""
    return _resource(api_version, kind)


def _plain(obj: Any) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _ref(obj: Mapping[str, Any]) -> tuple[str, str, str, str | None]:
    meta = obj.get("metadata", {})
    return obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace")


def describe(kind: str, name: str, namespace: str | None) -> str:
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def load_kubeconfig(kubeconfig: str | None = None, context: str | None = None):
    """``--kubeconfig`` wins, then ``KUBECONFIG`` / ``~/.kube/config``, then in-cluster."""
    import os

    import yaml
    from lightkube.core.exceptions import ConfigError

    path = kubeconfig or (os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")).split(os.pathsep)[0]
    try:
        if kubeconfig or os.path.exists(path):
            return KubeConfig.from_file(path).get(context)
        return KubeConfig.from_service_account().get()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise ClusterError(f"no usable Kubernetes configuration: {where}: {getattr(exc, 'problem', None) or exc}") \
            from None
    except (AttributeError, TypeError) as exc:  # valid YAML, but not shaped like a kubeconfig
        raise ClusterError(f"no usable Kubernetes configuration: {path} is not a kubeconfig ({exc})") from None
    except (ConfigError, OSError, KeyError) as exc:
        raise ClusterError(f"no usable Kubernetes configuration: {exc}") from None


class Client(Protocol):
    """What the engine needs from Kubernetes. Objects are dicts; ``None`` means absent."""

    field_manager: str

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict | None: ...

    def list(
        self, api_version: str, kind: str, namespace: str | None = None, *, labels: Mapping[str, Any] | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> list[dict]: ...

    def apply(self, obj: Mapping[str, Any], *, force: bool = False, dry_run: bool = False) -> dict: ...

    def apply_status(self, obj: Mapping[str, Any]) -> dict: ...

    def merge_patch(self, api_version: str, kind: str, name: str, namespace: str | None, patch: Mapping) -> dict: ...

    def delete(
        self, api_version: str, kind: str, name: str, namespace: str | None = None, *, dry_run: bool = False,
    ) -> bool: ...

    def events(self, namespace: str) -> list[dict]: ...

    def logs(
        self, pod: str, namespace: str, *, container: str | None = None, follow: bool = False,
        since_seconds: int | None = None, previous: bool = False, tail_lines: int | None = None,
    ) -> Iterator[str]: ...


def _tls_files(config) -> str:
    cluster, user = getattr(config, "cluster", None), getattr(config, "user", None)
    files = (getattr(cluster, "certificate_auth", None), getattr(user, "client_cert", None),
             getattr(user, "client_key", None))
    return ", ".join(str(f) for f in files if f) or "certificates"


class KubeClient:
    """The synchronous ``Client`` over ``lightkube.Client``."""

    def __init__(
        self, config=None, *, field_manager: str = FIELD_MANAGER, backoff: Backoff = Backoff(),
        timeout: float = 10.0, lightkube_client: _LightkubeSync | None = None,
    ) -> None:
        self.field_manager = field_manager
        self.backoff = backoff
        try:
            self._kube = lightkube_client or _LightkubeSync(config=config, field_manager=field_manager, timeout=timeout)
        except OSError as exc:  # ssl.SSLError too: the kubeconfig names an unreadable CA or client certificate
            raise ClusterError(f"cannot use the kubeconfig's TLS files ({_tls_files(config)}): {exc}") from None

    def close(self) -> None:
        self._kube.close()

    def _call(self, action: str, call):
        return retrying(call, action, self.backoff)

    def get(self, api_version, kind, name, namespace=None):
        res = _resource(api_version, kind)
        try:
            return _plain(self._call(f"get {describe(kind, name, namespace)}",
                                     lambda: self._kube.get(res, name, namespace=namespace)))
        except NotFoundError:
            return None

    def list(self, api_version, kind, namespace=None, *, labels=None, fields=None):
        res = _resource(api_version, kind)
        ns = namespace if namespace is not None or not kind_of(api_version, kind).namespaced else "*"
        items = self._call(
            f"list {kind} in {namespace or 'all namespaces'}",
            lambda: list(self._kube.list(res, namespace=ns, labels=labels, fields=fields)),
        )
        return [_with_kind(_plain(item), api_version, kind) for item in items]

    def apply(self, obj, *, force=False, dry_run=False):
        api_version, kind, name, namespace = _ref(obj)
        res = _resource(api_version, kind)
        return _plain(self._call(
            f"apply {describe(kind, name, namespace)}",
            lambda: self._kube.patch(res, name, dict(obj), namespace=namespace, patch_type=PatchType.APPLY,
                                     field_manager=self.field_manager, force=force, dry_run=dry_run),
        ))

    def apply_status(self, obj):
        api_version, kind, name, namespace = _ref(obj)
        res = _resource(api_version, kind, "status")
        return _plain(self._call(
            f"apply status of {describe(kind, name, namespace)}",
            lambda: self._kube.patch(res, name, dict(obj), namespace=namespace, patch_type=PatchType.APPLY,
                                     field_manager=self.field_manager, force=True),
        ))

    def merge_patch(self, api_version, kind, name, namespace, patch):
        res = _resource(api_version, kind)
        return _plain(self._call(
            f"patch {describe(kind, name, namespace)}",
            lambda: self._kube.patch(res, name, dict(patch), namespace=namespace, patch_type=PatchType.MERGE,
                                     field_manager=self.field_manager),
        ))

    def delete(self, api_version, kind, name, namespace=None, *, dry_run=False):
        res = _resource(api_version, kind)
        try:
            self._call(f"delete {describe(kind, name, namespace)}",
                       lambda: self._kube.delete(res, name, namespace=namespace, dry_run=dry_run))
        except NotFoundError:
            return False
        return True

    def events(self, namespace):
        return self.list("v1", "Event", namespace)

    def logs(self, pod, namespace, *, container=None, follow=False, since_seconds=None, previous=False,
             tail_lines=None):
        inner = self._kube._client
        request = _log_request(inner, pod, namespace, container=container, follow=follow,
                               since_seconds=since_seconds, previous=previous, tail_lines=tail_lines)

        def send():
            response = inner.send(inner.build_adapter_request(request), stream=follow)
            if response.is_error:
                response.read()
            inner.raise_for_status(response)
            return response

        response = self._call(f"read logs of Pod {namespace}/{pod}", send)
        return iter(response.iter_lines())


def _log_request(inner, pod: str, namespace: str, *, container, follow, since_seconds, previous, tail_lines):
    """The pod log request, built with lightkube's own request builder (its ``log()`` has no ``previous``)."""
    from lightkube.resources.core_v1 import PodLog

    params = {"container": container, "follow": follow or None, "sinceSeconds": since_seconds,
              "previous": previous or None, "tailLines": tail_lines}
    request = inner.prepare_request("get", PodLog, name=pod, namespace=namespace, params=params)
    if follow:  # a followed log is silent for as long as the container is
        import httpx2

        request.timeout = httpx2.Timeout(10.0, read=None)
    return request


def _with_kind(obj: dict, api_version: str, kind: str) -> dict:
    obj.setdefault("apiVersion", api_version)
    obj.setdefault("kind", kind)
    return obj


class AsyncKubeClient:
    """The same verbs as ``KubeClient``, as coroutines over ``lightkube.AsyncClient`` (for the controller)."""

    def __init__(self, config=None, *, field_manager: str = FIELD_MANAGER, backoff: Backoff = Backoff(),
                 timeout: float = 10.0, lightkube_client: _LightkubeAsync | None = None) -> None:
        self.field_manager = field_manager
        self.backoff = backoff
        self._kube = lightkube_client or _LightkubeAsync(config=config, field_manager=field_manager, timeout=timeout)

    async def close(self) -> None:
        await self._kube.close()

    async def get(self, api_version, kind, name, namespace=None):
        res = _resource(api_version, kind)
        try:
            return _plain(await aretrying(lambda: self._kube.get(res, name, namespace=namespace),
                                          f"get {describe(kind, name, namespace)}", self.backoff))
        except NotFoundError:
            return None

    async def list(self, api_version, kind, namespace=None, *, labels=None, fields=None):
        res = _resource(api_version, kind)
        ns = namespace if namespace is not None or not kind_of(api_version, kind).namespaced else "*"

        async def collect():
            return [item async for item in self._kube.list(res, namespace=ns, labels=labels, fields=fields)]

        items = await aretrying(collect, f"list {kind} in {namespace or 'all namespaces'}", self.backoff)
        return [_with_kind(_plain(item), api_version, kind) for item in items]

    async def apply(self, obj, *, force=False, dry_run=False):
        api_version, kind, name, namespace = _ref(obj)
        res = _resource(api_version, kind)
        return _plain(await aretrying(
            lambda: self._kube.patch(res, name, dict(obj), namespace=namespace, patch_type=PatchType.APPLY,
                                     field_manager=self.field_manager, force=force, dry_run=dry_run),
            f"apply {describe(kind, name, namespace)}", self.backoff))

    async def apply_status(self, obj):
        api_version, kind, name, namespace = _ref(obj)
        res = _resource(api_version, kind, "status")
        return _plain(await aretrying(
            lambda: self._kube.patch(res, name, dict(obj), namespace=namespace, patch_type=PatchType.APPLY,
                                     field_manager=self.field_manager, force=True),
            f"apply status of {describe(kind, name, namespace)}", self.backoff))

    async def merge_patch(self, api_version, kind, name, namespace, patch):
        res = _resource(api_version, kind)
        return _plain(await aretrying(
            lambda: self._kube.patch(res, name, dict(patch), namespace=namespace, patch_type=PatchType.MERGE,
                                     field_manager=self.field_manager),
            f"patch {describe(kind, name, namespace)}", self.backoff))

    async def delete(self, api_version, kind, name, namespace=None, *, dry_run=False):
        res = _resource(api_version, kind)
        try:
            await aretrying(lambda: self._kube.delete(res, name, namespace=namespace, dry_run=dry_run),
                            f"delete {describe(kind, name, namespace)}", self.backoff)
        except NotFoundError:
            return False
        return True

    async def events(self, namespace):
        return await self.list("v1", "Event", namespace)

    async def logs(self, pod, namespace, *, container=None, follow=False, since_seconds=None, previous=False,
                   tail_lines=None):
        """Lines of one container's log, as an async iterator (the request is made on first iteration)."""
        inner = self._kube._client
        request = _log_request(inner, pod, namespace, container=container, follow=follow,
                               since_seconds=since_seconds, previous=previous, tail_lines=tail_lines)

        async def send():
            response = await inner.send(inner.build_adapter_request(request), stream=follow)
            if response.is_error:
                await response.aread()
            inner.raise_for_status(response)
            return response

        response = await aretrying(send, f"read logs of Pod {namespace}/{pod}", self.backoff)
        async for line in response.aiter_lines():
            yield line
