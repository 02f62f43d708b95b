"""What the API server does to an object between decoding and storing: defaulting, validation, immutability.

Only the rules dockyard's code can observe are here (the common defaults that make a naive
"desired == live" comparison fail like it does against a real cluster, allocated cluster IPs,
immutable fields that force delete+create). Tables are keyed by (group, plural).
"""

from __future__ import annotations

import base64
import ipaddress
import itertools
import re
from collections.abc import Callable
from typing import Any

from tests.emulator import errors

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAMES = {("", "namespaces"), ("", "services")}


def validate_name(group: str, plural: str, kind: str, name: str) -> None:
    label = (group, plural) in LABEL_NAMES
    pattern, limit = (DNS_LABEL, 63) if label else (DNS_SUBDOMAIN, 253)
    if plural == "events" or (group, plural) in {("rbac.authorization.k8s.io", p) for p in
                                                 ("roles", "rolebindings", "clusterroles", "clusterrolebindings")}:
        return
    if not pattern.match(name) or len(name) > limit:
        what = "RFC 1123 label" if label else "RFC 1123 subdomain"
        raise errors.invalid(kind, name, [("metadata.name", f'Invalid value: "{name}": a lowercase {what} must '
                                           "consist of lower case alphanumeric characters, '-' or '.', and must "
                                           "start and end with an alphanumeric character")], group)


_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def validate_metadata(kind: str, group: str, obj: dict[str, Any]) -> None:
    meta = obj.get("metadata") or {}
    name = meta.get("name", "")
    causes = []
    for key, value in (meta.get("labels") or {}).items():
        if not _LABEL_KEY.match(key):
            causes.append(("metadata.labels", f'Invalid value: "{key}": name part must consist of alphanumeric '
                                                "characters, '-', '_' or '.'"))
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            causes.append(("metadata.labels", f'Invalid value: "{value}": a valid label must be an empty string '
                                                "or consist of alphanumeric characters, '-', '_' or '.'"))
    for value in (meta.get("annotations") or {}).values():
        if not isinstance(value, str):
            causes.append(("metadata.annotations", f"Invalid value: {value!r}: must be a string"))
    if causes:
        raise errors.invalid(kind, name, causes, group)


# --- defaulting ----------------------------------------------------------------------------------

def _image_pull_policy(image: str) -> str:
    last = image.rsplit("/", 1)[-1]
    if "@" in last:
        return "IfNotPresent"
    tag = last.split(":", 1)[1] if ":" in last else "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _default_probe(probe: dict[str, Any] | None) -> None:
    if isinstance(probe, dict):
        for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                           ("failureThreshold", 3)):
            probe.setdefault(key, value)
        http = probe.get("httpGet")
        if isinstance(http, dict):
            http.setdefault("scheme", "HTTP")
            http.setdefault("path", "/")


def _default_container(container: dict[str, Any]) -> None:
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("imagePullPolicy", _image_pull_policy(str(container.get("image", ""))))
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(container.get(probe))
    for env in container.get("env") or []:
        ref = (env.get("valueFrom") or {}).get("fieldRef") if isinstance(env, dict) else None
        if isinstance(ref, dict):
            ref.setdefault("apiVersion", "v1")


def default_pod_spec(spec: dict[str, Any] | None, restart_policy: str = "Always") -> None:
    if not isinstance(spec, dict):
        return
    spec.setdefault("restartPolicy", restart_policy)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if isinstance(container, dict):
            _default_container(container)
    for volume in spec.get("volumes") or []:
        for source in ("configMap", "secret"):
            if isinstance(volume, dict) and isinstance(volume.get(source), dict):
                volume[source].setdefault("defaultMode", 420)


def _template_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    return (((obj.get("spec") or {}).get("template") or {}).get("spec"))


def _deployment(obj: dict[str, Any], ctx: "Context") -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxSurge", "25%")
        rolling.setdefault("maxUnavailable", "25%")
    default_pod_spec(_template_spec(obj))


def _replicaset(obj: dict[str, Any], ctx: "Context") -> None:
    obj.setdefault("spec", {}).setdefault("replicas", 1)
    default_pod_spec(_template_spec(obj))


def _statefulset(obj: dict[str, Any], ctx: "Context") -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
    for claim in spec.get("volumeClaimTemplates") or []:
        if isinstance(claim, dict):
            claim.setdefault("apiVersion", "v1")
            claim.setdefault("kind", "PersistentVolumeClaim")
            claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
    default_pod_spec(_template_spec(obj))


