"""Golden cases: ``golden/<case>/compose.yaml`` (+ optional ``environment.yaml``) rendered in-process
must equal ``expected.yaml`` byte for byte, and the warnings ``warnings.txt``.

Regenerate after an intended change with ``DOCKYARD_REGENERATE_GOLDEN=1 pytest tests/manifests/test_mapping_golden.py``
and review the diff. Every golden object also passes the strict Kubernetes schemas.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions
from dockyard.manifests.render import render
from dockyard.manifests.result import Environment
from dockyard.manifests.serialize import to_yaml

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "compose.yaml").exists())
REGENERATE = os.environ.get("DOCKYARD_REGENERATE_GOLDEN") == "1"


def render_case(case: str):
    directory = GOLDEN / case
    settings_file = directory / "environment.yaml"
    settings = yaml.safe_load(settings_file.read_text()) if settings_file.exists() else {}
    environment = Environment(
        name=settings.get("name", "dev"),
        config={k: str(v) for k, v in (settings.get("config") or {}).items()},
        secret_keys=frozenset(settings.get("secret_keys") or ()),
        composition=settings.get("composition", case),
        allow=frozenset(settings.get("allow") or ()),
    )
    details = ConfigDetails(working_dir=str(directory), config_files=[ConfigFile(str(directory / "compose.yaml"))], environment={})
    return render(details, LoadOptions(), environment, settings.get("variables") or {})


def _warnings_text(rendered, case: str) -> str:
    prefix = str(GOLDEN / case) + "/"
    return "".join(str(w).replace(prefix, "") + "\n" for w in rendered.warnings)


@pytest.mark.parametrize("case", CASES)
def test_golden_case_renders_exactly_as_recorded(case, validate_objects):
    rendered = render_case(case)
    text, warnings = to_yaml(rendered.objects), _warnings_text(rendered, case)
    expected, expected_warnings = GOLDEN / case / "expected.yaml", GOLDEN / case / "warnings.txt"
    if REGENERATE:
        expected.write_text(text)
        expected_warnings.write_text(warnings)
    validate_objects(rendered.objects)
    assert text == expected.read_text()
    assert warnings == expected_warnings.read_text()


@pytest.mark.parametrize("case", CASES)
def test_golden_case_renders_identically_twice(case):
    assert to_yaml(render_case(case).objects) == to_yaml(render_case(case).objects)


def test_there_are_golden_cases():
    assert len(CASES) >= 7
