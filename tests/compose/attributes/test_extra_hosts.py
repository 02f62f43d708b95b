from __future__ import annotations

from attribute_helpers import load, merged, round_trip


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


def test_extra_hosts_are_printed_as_sorted_host_ip_strings_like_docker_compose():
    tree, _ = load("services:\n  web:\n    image: x\n    extra_hosts: ['zz=1.2.3.4', 'h2:::1', aa=10.0.0.1, h=1.1.1.1]\n")
    assert tree["services"]["web"]["extra_hosts"] == ["aa=10.0.0.1", "h2=::1", "h=1.1.1.1", "zz=1.2.3.4"]


def test_blkio_rates_are_byte_sizes_printed_as_decimal_strings():
    tree, _ = load(
        "services:\n  web:\n    image: x\n    blkio_config:\n"
        "      device_read_bps: [{path: /dev/sda, rate: 12mb}]\n      device_write_iops: [{path: /dev/sdb, rate: 30}]\n"
    )
    blkio = tree["services"]["web"]["blkio_config"]
    assert blkio["device_read_bps"] == [{"path": "/dev/sda", "rate": "12582912"}]
    assert blkio["device_write_iops"] == [{"path": "/dev/sdb", "rate": "30"}]
