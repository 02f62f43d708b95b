from __future__ import annotations

from attribute_helpers import load, merged, round_trip

from dockyard.compose.model import Healthcheck

SECOND = 10**9


def test_string_test_becomes_cmd_shell_and_durations_are_nanoseconds():
    def check(project):
        assert project.services["web"].healthcheck == Healthcheck(
            test=("CMD-SHELL", "curl -f http://localhost"), interval=90 * SECOND, timeout=SECOND // 2, retries=3,
            start_period=SECOND,
        )

    round_trip(
        "services:\n  web:\n    image: x\n    healthcheck:\n      test: curl -f http://localhost\n"
        "      interval: 1m30s\n      timeout: 500ms\n      retries: 3\n      start_period: 1s\n",
        check,
    )


def test_list_test_and_none():
    def check(project):
        assert project.services["a"].healthcheck.test == ("CMD", "true")
        assert project.services["b"].healthcheck.test == ("NONE",)
        assert project.services["c"].healthcheck.disable

    round_trip(
        "services:\n  a:\n    image: x\n    healthcheck: {test: [CMD, 'true']}\n"
        "  b:\n    image: x\n    healthcheck: {test: [NONE]}\n"
        "  c:\n    image: x\n    healthcheck: {disable: true}\n",
        check,
    )


def test_durations_print_like_go():
    tree, _ = load("services:\n  web:\n    image: x\n    healthcheck: {interval: 90s, timeout: 1h}\n")
    assert tree["services"]["web"]["healthcheck"] == {"interval": "1m30s", "timeout": "1h0m0s"}


def test_override_replaces_the_test_command():
    tree = merged(
        "services:\n  web:\n    image: x\n    healthcheck: {test: [CMD, a, b], retries: 1}\n",
        "services:\n  web:\n    healthcheck: {test: [CMD, c]}\n",
    )
    assert tree["services"]["web"]["healthcheck"] == {"test": ["CMD", "c"], "retries": 1}
