"""The config digest rolls only referencing services and reveals nothing about values."""

from dockyard.reconcile.digest import config_digest


def test_the_digest_changes_only_when_a_referenced_value_changes():
    key = b"k" * 32
    base = config_digest(key, {"A": "1", "B": "2"}, {"S": "x"}, {"A"}, {"S"})
    assert config_digest(key, {"A": "1", "B": "changed"}, {"S": "x"}, {"A"}, {"S"}) == base
    assert config_digest(key, {"A": "2", "B": "2"}, {"S": "x"}, {"A"}, {"S"}) != base
    assert config_digest(key, {"A": "1", "B": "2"}, {"S": "y"}, {"A"}, {"S"}) != base


def test_the_digest_depends_on_the_key_and_contains_no_value():
    one = config_digest(b"a" * 32, {}, {"S": "hunter2"}, set(), {"S"})
    two = config_digest(b"b" * 32, {}, {"S": "hunter2"}, set(), {"S"})
    assert one != two
    assert "hunter2" not in one


def test_a_missing_key_digests_differently_from_an_empty_value():
    key = b"k" * 32
    assert config_digest(key, {}, {}, {"A"}, set()) != config_digest(key, {"A": ""}, {}, {"A"}, set())
