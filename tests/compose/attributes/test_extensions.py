from __future__ import annotations

from attribute_helpers import load, round_trip


def test_x_fields_are_kept_on_the_project_services_and_resources():
    def check(project):
        assert dict(project.extensions) == {"x-common": {"team": "shop"}}
        assert dict(project.services["web"].extensions) == {"x-owner": "alice"}
        assert dict(project.volumes["data"].extensions) == {"x-backup": True}

    round_trip(
        "x-common: {team: shop}\nservices:\n  web:\n    image: x\n    x-owner: alice\n    volumes: [data:/d]\n"
        "volumes:\n  data: {x-backup: true}\n",
        check,
        formats=("yaml",),
    )


def test_json_output_keeps_x_fields_only_at_the_top_level_like_docker_compose():
    import json

    from dockyard.compose.serialize import to_json

    tree, _ = load("x-common: 1\nservices:\n  web:\n    image: x\n    x-owner: alice\n")
    printed = json.loads(to_json(tree))
    assert printed["x-common"] == 1
    assert "x-owner" not in printed["services"]["web"]


def test_unmodelled_service_keys_are_kept_in_other():
    _, project = load("services:\n  web:\n    image: x\n    cgroup: host\n    oom_score_adj: 10\n")
    assert dict(project.services["web"].other) == {"cgroup": "host", "oom_score_adj": 10}


def test_a_service_run_by_a_provider_needs_no_image_and_its_options_are_string_lists():
    tree, _ = load("services:\n  db:\n    provider:\n      type: cloud\n      options: {size: 256, zone: [a, b]}\n")
    assert tree["services"]["db"]["provider"] == {"type": "cloud", "options": {"size": ["256"], "zone": ["a", "b"]}}


def test_model_references_and_attach_false_print_like_docker_compose():
    tree, _ = load("services:\n  web:\n    image: x\n    attach: false\n    models: [m]\nmodels:\n  m: {model: ai/x}\n")
    assert tree["services"]["web"]["models"] == {"m": None}
    assert tree["services"]["web"]["attach"] is False
