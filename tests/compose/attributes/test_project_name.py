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


def test_an_invalid_name_given_as_an_option_or_variable_is_an_error():
    text = "services:\n  web:\n    image: x\n"
    with pytest.raises(ComposeError, match='invalid project name "Bad Name"'):
        load(text, options=LoadOptions(project_name="Bad Name"))
    with pytest.raises(ComposeError, match='invalid project name "-x"'):
        load(text, env={"COMPOSE_PROJECT_NAME": "-x"}, options=LoadOptions())


def test_the_name_key_is_normalised_like_docker_compose_and_must_not_normalise_to_nothing():
    text = "services:\n  web:\n    image: x\n"
    assert load("name: My App!\n" + text, options=LoadOptions())[1].name == "myapp"
    assert load("name: -x\n" + text, options=LoadOptions())[1].name == "x"
    with pytest.raises(ComposeError, match="project name must not be empty"):
        load("name: '!!!'\n" + text, options=LoadOptions())


def test_files_can_use_compose_project_name_which_is_the_projects_name():
    text = "name: 'shop-${STAGE:-dev}'\nservices:\n  web:\n    image: '${COMPOSE_PROJECT_NAME}-web'\n"
    assert load(text, options=LoadOptions())[0]["services"]["web"]["image"] == "shop-dev-web"
    assert load(text, options=LoadOptions(project_name="cli"))[0]["services"]["web"]["image"] == "cli-web"
    later = "name: later\n"
    assert load("services:\n  web:\n    image: '${COMPOSE_PROJECT_NAME}'\n", later, options=LoadOptions())[0][
        "services"]["web"]["image"] == "later"
