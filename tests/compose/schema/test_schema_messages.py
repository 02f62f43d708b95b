"""Schema errors read like docker compose's: one error, the most specific, dotted path, located.

Expected texts were checked against the ``docker-compose`` v2.40.3 binary (``config -q``);
its ``validating <file>: `` prefix is replaced by dockyard's ``file:line:column:``.
"""

from __future__ import annotations

import hashlib
from importlib import resources

import pytest
import yaml

from dockyard.compose import schema
from dockyard.compose.model import Location

WORDED_LIKE_DOCKER_COMPOSE = [
    ("services: {a: {image: x, ports: [true]}}", "services.a.ports.0 must be a number"),
    ("services: {a: {image: x, environment: FOO=1, x: 1}}", "services.a.environment must be a mapping"),
    ("helicopters: {}", "additional properties 'helicopters' not allowed"),
    (
        "services: {a: {image: x, ports: [{target: 1, bogus: 2}]}}",
        "services.a.ports.0 additional properties 'bogus' not allowed",
    ),
    ("services: {a: {image: x, depends_on: {b: {}}}, b: {image: x}}", "services.a.depends_on.b missing property 'condition'"),
    ("services: {a: {image: x, cpu_count: -1}}", "services.a.cpu_count must be a string"),
    ("services: {a: {image: x, deploy: {mode: 3}}}", "services.a.deploy.mode must be a string"),
    ("services: {a: {image: x, build: {context: ., x: 1}}}", "services.a.build additional properties 'x' not allowed"),
    ("services: {a: {image: x, restart: [1]}}", "services.a.restart must be a string"),
    ("services: {a: {image: x, healthcheck: {test: 1}}}", "services.a.healthcheck.test must be a string"),
    (
        "services: {a: {image: x, pull_policy: zz}}",
        "services.a.pull_policy 'zz' does not match pattern "
        "'always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+'",
    ),
]


@pytest.mark.parametrize(("document", "message"), WORDED_LIKE_DOCKER_COMPOSE)
def test_the_reported_error_is_the_one_docker_compose_reports(document, message):
    errors = schema.validate(yaml.safe_load(document), file="compose.yaml", positions={})

    assert [e.message for e in errors] == [message]


def test_an_error_points_at_the_line_and_column_of_the_offending_value():
    positions = {
        ("services",): Location("compose.yaml", 1, 1),
        ("services", "web"): Location("compose.yaml", 2, 3),
        ("services", "web", "ports"): Location("compose.yaml", 4, 5),
        ("services", "web", "ports", 0): Location("compose.yaml", 5, 9),
    }
    document = {"services": {"web": {"image": "x", "ports": [True]}}}

    [error] = schema.validate(document, file="compose.yaml", positions=positions)

    assert str(error) == "compose.yaml:5:9: services.web.ports.0 must be a number"
    assert (error.file, error.path, error.line, error.column) == ("compose.yaml", "services.web.ports.0", 5, 9)


def test_an_unknown_key_is_located_at_the_key_itself_and_in_the_file_that_wrote_it():
    positions = {
        ("services", "web"): Location("compose.yaml", 2, 3),
        ("services", "web", "imagee"): Location("override.yaml", 7, 5),
    }
    document = {"services": {"web": {"imagee": "x"}}}

    [error] = schema.validate(document, file="compose.yaml", positions=positions)

    assert str(error) == "override.yaml:7:5: services.web additional properties 'imagee' not allowed"


def test_an_error_without_a_known_position_falls_back_to_the_nearest_parent():
    positions = {("services", "web"): Location("compose.yaml", 2, 3)}

    [error] = schema.validate({"services": {"web": {"environment": {"A": [1]}}}}, file="c.yaml", positions=positions)

    assert str(error) == "compose.yaml:2:3: services.web.environment.A must be a boolean, null, number or string"


def test_a_name_with_a_trailing_newline_is_not_a_valid_service_name_as_in_go():
    [error] = schema.validate({"services": {"web\n": {"image": "x"}}}, file="c.yaml", positions={})

    assert error.message == "services additional properties 'web\\n' not allowed"


def test_integers_written_as_floats_are_integers_and_booleans_are_not_numbers():
    assert schema.validate({"services": {"a": {"image": "x", "cpu_count": 2.0}}}, file="c", positions={}) == []
    [error] = schema.validate({"services": {"a": {"image": "x", "cpu_count": True}}}, file="c", positions={})
    assert error.message == "services.a.cpu_count must be a string"


def test_duplicate_list_items_are_reported_with_their_indexes():
    [error] = schema.validate({"services": {"a": {"image": "x", "ports": ["80:80", "80:80"]}}}, file="c", positions={})

    assert error.message == "services.a.ports items at 0 and 1 are equal"


def test_every_violation_is_listed_on_request_with_docker_composes_error_first():
    text = (
        "services:\n"
        "  web:\n"
        "    image: [x]\n"
        "    ports: [true, {target: 1, bogus: 2}]\n"
        "    environment: FOO=1\n"
        "  db:\n"
        "    restart: [1]\n"
        "helicopters: {}\n"
    )
    positions = {
        tuple(path): Location("compose.yaml", line, 1)
        for path, line in [
            (["services", "web", "image"], 3), (["services", "web", "ports", 0], 4),
            (["services", "web", "ports", 1, "bogus"], 4), (["services", "web", "environment"], 5),
            (["services", "db", "restart"], 7), (["helicopters"], 8),
        ]
    }  # fmt: skip

    errors = schema.validate(yaml.safe_load(text), file="compose.yaml", positions=positions, every=True)

    assert [e.message for e in errors] == [
        "services.web.ports.1 additional properties 'bogus' not allowed",
        "services.web.image must be a string",
        "services.web.ports.0 must be a number",
        "services.web.environment must be a mapping",
        "services.db.restart must be a string",
        "additional properties 'helicopters' not allowed",
    ]
    [docker_composes] = schema.validate(yaml.safe_load(text), file="compose.yaml", positions=positions)
    assert str(errors[0]) == str(docker_composes)


def test_a_valid_document_has_no_errors_even_when_every_one_is_asked_for():
    assert schema.validate({"services": {"a": {"image": "x"}}}, file="c", positions={}, every=True) == []


def test_the_vendored_schema_is_the_oracle_copy_named_in_the_notice():
    vendored = resources.files("dockyard.compose").joinpath("compose-spec.json").read_bytes()
    notice = resources.files("dockyard.compose").joinpath("SCHEMA_NOTICE.md").read_text()

    digest = hashlib.sha256(vendored).hexdigest()

    assert digest == "73ca5878c77570ba222a558016c7b3c6770ba5f3377786593e32180666512f8f"
    assert digest in notice
