"""``dockyard config`` and ``dockyard validate`` through typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dockyard.cli.main import app

runner = CliRunner()


def config_json(*args: str, input: str | None = None) -> dict:
    result = runner.invoke(app, ["config", "--format", "json", *args], input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_config_prints_the_default_file_as_json(project):
    document = config_json()
    assert document["name"] == project.name.lower()
    assert document["services"]["web"]["image"] == "nginx:latest"
    assert document["services"]["web"]["ports"] == [
        {"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}
    ]
    assert "debug" not in document["services"]


def test_config_reads_dot_env_for_interpolation_and_the_os_environment_wins(project, monkeypatch):
    (project / ".env").write_text("TAG=from-dotenv\n")
    assert config_json()["services"]["web"]["image"] == "nginx:from-dotenv"
    monkeypatch.setenv("TAG", "from-os")
    assert config_json()["services"]["web"]["image"] == "nginx:from-os"


def test_config_env_file_option_replaces_dot_env(project):
    (project / ".env").write_text("TAG=from-dotenv\n")
    (project / "other.env").write_text("TAG=from-option\n")
    assert config_json("--env-file", "other.env")["services"]["web"]["image"] == "nginx:from-option"


def test_config_profile_enables_a_service(project):
    assert "debug" in config_json("--profile", "debug")["services"]


def test_compose_profiles_variable_enables_a_service(project, monkeypatch):
    monkeypatch.setenv("COMPOSE_PROFILES", "debug")
    assert "debug" in config_json()["services"]


def test_config_merges_files_in_order(project):
    (project / "more.yaml").write_text("services:\n  web:\n    image: caddy\n")
    assert config_json("-f", "compose.yaml", "-f", "more.yaml")["services"]["web"]["image"] == "caddy"


def test_the_default_override_file_is_merged(project):
    (project / "compose.override.yaml").write_text("services:\n  web:\n    environment: [A=1]\n")
    assert config_json()["services"]["web"]["environment"] == {"A": "1"}


def test_compose_file_variable_lists_files_with_the_path_separator(project, monkeypatch):
    (project / "more.yaml").write_text("services:\n  web:\n    image: caddy\n")
    monkeypatch.setenv("COMPOSE_FILE", "compose.yaml:more.yaml")
    assert config_json()["services"]["web"]["image"] == "caddy"


def test_config_reads_stdin_for_dash(project):
    document = config_json("-f", "-", input="services:\n  one:\n    image: alpine\n")
    assert list(document["services"]) == ["one"]


def test_project_name_option_names_resources(project):
    assert config_json("--project-name", "shop")["volumes"]["data"]["name"] == "shop_data"


def test_no_interpolate_prints_the_model_with_templates_as_written(project):
    document = config_json("--no-interpolate")
    assert document["services"]["web"]["image"] == "nginx:${TAG:-latest}"
    assert "debug" in document["services"]  # like docker compose: no profile filtering in this mode


def test_literal_dollars_are_printed_escaped(project):
    (project / "compose.yaml").write_text("services:\n  web:\n    image: x\n    command: echo $$HOME\n")
    assert config_json()["services"]["web"]["command"] == ["echo", "$$HOME"]


def test_services_volumes_and_profiles_listings(project):
    assert runner.invoke(app, ["config", "--services"]).stdout.split() == ["web"]
    assert runner.invoke(app, ["config", "--volumes"]).stdout.split() == ["data"]
    assert runner.invoke(app, ["config", "--profiles"]).stdout.split() == ["debug"]


def test_config_yaml_output_reloads_to_the_same_json(project):
    yaml_text = runner.invoke(app, ["config"]).stdout
    (project / "printed.yaml").write_text(yaml_text)
    assert config_json("-f", "printed.yaml") == config_json()


def test_validate_says_valid(project):
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "valid"


def test_validate_lists_every_schema_error_with_its_location(project):
    (project / "compose.yaml").write_text(
        "services:\n  web:\n    image: x\n    environment: FOO=1\n    ports: [true]\n  db:\n    restart: [1]\n"
    )
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [
        f"error: {project / 'compose.yaml'}:5:13: services.web.ports.0 must be a number",
        f"error: {project / 'compose.yaml'}:4:18: services.web.environment must be a mapping",
        f"error: {project / 'compose.yaml'}:7:14: services.db.restart must be a string",
    ]


def test_validate_lists_every_semantic_error_with_its_location(project):
    (project / "compose.yaml").write_text(
        "services:\n  web:\n    image: x\n    depends_on: [ghost]\n    networks: [nowhere]\n"
    )
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, result.stderr
    assert all("compose.yaml:" in line for line in errors)


@pytest.mark.parametrize(
    "text",
    [
        "services: [",
        "- just\n- a list\n",
        "services:\n  web:\n    ports: [{}]\n",
        "services:\n  web:\n    image: x\n    extends: web\n",
        "services:\n  web:\n    image: x\n    ports: ['99999999:80']\n",
        "services:\n  web:\n    image: x\n    volumes: [':/x']\n",
        "services:\n  web:\n    image: x\n    env_file: missing.env\n",
        "include: [missing.yaml]\n",
    ],
)
def test_bad_input_is_a_clean_error_never_a_traceback(project, text):
    (project / "compose.yaml").write_text(text)
    result = runner.invoke(app, ["config"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text", ["", "# only a comment\n", "{}\n"])
def test_a_file_with_nothing_in_it_is_an_empty_compose_file_as_in_docker_compose(project, text):
    (project / "compose.yaml").write_text(text)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert result.stderr == f"error: {project / 'compose.yaml'}: empty compose file\n"


def test_an_empty_override_file_is_fine_when_the_merged_project_is_not_empty(project):
    (project / "empty.yaml").write_text("")
    assert "web" in config_json("-f", "compose.yaml", "-f", "empty.yaml")["services"]


def test_env_file_option_is_relative_to_the_current_directory(project, monkeypatch):
    (project / "app").mkdir()
    (project / "app" / "compose.yaml").write_text("services:\n  web:\n    image: nginx:${TAG}\n")
    (project / "here.env").write_text("TAG=here\n")
    assert config_json("-f", "app/compose.yaml", "--env-file", "here.env")["services"]["web"]["image"] == "nginx:here"


@pytest.mark.parametrize(
    ("text", "located"),
    [
        ("services:\n  web:\n    image: x\n    env_file: missing.env\n", "compose.yaml:4:15: env file "),
        ("services:\n  web:\n    image: x\n    env_file:\n      - path: missing.env\n", "compose.yaml:5:9: env file "),
        ("services:\n  web:\n    image: x\n    label_file: missing.labels\n", "compose.yaml:4:17: label file "),
        (
            "services:\n  web:\n    image: x\n    volumes:\n      - ./ok:/ok\n      - ':/x'\n",
            "compose.yaml:6:9: services.web.volumes.[1] invalid spec: :/x: empty section between colons",
        ),
    ],
)
def test_errors_about_referenced_files_and_short_syntax_point_at_the_line(project, text, located):
    (project / "compose.yaml").write_text(text)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {project}/{located}"), result.stderr