def _daemonset(obj: dict[str, Any], ctx: "Context") -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("updateStrategy", {"type": "RollingUpdate",
                                       "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}})
    default_pod_spec(_template_spec(obj))


def _job_spec(spec: dict[str, Any], uid: str | None) -> None:
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completions", 1)
    spec.setdefault("parallelism", 1)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    template = spec.setdefault("template", {})
    if uid and not spec.get("manualSelector"):
        labels = template.setdefault("metadata", {}).setdefault("labels", {})
        labels.setdefault("batch.kubernetes.io/controller-uid", uid)
        labels.setdefault("controller-uid", uid)
        spec.setdefault("selector", {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}})
    default_pod_spec(template.get("spec"), restart_policy="Never")


def _job(obj: dict[str, Any], ctx: "Context") -> None:
    uid = (obj.get("metadata") or {}).get("uid")
    spec = obj.setdefault("spec", {})
    _job_spec(spec, uid)
    name = obj["metadata"].get("name")
    if name:
        labels = spec["template"].setdefault("metadata", {}).setdefault("labels", {})
        labels.setdefault("batch.kubernetes.io/job-name", name)
        labels.setdefault("job-name", name)


def _cronjob(obj: dict[str, Any], ctx: "Context") -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_spec = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
    job_spec.setdefault("backoffLimit", 6)
    job_spec.setdefault("completionMode", "NonIndexed")
    job_spec.setdefault("suspend", False)
    default_pod_spec((job_spec.get("template") or {}).get("spec"), restart_policy="Never")


def _pod(obj: dict[str, Any], ctx: "Context") -> None:
    default_pod_spec(obj.setdefault("spec", {}))
    spec = obj["spec"]
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("priority", 0)
    status = obj.setdefault("status", {})
    status.setdefault("phase", "Pending")
    status.setdefault("qosClass", "BestEffort")


def _service(obj: dict[str, Any], ctx: "Context") -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    if spec["type"] == "ExternalName":       # dropTypeDependentFields: what only other types use goes away
        for field in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy",
                      "sessionAffinity"):
            spec.pop(field, None)
    if spec["type"] in ("ClusterIP", "ExternalName"):
        for port in spec.get("ports") or []:
            if isinstance(port, dict):
                port.pop("nodePort", None)
        spec.pop("externalTrafficPolicy", None)
    if spec["type"] != "ExternalName":
        spec.setdefault("sessionAffinity", "None")
        spec.setdefault("internalTrafficPolicy", "Cluster")
        if spec.get("clusterIP") is None:
            spec["clusterIP"] = ctx.allocate_ip()
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        if spec["clusterIP"] != "None":
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if spec["type"] != "ExternalName":
                port.setdefault("targetPort", port.get("port"))
            if spec["type"] in ("NodePort", "LoadBalancer"):
                port.setdefault("nodePort", ctx.allocate_node_port())
    obj.setdefault("status", {}).setdefault("loadBalancer", {})


def _secret(obj: dict[str, Any], ctx: "Context") -> None:
    obj.setdefault("type", "Opaque")
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict):
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def _pvc(obj: dict[str, Any], ctx: "Context") -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("volumeMode", "Filesystem")
    if "storageClassName" not in spec and not (obj.get("metadata") or {}).get("resourceVersion"):
        spec["storageClassName"] = "standard"     # the DefaultStorageClass admission plugin, at creation only
    obj.setdefault("status", {}).setdefault("phase", "Pending")


def _namespace(obj: dict[str, Any], ctx: "Context") -> None:
    meta = obj.setdefault("metadata", {})
    meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta.get("name", "")
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")


def _event(obj: dict[str, Any], ctx: "Context") -> None:
    obj.setdefault("type", "Normal")
    obj.setdefault("count", 1) if obj.get("series") is None else None


DEFAULTERS: dict[tuple[str, str], Callable[[dict[str, Any], "Context"], None]] = {
    ("apps", "deployments"): _deployment,
    ("apps", "replicasets"): _replicaset,
    ("apps", "statefulsets"): _statefulset,
    ("apps", "daemonsets"): _daemonset,
    ("batch", "jobs"): _job,
    ("batch", "cronjobs"): _cronjob,
    ("", "pods"): _pod,
    ("", "services"): _service,
    ("", "secrets"): _secret,
    ("", "persistentvolumeclaims"): _pvc,
    ("", "namespaces"): _namespace,
    ("", "events"): _event,
}


class Context:
    """Cluster-wide allocators the defaulting needs."""

    def __init__(self) -> None:
        self._ips = (str(ipaddress.IPv4Address("10.96.0.10") + n) for n in itertools.count())
        self._node_ports = itertools.count(30000)

    def allocate_ip(self) -> str:
        return next(self._ips)

    def allocate_node_port(self) -> int:
        return next(self._node_ports)


