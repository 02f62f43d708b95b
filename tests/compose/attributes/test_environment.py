from __future__ import annotations

from attribute_helpers import load, merged, round_trip

from dockyard.compose.model import EnvFile


def test_environment_list_and_mapping_give_the_same_model():
    def check(project):
        assert dict(project.services["web"].environment) == {"A": "1", "B": None, "C": "", "D": "true"}

    round_trip("services:\n  web:\n    image: x\n    environment: [A=1, B, C=, D=true]\n", check)
    round_trip("services:\n  web:\n    image: x\n    environment: {A: 1, B: null, C: '', D: true}\n", check)


def test_a_bare_variable_is_resolved_from_the_project_environment():
    _, project = load("services:\n  web:\n    image: x\n    environment: [HOME, MISSING]\n", env={"HOME": "/root"})
    assert dict(project.services["web"].environment) == {"HOME": "/root", "MISSING": None}


def test_env_file_values_are_read_and_explicit_environment_wins():
    _, project = load(
        "services:\n  web:\n    image: x\n    env_file: [app.env, {path: optional.env, required: false}]\n"
        "    environment: {B: explicit}\n",
        files={"app.env": "A=1\nB=from-file\nexport C='quoted'\n"},
    )
    web = project.services["web"]
    assert dict(web.environment) == {"B": "explicit"}
    assert web.env_files == (
        EnvFile("/project/app.env", True, None, {"A": "1", "B": "from-file", "C": "quoted"}),
        EnvFile("/project/optional.env", False, None, None),
    )
    assert project.files["/project/app.env"] == b"A=1\nB=from-file\nexport C='quoted'\n"


def test_printed_environment_merges_env_file_under_explicit_values():
    tree, _ = load(
        "services:\n  web:\n    image: x\n    env_file: app.env\n    environment: {B: explicit}\n",
        files={"app.env": "A=1\nB=from-file\n"},
    )
    assert tree["services"]["web"]["environment"] == {"A": "1", "B": "explicit"}
    assert "env_file" not in tree["services"]["web"]


def test_raw_env_file_keeps_quotes_and_dollars():
    _, project = load(
        "services:\n  web:\n    image: x\n    env_file: [{path: raw.env, format: raw}]\n",
        files={"raw.env": "A='x'\nB=$HOME\n"},
    )
    assert dict(project.services["web"].env_files[0].values) == {"A": "'x'", "B": "$HOME"}


def test_override_environment_merges_by_variable_name():
    tree = merged(
        "services:\n  web:\n    image: x\n    environment: {A: '1', B: '2'}\n",
        "services:\n  web:\n    environment: [B=3, C=4]\n",
    )
    assert tree["services"]["web"]["environment"] == {"A": "1", "B": "3", "C": "4"}
