"""Every ``interpolation.json`` vector through ``template.substitute``, plus the operator-choice facts.

Vectors marked ``older_behavior_compose_go_v2_9_1`` (gen-214, gen-261, gen-337) expect the pinned
compose-go commit's lazy evaluation of defaults; docker compose v2.40.3 (compose-go v2.9.1) still
evaluated them eagerly and failed. We follow the pinned commit, i.e. the ``expected`` value.
"""

from __future__ import annotations

import pytest

from tests.conftest import load_oracle
from dockyard.compose.template import (
    first_operator,
    extract_variables,
    go_quote,
    substitute,
    substitute_with_unset,
    VariableRef,
)
from dockyard.errors import InvalidTemplateError, MissingRequiredError

ORACLE = load_oracle("compose-spec/interpolation.json")
VECTORS = ORACLE["vectors"]
ERROR_KINDS = {"invalid_template": InvalidTemplateError, "missing_required": MissingRequiredError}


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_substitution_matches_compose_go(vector):
    lookup = vector["env"].get
    if "expected_error" in vector:
        expected = vector["expected_error"]
        with pytest.raises(ERROR_KINDS[expected["kind"]]) as caught:
            substitute(vector["template"], lookup)
        if vector["match"] == "exact":
            assert caught.value.message == expected["message"]
        else:
            assert expected["message"] in caught.value.message
        if "variable" in vector:
            assert caught.value.variable == vector["variable"]
        if "reason" in vector:
            assert caught.value.reason == vector["reason"]
        return
    result, unset = substitute_with_unset(vector["template"], lookup)
    assert result == vector["expected"]
    if "expected_unset_warnings" in vector:
        assert len(unset) == vector["expected_unset_warnings"]


@pytest.mark.parametrize("fact", ORACLE["operator_choice"], ids=[f["test"] for f in ORACLE["operator_choice"]])
def test_operator_is_the_first_one_written(fact):
    assert first_operator(fact["braced_content"]) == fact["operator"]


def test_unset_names_are_reported_once_per_use():
    assert substitute_with_unset("$A ${A} ${B:-x} $C", {"C": "c"}.get) == ("  x c", ["A", "A"])


def test_extract_variables_finds_nested_ones_and_their_roles():
    found = extract_variables("${A:-${B}} ${C:?no C} ${D:+on} $$E ${A}")
    assert found == {
        "A": VariableRef("A", default="${B}"),
        "B": VariableRef("B"),
        "C": VariableRef("C", required=True),
        "D": VariableRef("D", presence_value="on"),
    }


def test_go_quote_escapes_like_strconv_quote():
    assert go_quote('a"b\\c\nd\x01ÄÖ') == '"a\\"b\\\\c\\nd\\x01ÄÖ"'
