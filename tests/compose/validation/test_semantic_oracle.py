"""Every ``semantic_cases`` vector of the compose-spec oracle (validation.json) runs here.

Each vector names the compose-go check pattern and the path it is called with; the check must
return exactly the reference message (or nothing).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from dockyard.compose import validation

ORACLE = Path(__file__).resolve().parents[4] / "shared" / "oracle" / "compose-spec" / "validation.json"
CASES = json.loads(ORACLE.read_text())["semantic_cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["test"] for c in CASES])
def test_oracle_semantic_case_gives_the_reference_message(case):
    rule = validation.CHECKS[case["check"]]

    assert rule(yaml.safe_load(case["input"]), case["path"]) == case["error"]


def test_the_oracle_has_the_nine_semantic_cases_the_brief_names():
    assert len(CASES) == 9
