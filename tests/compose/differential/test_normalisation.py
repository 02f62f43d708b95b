"""The differential normalisations hide spelling only: equal values stay equal, different ones differ."""

from __future__ import annotations

from diffkit import normalise, reference_reason


def test_durations_compare_by_value_not_by_spelling():
    a = normalise({"services": {"s": {"healthcheck": {"interval": "1m0s", "timeout": "1m30s"}}}})
    b = normalise({"services": {"s": {"healthcheck": {"interval": "60s", "timeout": "90s"}}}})
    c = normalise({"services": {"s": {"healthcheck": {"interval": "61s", "timeout": "90s"}}}})

    assert a == b
    assert a != c


def test_byte_sizes_compare_by_value_and_dollars_are_unescaped():
    docker = {"services": {"s": {"mem_limit": "268435456", "environment": {"A": "$$HOME"}}}}
    ours = {"services": {"s": {"mem_limit": "256m", "environment": {"A": "$HOME"}}}}

    assert normalise(docker) == normalise(ours)
    assert normalise(docker) != normalise({"services": {"s": {"mem_limit": "255m", "environment": {"A": "$HOME"}}}})


def test_unused_top_level_resources_are_ignored_but_used_ones_are_compared():
    used = {"services": {"s": {"networks": {"front": None}}}, "networks": {"front": {"name": "p_front"}}}
    with_unused = {**used, "networks": {"front": {"name": "p_front"}, "back": {"name": "p_back"}}}
    renamed = {**used, "networks": {"front": {"name": "other"}}}

    assert normalise(with_unused) == normalise(used)
    assert normalise(renamed) != normalise(used)


def test_docker_compose_reasons_become_patterns_over_dockyard_messages():
    reason = reference_reason("validating /x/compose.yaml: services.web.ports.[]: invalid ip address: nope")

    assert reason.search("compose.yaml:1:3: services.web.ports.0: invalid ip address: nope")
    assert not reason.search("compose.yaml:1:3: services.web.ports.0: invalid ip address: other")


def test_blkio_device_keys_compare_whatever_their_case():
    docker = {"services": {"s": {"blkio_config": {"device_read_bps": [{"Path": "/dev/sda", "Rate": "1024"}]}}}}
    ours = {"services": {"s": {"blkio_config": {"device_read_bps": [{"path": "/dev/sda", "rate": "1024"}]}}}}
    other = {"services": {"s": {"blkio_config": {"device_read_bps": [{"path": "/dev/sda", "rate": "2048"}]}}}}

    assert normalise(docker) == normalise(ours)
    assert normalise(other) != normalise(ours)


def test_nested_extensions_are_ignored_but_service_level_ones_and_user_keys_are_compared():
    docker = {"services": {"s": {"build": {"context": "."}, "labels": {"x-team": "a"}}}}
    ours = {"services": {"s": {"build": {"context": ".", "x-b": True}, "labels": {"x-team": "a"}}}}
    other_label = {"services": {"s": {"build": {"context": "."}, "labels": {"x-team": "b"}}}}
    service_extension = {"services": {"s": {"build": {"context": "."}, "labels": {"x-team": "a"}, "x-s": 1}}}

    assert normalise(docker) == normalise(ours)
    assert normalise(other_label) != normalise(ours)
    assert normalise(service_extension) != normalise(ours)


def test_a_decoding_error_path_in_brackets_reads_as_a_dotted_path():
    reason = reference_reason("decoding failed:\n\n'services[web].build.extra_hosts' invalid additional host, missing IP: h")

    assert reason.search("compose.yaml:1:3: services.web.build.extra_hosts invalid additional host, missing IP: h")


def test_top_level_models_are_ignored_but_service_model_references_are_compared():
    docker = {"services": {"s": {"models": {"m": None}}}}
    ours = {"services": {"s": {"models": {"m": None}}}, "models": {"m": {"model": "ai/x"}}}

    assert normalise(docker) == normalise(ours)
    assert normalise({"services": {"s": {"models": {"n": None}}}}) != normalise(ours)
