from __future__ import annotations

from attribute_helpers import load, merged, round_trip


def test_string_command_is_split_like_a_shell_and_entrypoint_list_is_kept():
    def check(project):
        web = project.services["web"]
        assert web.command == ("sh", "-c", "echo $HOME done")
        assert web.entrypoint == ("/bin/tini", "--")

    round_trip(
        "services:\n  web:\n    image: x\n    command: sh -c 'echo $$HOME done'\n    entrypoint: [/bin/tini, --]\n",
        check,
    )


def test_empty_command_is_explicitly_nothing_and_absent_is_none():
    def check(project):
        assert project.services["a"].command == ()
        assert project.services["b"].command is None

    round_trip("services:\n  a:\n    image: x\n    command: []\n  b:\n    image: x\n", check)


def test_override_replaces_command_instead_of_appending():
    tree = merged(
        "services:\n  web:\n    image: x\n    command: [a, b]\n",
        "services:\n  web:\n    command: [c]\n",
    )
    assert tree["services"]["web"]["command"] == ["c"]


def test_lifecycle_hook_commands_are_split_like_command():
    tree, _ = load(
        "services:\n  web:\n    image: x\n"
        "    post_start: [{command: 'sh -c \"echo hi\"', user: root}]\n    pre_stop: [{command: [echo, bye]}]\n"
    )
    assert tree["services"]["web"]["post_start"] == [{"command": ["sh", "-c", "echo hi"], "user": "root"}]
    assert tree["services"]["web"]["pre_stop"] == [{"command": ["echo", "bye"]}]
