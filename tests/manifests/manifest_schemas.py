"""A cached strict Kubernetes schema validator (1.30 and 1.37) for rendered objects.

``kubernetes_validate.validate`` rebuilds the schema registry on every call (seconds for a few
hundred objects); here one jsonschema validator is built per (version, apiVersion, kind) and kept
for the whole session.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate
from referencing import Registry, Resource

SCHEMAS = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
VERSIONS = ("1.30", "1.37")


def _schema_dir(version: str) -> Path:
    found = sorted(SCHEMAS.glob(f"v{version}.*-local-strict"))
    assert found, f"kubernetes-validate has no strict schemas for {version}"
    return found[-1]


@cache
def _validator(version: str, api_version: str, kind: str) -> jsonschema.protocols.Validator:
    directory = _schema_dir(version)
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema = json.loads((directory / f"{kind.lower()}-{group}.json").read_text())
    definitions = json.loads((directory / "_definitions.json").read_text())
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def schema_errors(obj: dict) -> list[str]:
    """Every strict-schema problem of ``obj`` for each checked Kubernetes version (empty when valid)."""
    problems = []
    for version in VERSIONS:
        validator = _validator(version, obj["apiVersion"], obj["kind"])
        for error in validator.iter_errors(obj):
            where = ".".join(map(str, error.absolute_path))
            problems.append(f"{version} {obj['kind']}/{obj['metadata']['name']} {where}: {error.message}")
    return problems
