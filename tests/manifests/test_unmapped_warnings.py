"""``_warn_unmapped`` skips a ``None`` attribute without asking its rule: no rule may call ``None`` set."""

from __future__ import annotations

import pytest

from dockyard.manifests.translate import UNMAPPED


@pytest.mark.parametrize(("attr", "is_set"), [(attr, is_set) for attr, is_set, _ in UNMAPPED], ids=lambda v: str(v))
def test_no_unmapped_rule_calls_an_absent_attribute_set(attr, is_set):
    assert not is_set(None)
