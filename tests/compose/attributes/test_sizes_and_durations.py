from __future__ import annotations

import pytest
from attribute_helpers import load, round_trip

from dockyard.compose.canonical import format_duration, parse_duration, parse_size


def test_service_sizes_are_bytes_and_grace_period_is_nanoseconds():
    def check(project):
        web = project.services["web"]
        assert (web.shm_size, web.mem_limit, web.mem_reservation) == (64 << 20, 1 << 30, 1536 << 20)
        assert web.stop_grace_period == 90 * 10**9
        assert web.cpus == 1.5

    round_trip(
        "services:\n  web:\n    image: x\n    shm_size: 64m\n    mem_limit: 1gb\n    mem_reservation: 1.5g\n"
        "    stop_grace_period: 1m30s\n    cpus: 1.5\n",
        check,
    )


@pytest.mark.parametrize(
    ("text", "nanoseconds", "printed"),
    [("1m30s", 90 * 10**9, "1m30s"), ("500ms", 5 * 10**8, "500ms"), ("1h", 3600 * 10**9, "1h0m0s"),
     ("1.5s", 15 * 10**8, "1.5s"), ("0", 0, "0s"), ("10us", 10**4, "10µs")],
)
def test_durations_parse_and_print_like_go(text, nanoseconds, printed):
    assert parse_duration(text) == nanoseconds
    assert format_duration(nanoseconds) == printed


@pytest.mark.parametrize(("text", "size"), [("512m", 512 << 20), ("1g", 1 << 30), ("100", 100), ("2kb", 2048)])
def test_sizes_use_binary_multiples(text, size):
    assert parse_size(text) == size


def test_a_bad_duration_is_an_error():
    from dockyard.errors import ComposeError

    with pytest.raises(ComposeError):
        load("services:\n  web:\n    image: x\n    stop_grace_period: soon\n")
