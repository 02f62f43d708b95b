from __future__ import annotations

from attribute_helpers import load, merged, round_trip

from dockyard.compose.model import BindOptions, ServiceVolume, TmpfsOptions, VolumeOptions


def test_short_syntax_volumes_become_long_syntax_with_absolute_bind_sources():
    def check(project):
        assert project.services["web"].volumes == (
            ServiceVolume(type="bind", source="/project/data", target="/data", read_only=True,
                          bind=BindOptions(create_host_path=True)),
            ServiceVolume(type="volume", source="cache", target="/cache", volume=VolumeOptions()),
            ServiceVolume(type="volume", target="/anonymous", volume=VolumeOptions()),
            ServiceVolume(type="volume", source="cache", target="/nocopy", volume=VolumeOptions(nocopy=True)),
        )

    round_trip(
        "services:\n  web:\n    image: x\n    volumes:\n"
        "      - ./data:/data:ro\n      - cache:/cache\n      - /anonymous\n      - cache:/nocopy:nocopy\n"
        "volumes:\n  cache: {}\n",
        check,
    )


def test_tmpfs_mount_size_is_bytes():
    def check(project):
        assert project.services["web"].volumes == (
            ServiceVolume(type="tmpfs", target="/tmp", tmpfs=TmpfsOptions(size=10 * 1024 * 1024)),
        )

    round_trip(
        "services:\n  web:\n    image: x\n    volumes:\n      - {type: tmpfs, target: /tmp, tmpfs: {size: 10m}}\n",
        check,
    )


def test_named_volume_gets_the_project_prefix_and_external_keeps_its_name():
    _, project = load(
        "services:\n  web:\n    image: x\n    volumes: [a:/a, b:/b]\nvolumes:\n  a: {}\n  b: {external: true}\n"
    )
    assert (project.volumes["a"].name, project.volumes["b"].name) == ("test_a", "b")
    assert project.volumes["b"].external


def test_override_replaces_the_volume_mounted_at_the_same_target():
    tree = merged(
        "services:\n  web:\n    image: x\n    volumes: ['./a:/data', './keep:/keep']\n",
        "services:\n  web:\n    volumes: ['./b:/data']\n",
    )
    assert [(v["source"], v["target"]) for v in tree["services"]["web"]["volumes"]] == [
        ("/project/b", "/data"),
        ("/project/keep", "/keep"),
    ]


def test_bind_mount_file_contents_are_collected_into_project_files():
    _, project = load(
        "services:\n  web:\n    image: x\n    volumes: ['./conf:/etc/app']\n",
        files={"conf/app.ini": "[app]\n", "conf/sub/x.txt": "x"},
    )
    assert project.files == {"/project/conf/app.ini": b"[app]\n", "/project/conf/sub/x.txt": b"x"}


def test_referenced_files_above_the_cap_are_a_clear_error():
    import pytest

    from dockyard.errors import ComposeError

    with pytest.raises(ComposeError, match="exceed 8 MiB"):
        load(
            "services:\n  web:\n    image: x\n    volumes: ['./big:/big']\n",
            files={"big/a.bin": "a" * (5 << 20), "big/b.bin": "b" * (5 << 20)},
        )


def test_a_socket_bind_source_is_not_collected_and_not_an_error(tmp_path):
    import socket

    from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions
    from dockyard.compose import load as load_from_disk

    path = str(tmp_path / "s.sock")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    try:
        (tmp_path / "compose.yaml").write_text(f"services:\n  web:\n    image: x\n    volumes: ['{path}:/s.sock']\n")
        project = load_from_disk(
            ConfigDetails(str(tmp_path), [ConfigFile(str(tmp_path / "compose.yaml"))], {}), LoadOptions()
        )
    finally:
        server.close()
    assert project.files == {}


def test_a_long_syntax_bind_creates_its_host_path_only_when_asked_like_docker_compose():
    tree, project = load(
        "services:\n  web:\n    image: x\n    volumes:\n"
        "      - {type: bind, source: ./a, target: /a, bind: {selinux: z}}\n"
        "      - {type: bind, source: ./b, target: /b, bind: {create_host_path: true}}\n"
        "      - ./c:/c\n"
    )
    assert [v.get("bind") for v in tree["services"]["web"]["volumes"]] == [
        {"selinux": "z"}, {"create_host_path": True}, {"create_host_path": True}
    ]
    assert [v.bind.create_host_path for v in project.services["web"].volumes] == [False, True, True]
