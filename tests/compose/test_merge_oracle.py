"""Every ``merge.json`` vector: compose-go ``override.Merge`` + ``EnforceUnicity`` on raw YAML."""

from __future__ import annotations

import pytest

from dockyard.compose.merge import MergeError, enforce_unicity, merge
from loader_helpers import go_yaml, oracle_cases

CASES = oracle_cases("merge.json")


def run(case: dict):
    if case["operation"] == "unicity":
        return enforce_unicity(go_yaml(case["input"]))
    merged = merge(go_yaml(case["base"]) or {}, go_yaml(case["override"]) or {})
    if case["operation"] == "merge+unicity":
        merged = enforce_unicity(merged)
    return merged


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_merge_matches_compose_go(case):
    if "expected_error" in case:
        with pytest.raises(MergeError, match=case["expected_error"]):
            run(case)
        return
    assert run(case) == go_yaml(case["expected"])