def apply_defaults(key: tuple[str, str], obj: dict[str, Any], ctx: Context) -> None:
    defaulter = DEFAULTERS.get(key)
    if defaulter is not None:
        defaulter(obj, ctx)


# Status fields Go serializes even when zero (no omitempty): a fresh object's status shows them.
INITIAL_STATUS: dict[tuple[str, str], dict[str, Any]] = {
    ("apps", "daemonsets"): {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0,
                             "numberReady": 0},
    ("apps", "replicasets"): {"replicas": 0},
    ("apps", "statefulsets"): {"replicas": 0, "availableReplicas": 0},
    ("autoscaling", "horizontalpodautoscalers"): {"currentReplicas": 0, "desiredReplicas": 0},
    ("policy", "poddisruptionbudgets"): {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0,
                                         "expectedPods": 0},
}


def initial_status(key: tuple[str, str]) -> dict[str, Any]:
    return dict(INITIAL_STATUS.get(key, {}))


# --- immutability ------------------------------------------------------------------------------------

def _get(obj: dict[str, Any], dotted: str) -> Any:
    node: Any = obj
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


IMMUTABLE: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps", "deployments"): ("spec.selector",),
    ("apps", "replicasets"): ("spec.selector",),
    ("apps", "daemonsets"): ("spec.selector",),
    ("apps", "statefulsets"): ("spec.selector", "spec.serviceName", "spec.volumeClaimTemplates",
                               "spec.podManagementPolicy"),
    ("batch", "jobs"): ("spec.selector", "spec.template", "spec.completions", "spec.completionMode"),
    ("", "persistentvolumeclaims"): ("spec.accessModes", "spec.storageClassName", "spec.volumeName",
                                     "spec.volumeMode", "spec.selector"),
    ("", "secrets"): ("type",),
}


CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
IANA_SVC_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
MAX_CONFIG_BYTES = 1024 * 1024
MAX_ANNOTATION_BYTES = 256 * 1024
WORKLOADS = {("apps", "deployments"), ("apps", "replicasets"), ("apps", "daemonsets"), ("apps", "statefulsets")}


def _pod_spec_causes(spec: dict[str, Any], prefix: str) -> list[tuple[str, str]]:
    causes: list[tuple[str, str]] = []
    seen: set[str] = set()
    for n, container in enumerate(spec.get("containers") or []):
        if not isinstance(container, dict):
            continue
        where = f"{prefix}.containers[{n}]"
        cname = container.get("name", "")
        if not DNS_LABEL.match(cname or ""):
            causes.append((f"{where}.name", f'Invalid value: "{cname}": a lowercase RFC 1123 label must consist of '
                                             "lower case alphanumeric characters or '-'"))
        elif cname in seen:
            causes.append((f"{where}.name", f'Duplicate value: "{cname}"'))
        seen.add(cname)
        if not container.get("image"):
            causes.append((f"{where}.image", "Required value"))
        for p, port in enumerate(container.get("ports") or []):
            pname = port.get("name") if isinstance(port, dict) else None
            if pname is not None and (len(pname) > 15 or not IANA_SVC_NAME.match(pname)):
                causes.append((f"{where}.ports[{p}].name", f'Invalid value: "{pname}": must be no more than 15 '
                                                            "characters"))
    return causes


