"""Every ``dotenv.json`` vector (Parse / Read / GetEnvFromFile), plus the raw env_file format."""

from __future__ import annotations

import pytest

from tests.conftest import load_oracle
from dockyard.compose import dotenv
from dockyard.errors import EnvFileError

VECTORS = load_oracle("compose-spec/dotenv.json")["vectors"]


def run(vector: dict) -> dict[str, str]:
    env = vector["lookup_env"]
    lookup = env.get if env is not None else None
    files = [(f"file{index}.env", text) for index, text in enumerate(vector["files"])]
    if vector["api"] == "Parse":
        return dotenv.parse(vector["files"][0], lookup, file="file0.env")
    if vector["api"] == "Read":
        return dotenv.read(files, lookup)
    return dotenv.env_from_files(env or {}, files)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_dotenv_matches_compose_go(vector):
    if "expected_error" in vector:
        expected = vector["expected_error"]
        with pytest.raises(EnvFileError) as caught:
            run(vector)
        if expected["match"] == "exact":
            assert caught.value.reference_message == expected["message"]
        elif expected["match"] == "contains":
            assert expected["message"] in caught.value.reference_message
        assert caught.value.file
        return
    result = run(vector)
    if vector["match"] == "exact":
        assert result == vector["expected_vars"]
    else:
        assert {key: result.get(key) for key in vector["expected_vars"]} == vector["expected_vars"]


def test_errors_name_file_and_line_once():
    with pytest.raises(EnvFileError) as caught:
        dotenv.parse("A=1\n\n# note\nBAD KEY=2\n", file=".env")
    assert str(caught.value) == ".env:4: key cannot contain a space"
    assert caught.value.reference_message == "line 4: key cannot contain a space"


def test_interpolation_error_points_at_the_statement_line():
    with pytest.raises(EnvFileError) as caught:
        dotenv.parse("A=1\nB=${NOPE:?needed}\n", file=".env")
    assert (caught.value.line, caught.value.message) == (2, "required variable NOPE is missing a value: needed")


def test_raw_format_takes_values_literally():
    text = "\ufeff# comment\nA=\"quoted\" # not a comment\nB=${X}\n  C= spaced \nINHERIT\nMISSING\n\n"
    assert dotenv.parse_raw(text, lookup={"INHERIT": "from-env"}.get) == {
        "A": '"quoted" # not a comment',
        "B": "${X}",
        "C": " spaced ",
        "INHERIT": "from-env",
    }


def test_raw_format_rejects_whitespace_in_names():
    with pytest.raises(EnvFileError) as caught:
        dotenv.parse_raw("GOOD=1\nBAD NAME=2\n", file="app.env")
    assert caught.value.line == 2
    assert "variable 'BAD NAME' contains whitespaces" in caught.value.message


@pytest.mark.parametrize(
    "text",
    ['DB_PASSWORD="hunter2secret\n', "DB_PASSWORD='hunter2secret\n", 'DB_PASSWORD="hunter2secret ${"\n', "a/b=hunter2secret\n"],
)
def test_an_error_in_an_env_file_never_shows_the_value(text):
    with pytest.raises(EnvFileError) as caught:
        dotenv.parse(text, file="app.env")
    assert "hunter2secret" not in str(caught.value)
    assert "hunter2secret" in caught.value.reference_message  # compose-go's own text, kept for the oracle
    assert str(caught.value).startswith("app.env:")  # the line is compose-go's count
