"""Every ``normalize.json`` vector: compose-go ``loader.Normalize`` on a YAML model."""

from __future__ import annotations

import pytest
from loader_helpers import go_yaml, oracle_cases

from dockyard.compose.normalize import normalize

CASES = oracle_cases("normalize.json")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_normalize_matches_compose_go(case):
    assert normalize(go_yaml(case["input"]), case["environment"]) == go_yaml(case["expected"])
