"""dockyard vs kompose on kompose's own fixtures (``shared/oracle/kompose``, 43 verified + 10 legacy).

Every case runs: its compose input is loaded with dockyard's loader, translated, checked against
the strict Kubernetes schemas, and compared semantically with kompose's expected objects
(``kompose_compare``: per service kind, image, env, ports, Services, probes, resources, mounts,
replicas; claims by access mode and size). The differences dockyard intends are listed below with their reason; a
case passes only when the aspects that differ are exactly the listed ones (so a stale entry fails
too). Cases dockyard rejects on purpose assert the error, and when a policy is the reason they
are compared again with that policy allowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions
from dockyard.errors import PolicyError, TranslationError, ValidationError
from dockyard.manifests.render import render
from dockyard.manifests.result import Environment
from kompose_compare import differences

ORACLE = Path(__file__).resolve().parents[3] / "shared" / "oracle" / "kompose"

HEADLESS = "a service without ports still gets a (headless) Service so its name resolves (kompose #58)"
NO_FAKE_PORT = "dockyard's headless Service has no ports; kompose invents port 55555 with targetPort 0"
CMD_SHELL = "a string/CMD-SHELL healthcheck runs through /bin/sh -c; kompose passes the whole string as one argv element"
ONE_SHOT = "restart: no / on-failure runs to completion as a batch/v1 Job; kompose makes a bare Pod"
KOMPOSE_LABELS = "kompose.* labels are kompose options, not compose; dockyard does not read them"
NO_FLAG = "kompose was run with a flag dockyard does not offer"
CLAIM_SIZE = "a claim defaults to 1Gi (kompose: 100Mi); size comes from x-dockyard or driver_opts"
HOST_PATH_CLAIM = "a host path is never turned into an empty claim (kompose makes a PVC for it)"

INTENDED: dict[str, dict[str, str]] = {
    "v2": {"kind": ONE_SHOT, "services": KOMPOSE_LABELS + " (kompose.service.type=loadbalancer splits TCP/UDP Services)"},
    "v3.0": {"probes": CMD_SHELL, "service-ports": NO_FAKE_PORT, "services": HEADLESS},
    "configmap-volume": {"services": HEADLESS},
    "configmap-volume-withlabel": {"services": HEADLESS},
    "configmap-pod": {"kind": ONE_SHOT, "env": "inline environment wins over env_file, as in docker compose (kompose lets the file win)"},
    "change-in-volume-emptydir": {"service-ports": NO_FAKE_PORT, "volumes": NO_FLAG + " (--volumes emptyDir): named volumes are PVCs",
                                  "claims": NO_FLAG + " (--volumes emptyDir): named volumes are PVCs"},
    "change-in-volume-emptyvols": {"service-ports": NO_FAKE_PORT, "volumes": NO_FLAG + " (--emptyvols): named volumes are PVCs",
                                   "claims": NO_FLAG + " (--emptyvols): named volumes are PVCs"},
    "multiple-files": {"services": HEADLESS},
    "healthcheck": {"probes": CMD_SHELL + "; " + KOMPOSE_LABELS + " (http/tcp probes from kompose.service.healthcheck.*)"},
    "statefulset": {"kind": NO_FLAG + " (--controller statefulset)", "volumes": "one shared PVC per named volume, not volumeClaimTemplates",
                    "claims": "one shared PVC per named volume, not volumeClaimTemplates"},
    "cronjob": {"kind": KOMPOSE_LABELS + " (kompose.cronjob.*): a one-shot service is a Job", "services": HEADLESS},
    "multiple-type-volumes": {"services": HEADLESS, "claims": CLAIM_SIZE},
    "envvars-interpolation": {"services": HEADLESS},
    "single-file-output": {"services": "Service names are DNS-1035 labels (front-end); kompose keeps front_end, which the API rejects"},
    "external-traffic-policy-v1": {"services": KOMPOSE_LABELS + " (LoadBalancer split per protocol as front-end-tcp)"},
    "fsgroup": {"services": HEADLESS, "claims": CLAIM_SIZE},
    "compose-env-no-interpolation": {"image": NO_FLAG + " (--no-interpolate): dockyard always interpolates like compose",
                                     "env": NO_FLAG + " (--no-interpolate)"},
    "envfile-interpolation": {"kind": ONE_SHOT, "env": "env_file values are interpolated like docker compose "
                              "(COMPOSE_PROFILES=elasticsearch, checked with docker-compose config)"},
    "vols-subpath": {"services": HEADLESS, "claims": CLAIM_SIZE},
    "initcontainer": {"services": HEADLESS},
    "hpa": {"services": HEADLESS},
    "network-mode-service": {"kind": "network_mode: service:X keeps its own pod (warning); kompose merges the containers into X's pod"},
    "deploy-labels": {"resources": KOMPOSE_LABELS + " (kompose.ephemeral-storage.*)"},
    "legacy-secrets-short": {"services": HEADLESS},
    "legacy-secrets-long": {"services": HEADLESS, "volumes": "the long-syntax target is honoured (/run/secrets/redis_secret); "
                            "old kompose mounted at the source name"},
    "legacy-configs-short": {"services": HEADLESS},
    "legacy-configs-long": {"services": HEADLESS},
    "legacy-memcpu": {"service-ports": NO_FAKE_PORT},
    "legacy-memcpu-partial": {"service-ports": NO_FAKE_PORT},
    # compared again with the policy allowed (see REJECTED)
    "volume-mounts-windows": {"volumes": "an allowed host path is a hostPath volume; kompose silently makes an empty PVC",
                              "claims": HOST_PATH_CLAIM},
    "service-group-volume": {"kind": NO_FLAG + " (--service-group-mode): one workload per service", "claims": HOST_PATH_CLAIM},
    "security-contexts": {"kind": NO_FLAG + " (--service-group-mode label): one workload per service",
                          "service-ports": "each service keeps its own Service ports", "services": "each service keeps its own Service"},
}

# case -> (error class, text the message must contain, policy that lifts it or None)
REJECTED: dict[str, tuple[type[Exception], str, str | None]] = {
    "volume-mounts-windows": (PolicyError, "hostPath volumes are not allowed", "host-path"),
    "service-group-volume": (PolicyError, "hostPath volumes are not allowed", "host-path"),
    "host-port-protocol": (PolicyError, "host-mode published port", "host-ports"),
    "security-contexts": (PolicyError, "services.dind.privileged", "privileged"),
    "compose-env-interpolation": (TranslationError, "dockyard deploys images and does not build them", None),
    # invalid compose: docker compose rejects these files too (the legacy fixtures predate the check)
    "legacy-deploy": (ValidationError, 'depends on undefined service "redis"', None),
    "legacy-named-volume-v3": (ValidationError, "undefined volume db-config", None),
}


def _cases() -> list[dict]:
    manifest = (ORACLE / "MANIFEST.md").read_text()
    return yaml.safe_load(manifest.split("```yaml", 1)[1].split("```", 1)[0])["cases"]


CASES = _cases()


def _details(case: dict) -> ConfigDetails:
    directory = ORACLE / case["case"]
    inputs = [i for i in case["inputs"] if i.endswith((".yaml", ".yml"))]
    if "COMPOSE_FILE=" in case["command"]:
        inputs = case["command"].split('COMPOSE_FILE="', 1)[1].split('"', 1)[0].split()
    return ConfigDetails(working_dir=str(directory), config_files=[ConfigFile(str(directory / i)) for i in inputs], environment={})


def _render(case: dict, allow: str | None = None):
    environment = Environment("dev", composition="kompose", allow=frozenset([allow] if allow else []))
    return render(_details(case), LoadOptions(), environment)


def _expected(case: dict) -> list[dict]:
    return list(yaml.safe_load_all((ORACLE / case["case"] / case["expected"]).read_text()))


def test_the_oracle_has_all_53_cases_and_every_table_entry_names_one():
    names = {c["case"] for c in CASES}
    assert len(CASES) == 53
    assert set(INTENDED) <= names and set(REJECTED) <= names


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_dockyard_matches_kompose_except_for_the_listed_differences(case, validate_objects):
    name = case["case"]
    allow = None
    if name in REJECTED:
        error, text, allow = REJECTED[name]
        with pytest.raises(error) as caught:
            _render(case)
        assert text in str(caught.value)
        assert str(caught.value).startswith(str(ORACLE / name))  # located: file:line
        if allow is None:
            return
    rendered = _render(case, allow)
    validate_objects(rendered.objects)
    found = differences(_expected(case), list(rendered.objects))
    assert sorted(found) == sorted(INTENDED.get(name, {})), "\n".join(f"{a}: {d}" for a, ds in found.items() for d in ds)
