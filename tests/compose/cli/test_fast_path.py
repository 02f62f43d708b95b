"""``main()`` runs ``config``/``validate`` without typer when it can: same options, same output.

Also checks the lazy command registration: running a command imports only its module, and the
app built for any command name contains that command.
"""

from __future__ import annotations


import pytest
import typer
from typer.testing import CliRunner

from dockyard.cli import _fastpath
from dockyard.cli.main import app, build_app

runner = CliRunner()


def click_options(command_name: str) -> dict[str, tuple[str, str]]:
    command = typer.main.get_command(app).commands[command_name]
    table = {}
    for param in command.params:
        if param.name == "help":
            continue
        kind = "flag" if param.is_flag else "many" if param.multiple else "one"
        for option in (*param.opts, *param.secondary_opts):
            table[option] = (param.name, kind)
    return table


@pytest.mark.parametrize("command", sorted(_fastpath.COMMAND_OPTIONS))
def test_the_fast_option_tables_match_the_typer_declarations(command):
    assert _fastpath.COMMAND_OPTIONS[command] == click_options(command)


@pytest.mark.parametrize(
    "argv",
    [
        ["config"],
        ["config", "--format", "json"],
        ["config", "--format=json", "-f", "compose.yaml", "--profile", "debug"],
        ["config", "--no-interpolate", "--no-normalize", "-p", "other"],
        ["config", "--no-consistency", "--no-path-resolution", "--project-directory", "."],
        ["config", "--services"],
        ["config", "--volumes"],
        ["config", "--profiles"],
        ["config", "--file", "bad.yaml"],
        ["validate"],
        ["validate", "-q", "--file=compose.yaml"],
        ["validate", "-f", "bad.yaml"],
    ],
)
def test_the_fast_path_prints_what_typer_prints(project, capsys, argv):
    expected = runner.invoke(app, argv)
    code = _fastpath.run(argv)
    printed = capsys.readouterr()
    assert code == expected.exit_code
    assert (printed.out, printed.err) == (expected.stdout, expected.stderr)


@pytest.mark.parametrize(
    "argv",
    [
        ["config", "--help"],
        ["config", "--format", "xml"],
        ["config", "--format"],
        ["config", "-f", "--services"],
        ["config", "-fcompose.yaml"],
        ["config", "--services=yes"],
        ["config", "--unknown"],
        ["config", "extra"],
        ["validate", "--format", "json"],
        ["plan", "-f", "compose.yaml"],
        [],
    ],
)
def test_anything_unusual_is_left_to_typer(project, argv):
    assert _fastpath.run(argv) is None


def test_shell_completion_is_left_to_typer(project, monkeypatch):
    monkeypatch.setenv(_fastpath.COMPLETION_VARIABLE, "bash_complete")
    assert _fastpath.run(["config"]) is None


def registered(built: typer.Typer) -> set[str]:
    return set(typer.main.get_command(built).commands)


def test_the_app_built_for_a_command_has_that_command():
    for name in registered(app):
        assert name in registered(build_app(name))


def test_the_app_for_help_has_every_command():
    assert registered(build_app(None)) == registered(app)
    assert {"config", "validate", "render", "vars", "uninstall"} <= registered(app)


def test_dockyard_config_imports_neither_typer_nor_any_command_module(project):
    import subprocess
    import sys

    code = (
        "import sys; sys.argv = ['dockyard', 'config', '--services'];"
        "from dockyard.cli.main import main; main();"
        "print(sorted(m for m in sys.modules if m == 'typer' or m.endswith('_cmd')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["web", "[]"]
