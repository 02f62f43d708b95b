"""Shared helpers for the compose loader tests (H2): oracle access and go-yaml typed decoding."""

from __future__ import annotations

import json
from pathlib import Path

ORACLE = Path("/work/shared/oracle/compose-spec")


def oracle_cases(name: str) -> list[dict]:
    return json.loads((ORACLE / name).read_text())["cases"]


def go_yaml(text: str):
    """Decode YAML the way the loader does (go-yaml scalar typing)."""
    from dockyard.compose.files import parse_document

    return parse_document(text, "test.yaml").data
