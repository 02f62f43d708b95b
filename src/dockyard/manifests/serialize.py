"""Deterministic YAML / JSON text for rendered objects.

Key order is the order builders wrote (apiVersion, kind, metadata, spec ...), never sorted, and
PyYAML aliases are switched off so shared sub-dicts are written out in full.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import yaml

_Base: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):  # type: ignore[misc, valid-type]
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None  # the emitter falls back to quotes when a block cannot hold it
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(objects: Iterable[dict[str, Any]]) -> str:
    return yaml.dump_all(list(objects), Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                         allow_unicode=True, width=1 << 16, explicit_start=True)


def to_json(objects: Iterable[dict[str, Any]]) -> str:
    document = {"apiVersion": "v1", "kind": "List", "items": list(objects)}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def dump(objects: Iterable[dict[str, Any]], output: str = "yaml") -> str:
    if output == "json":
        return to_json(objects)
    if output == "yaml":
        return to_yaml(objects)
    raise ValueError(f"output must be yaml or json, not {output!r}")
