"""``main()`` runs ``render`` without typer when its options are plain: same output, same errors.

The fast path (``cli/_fastpath.py``) parses render's options from its own table and calls the
same body (``cli/_render.py``) as the typer command; these tests hold the table to the typer
declaration and compare the two paths' stdout, stderr and exit code on the same command lines.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from dockyard.cli import _fastpath
from dockyard.cli.main import app

runner = CliRunner()
SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop" / "compose.yaml"


def click_options(command_name: str) -> dict[str, tuple[str, str]]:
    command = typer.main.get_command(app).commands[command_name]
    return {option: (param.name, "flag" if param.is_flag else "many" if param.multiple else "one")
            for param in command.params if param.name != "help" for option in (*param.opts, *param.secondary_opts)}


def test_the_fast_render_table_matches_the_typer_declaration():
    assert _fastpath.COMMAND_OPTIONS["render"] == click_options("render")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TAG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  web:\n"
        "    image: nginx:${TAG:-latest}\n"
        "    ports: ['8080:80']\n"
        "    environment: {LEVEL: '${LEVEL}', PASSWORD: '${DB_PASSWORD}'}\n"
        "    volumes: [data:/data]\n"
        "  debug:\n"
        "    image: busybox\n"
        "    profiles: [debug]\n"
        "volumes:\n"
        "  data: {}\n"
    )
    (tmp_path / "env.conf").write_text("LEVEL=debug\n")
    (tmp_path / "bad.yaml").write_text("services:\n  web:\n    image: [1]\n")
    (tmp_path / "host.yaml").write_text("services:\n  web:\n    image: nginx\n    network_mode: host\n")
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        ["render"],
        ["render", "-o", "json", "--env", "qa"],
        ["render", "--output=json", "-e", "qa", "-f", "compose.yaml", "--profile", "debug"],
        ["render", "--secret-keys", "DB_PASSWORD", "--config", "LEVEL=info", "--var", "TAG=2.0"],
        ["render", "--config-file", "env.conf", "--secret-keys=DB_PASSWORD,OTHER", "-p", "other"],
        ["render", "--project-name", "shop", "--project-directory", ".", "--env-file", "env.conf"],
        ["render", "-f", str(SHOP), "--secret-keys", "DB_PASSWORD"],
        ["render", "-f", "bad.yaml"],
        ["render", "-f", "host.yaml"],
        ["render", "-f", "host.yaml", "--allow", "host-network"],
        ["render", "--allow", "everything"],
        ["render", "--env", "Not_A_Name"],
        ["render", "--config", "NOEQUALS"],
        ["render", "-f", "missing.yaml"],
    ],
)
def test_the_fast_path_renders_what_typer_renders(project, capsys, argv):
    expected = runner.invoke(app, argv)
    code = _fastpath.run(argv)
    printed = capsys.readouterr()
    assert code == expected.exit_code and (code == 0) == ("error" not in expected.stderr)
    assert (printed.out, printed.err) == (expected.stdout, expected.stderr)


@pytest.mark.parametrize(
    "argv",
    [
        ["render", "--help"],
        ["render", "-o", "xml"],
        ["render", "--output"],
        ["render", "-f", "--env"],
        ["render", "-oyaml"],
        ["render", "--unknown"],
        ["render", "extra"],
        ["render", "--format", "json"],
    ],
)
def test_anything_unusual_in_a_render_command_line_is_left_to_typer(project, argv):
    assert _fastpath.run(argv) is None


def test_dockyard_render_imports_neither_typer_nor_any_command_module(project):
    code = (
        "import sys; sys.argv = ['dockyard', 'render', '-o', 'json'];"
        "from dockyard.cli.main import main; main();"
        "print(sorted(m for m in sys.modules if m == 'typer' or m.endswith('_cmd')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"
    assert '"kind": "List"' in done.stdout
