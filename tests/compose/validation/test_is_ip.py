"""is_ip: the dotted-quad shortcut answers exactly as the ipaddress parse it stands in front of."""

from __future__ import annotations

import ipaddress
import random

import pytest

from dockyard.compose.validation import is_ip


def parsed_by_ipaddress(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return "%" not in text


@pytest.mark.parametrize(
    "text", ["0.0.0.0", "127.0.0.1", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4\n", " 1.2.3.4",
             "::1", "::ffff:1.2.3.4", "fe80::1%eth0", "", "localhost"],
)  # fmt: skip
def test_a_host_ip_is_an_ip_exactly_when_ipaddress_parses_it(text):
    assert is_ip(text) == parsed_by_ipaddress(text)


def test_random_dotted_quads_agree_with_ipaddress():
    rng = random.Random(5)
    octets = ["0", "1", "9", "10", "99", "100", "255", "256", "300", "01", "00", " 1", "1\n", ""]
    for _ in range(5000):
        text = ".".join(rng.choice(octets) for _ in range(rng.choice([3, 4, 4, 5])))
        assert is_ip(text) == parsed_by_ipaddress(text), text


def test_a_value_that_is_not_a_string_is_no_ip():
    assert not is_ip(None) and not is_ip(1234)
