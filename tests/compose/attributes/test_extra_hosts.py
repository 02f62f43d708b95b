from __future__ import annotations

from attribute_helpers import merged, round_trip


def test_extra_hosts_list_and_mapping():
    def check(project):
        assert dict(project.services["web"].extra_hosts) == {"db": ("10.0.0.2",), "cache": ("10.0.0.3", "::1")}

    round_trip("services:\n  web:\n    image: x\n    extra_hosts: ['db:10.0.0.2', cache=10.0.0.3, 'cache=::1']\n", check)
    round_trip("services:\n  web:\n    image: x\n    extra_hosts: {db: 10.0.0.2, cache: [10.0.0.3, '::1']}\n", check)


def test_override_extra_hosts_skip_exact_duplicates():
    tree = merged(
        "services:\n  web:\n    image: x\n    extra_hosts: [a=1.1.1.1]\n",
        "services:\n  web:\n    extra_hosts: [a=1.1.1.1, b=2.2.2.2]\n",
    )
    assert tree["services"]["web"]["extra_hosts"] == ["a=1.1.1.1", "b=2.2.2.2"]
