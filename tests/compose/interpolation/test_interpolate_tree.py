"""interpolate(): substitution over a whole tree, casts by path, located errors with the reference text."""

from __future__ import annotations

import pytest

from tests.conftest import load_oracle
from dockyard.compose.casts import COMPOSE_CASTS, to_boolean, to_float, to_float32, to_int
from dockyard.compose.interpolate import interpolate
from dockyard.compose.yamlload import parse_yaml
from dockyard.errors import ComposeErrors, InterpolationError, InvalidTemplateError, MissingRequiredError

TREE_VECTORS = [v for v in load_oracle("compose-spec/interpolation.json")["vectors"] if "tree_message" in v]


def run(text: str, env: dict[str, str], **options):
    parsed = parse_yaml(text, "compose.yaml")
    return interpolate(parsed.data, env.get, casts=COMPOSE_CASTS, file="compose.yaml",
                       positions=parsed.positions, **options)


@pytest.mark.parametrize("vector", TREE_VECTORS, ids=[v["id"] for v in TREE_VECTORS])
def test_tree_error_text_matches_compose_go(vector):
    data = {"myservice": {"environment": {"TESTVAR": vector["template"]}}}
    with pytest.raises(MissingRequiredError) as caught:
        interpolate(data, vector["env"].get, casts={}, file="c.yaml", positions={})
    assert caught.value.message == vector["tree_message"]
    assert caught.value.path == "myservice.environment.TESTVAR"
    assert caught.value.variable == vector["variable"]


def test_every_value_that_cannot_be_interpolated_is_reported_in_document_order():
    text = (
        "services:\n  web:\n    image: ${IMAGE:?set IMAGE}\n    command: ${}\n"
        "    deploy:\n      replicas: ${REPLICAS:-two}\n    environment:\n      TOKEN: ${TOKEN:?set it}\n"
    )
    with pytest.raises(ComposeErrors) as caught:
        run(text, {})
    assert [(type(e), e.path, e.line) for e in caught.value.errors] == [
        (MissingRequiredError, "services.web.image", 3),
        (InvalidTemplateError, "services.web.command", 4),
        (InterpolationError, "services.web.deploy.replicas", 6),
        (MissingRequiredError, "services.web.environment.TOKEN", 8),
    ]


def test_errors_carry_file_line_and_column_of_the_value():
    text = "services:\n  web:\n    image: x\n    environment:\n      TOKEN: ${TOKEN:?set it}\n"
    with pytest.raises(MissingRequiredError) as caught:
        run(text, {})
    assert str(caught.value) == (
        "compose.yaml:5:14: error while interpolating services.web.environment.TOKEN: "
        "required variable TOKEN is missing a value: set it"
    )


def test_invalid_template_uses_the_reference_format_message():
    with pytest.raises(InvalidTemplateError) as caught:
        run("services:\n  web:\n    command: [run, '${}']\n", {})
    assert caught.value.message == (
        "invalid interpolation format for services.web.command.1.\n"
        "You may need to escape any $ with another $.\n${}"
    )
    assert (caught.value.line, caught.value.column) == (3, 20)


def test_keys_are_never_interpolated_and_the_input_is_not_mutated():
    text = "services:\n  ${NAME}:\n    image: ${IMAGE}\n"
    parsed = parse_yaml(text, "c.yaml")
    out = interpolate(parsed.data, {"NAME": "web", "IMAGE": "nginx"}.get, casts=COMPOSE_CASTS,
                      file="c.yaml", positions=parsed.positions)
    assert out == {"services": {"${NAME}": {"image": "nginx"}}}
    assert parsed.data["services"]["${NAME}"]["image"] == "${IMAGE}"


def test_casts_apply_to_strings_at_table_paths_only():
    text = (
        "services:\n  web:\n    image: x\n"
        "    deploy: {replicas: '${N}'}\n"
        "    ports: [{target: '${P}', published: '${P}'}]\n"
        "    read_only: '${RO}'\n"
        "    cpus: '${CPUS}'\n"
        "    ulimits: {nofile: {soft: '${N}', hard: 20}, nproc: '${N}'}\n"
        "    labels: {replicas: '${N}'}\n"
        "networks:\n  front: {external: 'yes'}\n"
    )
    out = run(text, {"N": "3", "P": "80", "RO": "true", "CPUS": "0.5"})
    web = out["services"]["web"]
    assert web["deploy"]["replicas"] == 3
    assert web["ports"] == [{"target": 80, "published": "80"}]
    assert web["read_only"] is True
    assert web["cpus"] == 0.5
    assert web["ulimits"] == {"nofile": {"soft": 3, "hard": 20}, "nproc": 3}
    assert web["labels"] == {"replicas": "3"}
    assert out["networks"]["front"]["external"] is True


def test_config_and_secret_mode_strings_are_octal():
    text = "services:\n  web:\n    configs: [{source: a, mode: '${M}'}]\n    secrets: [{source: b, mode: '440'}]\n"
    web = run(text, {"M": "555"})["services"]["web"]
    assert (web["configs"][0]["mode"], web["secrets"][0]["mode"]) == (0o555, 0o440)


def test_a_failed_cast_names_the_path_and_go_error():
    with pytest.raises(InterpolationError) as caught:
        run("services:\n  web:\n    deploy:\n      replicas: '${N}'\n", {"N": "many"})
    assert caught.value.message == (
        "error while interpolating services.web.deploy.replicas: "
        'failed to cast to expected type: strconv.Atoi: parsing "many": invalid syntax'
    )
    assert caught.value.line == 4


def test_unset_variables_are_reported_to_the_callback():
    seen: list[str] = []
    out = run("services:\n  web:\n    image: ${REPO}/app:${TAG-latest}\n", {}, on_unset=seen.append)
    assert out["services"]["web"]["image"] == "/app:latest"
    assert seen == ["REPO"]


@pytest.mark.parametrize(("text", "value"), [("true", True), ("Yes", True), ("on", True), ("FALSE", False),
                                             ("n", False), ("off", False)])
def test_boolean_cast_accepts_yaml_1_1_words(text, value):
    assert to_boolean(text) is value


@pytest.mark.parametrize(("cast", "text", "message"), [
    (to_int, "1_000", 'strconv.Atoi: parsing "1_000": invalid syntax'),
    (to_int, "99999999999999999999", 'strconv.Atoi: parsing "99999999999999999999": value out of range'),
    (to_float, " 1", 'strconv.ParseFloat: parsing " 1": invalid syntax'),
    (to_float32, "1e39", 'strconv.ParseFloat: parsing "1e39": value out of range'),
    (to_boolean, "maybe", "invalid boolean: maybe"),
])
def test_casts_reject_what_go_strconv_rejects(cast, text, message):
    with pytest.raises(ValueError, match=message):
        cast(text)


def test_float_cast_reads_go_syntax():
    assert to_float("1e3") == 1000.0
    assert to_float("0x1p-2") == 0.25
    assert to_float32("0.1") == 0.1