def validate(key: tuple[str, str], kind: str, obj: dict[str, Any]) -> None:
    """Create/update validation the code under test can trip over (422 Invalid, like the real server)."""
    name = (obj.get("metadata") or {}).get("name", "")
    causes: list[tuple[str, str]] = []
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if sum(len(k) + len(str(v)) for k, v in annotations.items()) > MAX_ANNOTATION_BYTES:
        causes.append(("metadata.annotations", f"Too long: must have at most {MAX_ANNOTATION_BYTES} bytes"))
    if key == ("batch", "jobs"):
        value = _get(obj, "spec.template.spec.restartPolicy")
        if value not in ("OnFailure", "Never"):
            causes.append(("spec.template.spec.restartPolicy",
                           f'Unsupported value: "{value}": supported values: "OnFailure", "Never"'))
    if key in WORKLOADS or key == ("batch", "jobs"):
        causes += _pod_spec_causes(_get(obj, "spec.template.spec") or {}, "spec.template.spec")
    if key == ("", "pods"):
        causes += _pod_spec_causes(obj.get("spec") or {}, "spec")
    if key in WORKLOADS:
        selector = _get(obj, "spec.selector.matchLabels") or {}
        labels = _get(obj, "spec.template.metadata.labels") or {}
        if not selector and not _get(obj, "spec.selector.matchExpressions"):
            causes.append(("spec.selector", "Required value"))
        elif any(labels.get(k) != v for k, v in selector.items()):
            causes.append(("spec.template.metadata.labels",
                           f"Invalid value: {labels!r}: `selector` does not match template `labels`"))
    if key in (("", "configmaps"), ("", "secrets")):
        data = {**(obj.get("data") or {}), **(obj.get("binaryData") or {})}
        for data_key in data:
            if not CONFIG_KEY.match(data_key):
                causes.append((f"data[{data_key}]", f'Invalid value: "{data_key}": a valid config key must consist '
                                                     "of alphanumeric characters, '-', '_' or '.'"))
        if sum(len(k) + len(str(v)) for k, v in data.items()) > MAX_CONFIG_BYTES:
            causes.append(("data" if key[1] == "secrets" else "", f"Too long: must have at most {MAX_CONFIG_BYTES} "
                                                                  "bytes"))
    if key == ("", "secrets"):
        for data_key, value in (obj.get("data") or {}).items():
            try:
                base64.b64decode(str(value), validate=True)
            except ValueError:
                raise errors.bad_request(f"Secret in version \"v1\" cannot be handled as a Secret: illegal base64 "
                                         f"data at input byte 0 (data[{data_key}])") from None
    if key == ("", "services"):
        ports = _get(obj, "spec.ports") or []
        if len(ports) > 1:
            for p, port in enumerate(ports):
                if isinstance(port, dict) and not port.get("name"):
                    causes.append((f"spec.ports[{p}].name", "Required value"))
    if causes:
        raise errors.invalid(kind, name, causes, key[0])


SET_ONCE = {"spec.volumeName"}


def check_update(key: tuple[str, str], kind: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    name = (new.get("metadata") or {}).get("name", "")
    group = key[0]
    causes = []
    for path in IMMUTABLE.get(key, ()):
        if path in SET_ONCE and _get(old, path) is None:
            continue
        if _get(old, path) != _get(new, path):
            causes.append((path, f"Invalid value: {_get(new, path)!r}: field is immutable"))
    if key == ("", "services"):
        old_ip, new_ip = _get(old, "spec.clusterIP"), _get(new, "spec.clusterIP")
        if old_ip and new_ip != old_ip and _get(new, "spec.type") != "ExternalName":
            causes.append(("spec.clusterIPs[0]", f"Invalid value: []string{{\"{new_ip}\"}}: may not change once set"))
    if key in (("", "configmaps"), ("", "secrets")) and old.get("immutable"):
        for field in ("data", "binaryData", "immutable"):
            if old.get(field) != new.get(field):
                causes.append((field, "Forbidden: field is immutable when `immutable` is set"))
    if causes:
        raise errors.invalid(kind, name, causes, group)


# --- decoding into the typed API (unknown fields are dropped, wrong types are 400) -------------------

_MODELS: dict[tuple[str, str, str], Any] = {}


def _model(group: str, version: str, kind: str) -> Any:
    key = (group, version, kind)
    if key not in _MODELS:
        module = "core" if not group else group.removesuffix(".k8s.io").replace(".", "_")
        try:
            import importlib
            _MODELS[key] = getattr(importlib.import_module(f"lightkube.resources.{module}_{version}"), kind)
        except (ImportError, AttributeError):
            _MODELS[key] = None
    return _MODELS[key]


def decode(group: str, version: str, kind: str, obj: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The object as the server's typed decoding leaves it, and the unknown fields it dropped."""
    model = _model(group, version, kind)
    if model is None:
        return obj, []
    try:
        decoded = model.from_dict(obj).to_dict()
    except Exception as e:   # msgspec validation errors: wrong JSON types
        raise errors.bad_request(f'{kind} in version "{version}" cannot be handled as a {kind}: {e}') from None
    dropped: list[str] = []
    _diff_keys(obj, decoded, "", dropped)
    return decoded, dropped


def _diff_keys(before: Any, after: Any, path: str, dropped: list[str]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key, value in before.items():
            where = f"{path}.{key}" if path else key
            if key not in after:
                if value is not None:
                    dropped.append(where)
            else:
                _diff_keys(value, after[key], where, dropped)
    elif isinstance(before, list) and isinstance(after, list):
        for n, (b, a) in enumerate(zip(before, after)):
            _diff_keys(b, a, f"{path}[{n}]", dropped)
