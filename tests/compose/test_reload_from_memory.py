"""A project loaded from disk can be re-loaded from the contents it kept, with no disk at all."""

from __future__ import annotations

from pathlib import Path

from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions, MemorySource, load


def test_a_project_reloads_from_its_stored_files(tmp_path: Path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "app.ini").write_text("[app]\n")
    (tmp_path / "app.env").write_text("A=1\n")
    (tmp_path / "tls.pem").write_text("CERT")
    compose = (
        "services:\n  web:\n    image: x\n    env_file: app.env\n    volumes: ['./conf:/etc/app']\n"
        "    configs: [tls]\nconfigs:\n  tls: {file: ./tls.pem}\n"
    )
    (tmp_path / "compose.yaml").write_text(compose)
    options = LoadOptions(project_name="shop")
    from_disk = load(ConfigDetails(str(tmp_path), [ConfigFile(str(tmp_path / "compose.yaml"))], {}), options)
    stored = dict(from_disk.files)
    assert set(stored) == {str(tmp_path / p) for p in ("app.env", "conf/app.ini", "tls.pem")}

    from_memory = load(
        ConfigDetails(str(tmp_path), [ConfigFile(str(tmp_path / "compose.yaml"), compose)], {}, MemorySource(stored)),
        options,
    )
    assert from_memory == from_disk
    assert from_memory.files == from_disk.files
