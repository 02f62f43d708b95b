"""The Composition resource round-trips a project without the disk; secrets stay out of it."""

import json

import pytest

from dockyard.errors import TerminalError
from dockyard.reconcile.composition import MAX_BYTES, CompositionInput, build, source


def _input(**overrides):
    values = dict(
        name="shop", environment="dev",
        compose_files=[("compose.yaml", "services: {web: {image: nginx}}\n"), ("compose.prod.yaml", "{}\n")],
        files={"web.env": b"A=1\n", "certs/key.pem": b"PRIVATE", "logo.bin": b"\xff\xfe"},
        secret_files=frozenset({"certs/key.pem"}), dotenv="TAG=1\n", profiles=("debug",),
        variables={"TAG": "2"},
    )
    values.update(overrides)
    return CompositionInput(**values)


def test_a_composition_round_trips_files_in_order_under_a_virtual_directory():
    cr, secret = build(_input())
    loaded = source(cr, {k: __import__("base64").b64decode(v) for k, v in secret["data"].items()})
    assert loaded.config_files == ("/composition/compose.yaml", "/composition/compose.prod.yaml")
    assert loaded.files["/composition/web.env"] == b"A=1\n"
    assert loaded.files["/composition/logo.bin"] == b"\xff\xfe"
    assert loaded.files["/composition/certs/key.pem"] == b"PRIVATE"
    assert loaded.files["/composition/.env"] == b"TAG=1\n"
    assert (loaded.project_name, loaded.profiles, dict(loaded.variables)) == ("shop", ("debug",), {"TAG": "2"})


def test_secret_files_live_in_a_secret_and_never_in_the_resource():
    cr, secret = build(_input())
    assert "PRIVATE" not in json.dumps(cr)
    assert secret["kind"] == "Secret" and secret["metadata"]["namespace"] == "env-dev"
    assert cr["spec"]["secretFiles"]["secretName"] == secret["metadata"]["name"]


def test_a_missing_secret_file_is_a_clear_terminal_error():
    cr, _ = build(_input())
    with pytest.raises(TerminalError, match="lacks file-0"):
        source(cr, {})


def test_an_oversized_composition_is_refused_before_any_write_naming_the_largest_file():
    big = {"huge.sql": b"x" * (MAX_BYTES + 10)}
    with pytest.raises(TerminalError, match=r"over the 1024 KiB .* huge\.sql"):
        build(_input(files=big, secret_files=frozenset()))


def test_a_project_name_kubernetes_cannot_use_is_refused_with_the_way_out():
    with pytest.raises(TerminalError, match=r"'my_shop' cannot name Kubernetes objects.*--name"):
        build(_input(name="my_shop"))
