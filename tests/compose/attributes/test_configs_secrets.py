from __future__ import annotations

from attribute_helpers import load, merged, round_trip

from dockyard.compose.model import FileReference


def test_short_and_long_references_with_octal_modes():
    def check(project):
        web = project.services["web"]
        assert web.configs == (FileReference("app"), FileReference("tls", target="/etc/tls", mode=0o440))
        assert web.secrets == (FileReference("db", target="/run/secrets/db"),)

    round_trip(
        "services:\n  web:\n    image: x\n    configs: [app, {source: tls, target: /etc/tls, mode: 0440}]\n"
        "    secrets: [db]\n"
        "configs:\n  app: {content: hello}\n  tls: {file: ./tls.pem}\nsecrets:\n  db: {environment: DB_PASSWORD}\n",
        check,
        files={"tls.pem": "CERT"},
    )


def test_top_level_objects_are_named_and_file_contents_collected():
    _, project = load(
        "services:\n  web:\n    image: x\n    configs: [tls]\n"
        "configs:\n  tls: {file: ./tls.pem}\n  ext: {external: true}\n",
        files={"tls.pem": "CERT"},
    )
    assert project.configs["tls"].name == "test_tls"
    assert project.configs["tls"].file == "/project/tls.pem"
    assert project.configs["ext"].name == "ext" and project.configs["ext"].external
    assert project.files["/project/tls.pem"] == b"CERT"


def test_override_replaces_the_secret_with_the_same_target():
    tree = merged(
        "services:\n  web:\n    image: x\n    secrets: [{source: a, target: /run/secrets/x}]\n"
        "secrets:\n  a: {environment: A}\n  b: {environment: B}\n",
        "services:\n  web:\n    secrets: [{source: b, target: /run/secrets/x}]\n",
    )
    assert tree["services"]["web"]["secrets"] == [{"source": "b", "target": "/run/secrets/x"}]
