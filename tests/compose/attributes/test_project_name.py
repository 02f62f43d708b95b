from __future__ import annotations

import pytest
from attribute_helpers import load

from dockyard.compose import LoadOptions
from dockyard.compose.environment import normalize_project_name
from dockyard.errors import ComposeError


def test_name_key_names_the_project_unless_an_option_or_variable_says_otherwise():
    text = "name: shop\nservices:\n  web:\n    image: x\n"
    assert load(text, options=LoadOptions())[1].name == "shop"
    assert load(text, options=LoadOptions(project_name="cli"))[1].name == "cli"
    assert load(text, env={"COMPOSE_PROJECT_NAME": "env"}, options=LoadOptions())[1].name == "env"


def test_the_directory_name_is_normalised_like_compose():
    assert normalize_project_name("My App.v2") == "myappv2"
    assert normalize_project_name("_-Hidden") == "hidden"
    assert load("services:\n  web:\n    image: x\n", options=LoadOptions())[1].name == "project"


def test_an_invalid_explicit_name_is_an_error():
    with pytest.raises(ComposeError, match="invalid project name"):
        load("name: Bad Name\nservices:\n  web:\n    image: x\n", options=LoadOptions())
