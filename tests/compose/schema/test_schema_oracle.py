"""Every ``schema_cases`` vector of the compose-spec oracle (validation.json) runs here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockyard.compose import schema
from dockyard.errors import SchemaError

ORACLE = Path(__file__).resolve().parents[4] / "shared" / "oracle" / "compose-spec" / "validation.json"
CASES = json.loads(ORACLE.read_text())["schema_cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["test"] for c in CASES])
def test_oracle_schema_case_is_classified_and_worded_like_compose_go(case):
    errors = schema.validate(case["document"], file="compose.yaml", positions={})

    if case["valid"]:
        assert errors == []
    else:
        assert len(errors) == 1
        assert isinstance(errors[0], SchemaError)
        assert case["error_contains"] in str(errors[0])


def test_the_oracle_has_the_fourteen_schema_cases_the_brief_names():
    assert len(CASES) == 14
