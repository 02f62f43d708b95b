"""``_warn_unmapped`` skips a ``None`` attribute without asking its rule: no rule may call ``None`` set."""

from __future__ import annotations

import pytest

from dockyard.manifests.translate import UNMAPPED


@pytest.mark.parametrize("rule", UNMAPPED, ids=lambda rule: rule[0])
def test_no_unmapped_rule_calls_an_absent_attribute_set(rule):
    _, is_set, _ = rule
    assert not is_set(None)
