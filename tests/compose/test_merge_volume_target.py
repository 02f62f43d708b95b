"""The unicity key of a short volume: the plain-spec shortcut finds the target ``parse_volume`` finds."""

from __future__ import annotations

import random

import pytest

from dockyard.compose.canonical import parse_volume
from dockyard.compose.merge import MergeError, _plain_volume_target, _volume_key, enforce_unicity
from dockyard.compose.tree import Path

PIECES = ["a", "b", "/", ":", ".", "$", "{", "}", "~", ",", "ro", "x/y", "\\", "\0", "C:", "data", "/var/lib"]


def random_specs(count: int) -> list[str]:
    rng = random.Random(7)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 8))) for _ in range(count)]


@pytest.mark.parametrize("spec", ["data:/var/lib/data", "./config:/etc/app:ro", "/srv", "ab:cd:rw,z"])
def test_a_plain_spec_takes_the_shortcut_to_parse_volumes_target(spec):
    assert _plain_volume_target(spec) == parse_volume(spec)["target"]


@pytest.mark.parametrize("spec", ["c:/data:/app", "${HOME}:/app", "a::b", "a:b:c:d", "x:", "ab"])
def test_a_spec_that_is_not_plain_is_left_to_parse_volume(spec):
    assert _plain_volume_target(spec) is None


def test_every_spec_the_shortcut_answers_gets_parse_volumes_target():
    answered = 0
    for spec in random_specs(20000):
        target = _plain_volume_target(spec)
        if target is not None:
            answered += 1
            assert target == (parse_volume(spec)["target"] or ""), spec
    assert answered > 1000


def test_a_volume_spec_with_too_many_colons_is_still_a_located_merge_error():
    with pytest.raises(MergeError, match="too many colons"):
        _volume_key("ab:cd:ef:gh", Path("services.web.volumes.[0]"))


def test_a_redefined_short_volume_target_replaces_the_earlier_entry():
    tree = {"services": {"web": {"volumes": ["one:/data", "./two:/data:ro", "three:/other"]}}}

    assert enforce_unicity(tree)["services"]["web"]["volumes"] == ["./two:/data:ro", "three:/other"]
