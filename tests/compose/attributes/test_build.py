from __future__ import annotations

from attribute_helpers import load, merged, round_trip


def test_build_string_is_the_context_with_dockerfile_default():
    def check(project):
        build = project.services["web"].build
        assert (build.context, build.dockerfile) == ("/project/app", "Dockerfile")

    round_trip("services:\n  web:\n    build: ./app\n", check)


def test_build_args_resolve_from_the_environment_and_unresolved_ones_are_dropped():
    _, project = load(
        "services:\n  web:\n    build:\n      context: .\n      args: [VERSION, MISSING, FIXED=1]\n",
        env={"VERSION": "2.0"},
    )
    assert dict(project.services["web"].build.args) == {"VERSION": "2.0", "FIXED": "1"}


def test_remote_context_is_not_made_absolute():
    _, project = load("services:\n  web:\n    build: https://github.com/docker/app.git#main\n")
    assert project.services["web"].build.context == "https://github.com/docker/app.git#main"


def test_override_build_string_merges_into_the_mapping():
    tree = merged(
        "services:\n  web:\n    build: {context: ., target: dev}\n",
        "services:\n  web:\n    build: ./src\n",
    )
    assert tree["services"]["web"]["build"] == {"context": "/project/src", "target": "dev", "dockerfile": "Dockerfile"}
