"""The hosts-file block of ``dockyard connect --hosts``: marked, removed on exit, a crashed run's block
removed on the next run, a live run's block left alone."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dockyard.cli._hosts import HostsError, HostsFile

ORIGINAL = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n"


@pytest.fixture
def hosts(tmp_path):
    path = tmp_path / "hosts"
    path.write_text(ORIGINAL)
    return HostsFile(path)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_block_is_marked_and_maps_every_name_to_the_local_address(hosts):
    assert hosts.write(["postgres", "api", "postgres"], environment="dev") is False
    assert hosts.path.read_text() == ORIGINAL + (
        f"# BEGIN dockyard connect (pid {os.getpid()}, environment dev)\n"
        "127.0.0.1 api postgres\n"
        "# END dockyard connect\n")


def test_removing_the_block_restores_the_file_exactly(hosts):
    hosts.write(["postgres"], environment="dev")
    assert hosts.remove() is True
    assert hosts.path.read_text() == ORIGINAL
    assert hosts.remove() is False


def test_a_block_left_by_a_crashed_run_is_stale_and_replaced_on_the_next_run(hosts):
    stale = f"# BEGIN dockyard connect (pid {dead_pid()}, environment old)\n127.0.0.1 web\n# END dockyard connect\n"
    hosts.path.write_text(ORIGINAL + stale + "10.0.0.1 after-the-block\n")
    assert hosts.stale_block() is True
    assert hosts.write(["postgres"], environment="dev") is True
    text = hosts.path.read_text()
    assert "127.0.0.1 web" not in text and "127.0.0.1 postgres" in text
    assert "10.0.0.1 after-the-block" in text
    hosts.remove()
    assert hosts.path.read_text() == ORIGINAL + "10.0.0.1 after-the-block\n"


def test_the_block_of_a_run_still_alive_is_refused_with_its_pid(hosts):
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        hosts.path.write_text(ORIGINAL + f"# BEGIN dockyard connect (pid {alive.pid}, environment x)\n"
                              "127.0.0.1 web\n# END dockyard connect\n")
        assert hosts.stale_block() is False
        with pytest.raises(HostsError, match=rf"running dockyard connect \(pid {alive.pid}\); stop it first"):
            hosts.write(["postgres"], environment="dev")
    finally:
        alive.kill()
        alive.wait()


def test_an_unwritable_hosts_file_says_to_use_administrator_rights(hosts, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")  # what a user without rights gets (tests may run as root)

    monkeypatch.setattr("dockyard.cli._hosts.open", refuse, raising=False)
    with pytest.raises(HostsError, match=r"cannot write .*hosts: permission denied; run dockyard connect with "
                                         r"administrator rights \(sudo\) for --hosts, or leave --hosts out"):
        hosts.write(["postgres"], environment="dev")
    assert hosts.path.read_text() == ORIGINAL


class FakeKernel32:
    """Just enough of Windows' kernel32 to answer 'is this pid alive?' (the real one exists only on Windows)."""

    def __init__(self, processes: dict[int, int | None]) -> None:
        self.processes = processes  # pid -> exit code (259 while running); None: exists, access denied
        self.last_error = 0
        self.closed: list[int] = []

    def OpenProcess(self, access, inherit, pid):  # noqa: N802 - the Windows API's names
        if pid not in self.processes:
            self.last_error = 87  # ERROR_INVALID_PARAMETER: no such process
            return 0
        if self.processes[pid] is None:
            self.last_error = 5
            return 0
        return pid

    def GetLastError(self):  # noqa: N802
        return self.last_error

    def GetExitCodeProcess(self, handle, code_ref):  # noqa: N802
        code_ref._obj.value = self.processes[handle]
        return 1

    def CloseHandle(self, handle):  # noqa: N802
        self.closed.append(handle)
        return 1


def test_on_windows_liveness_is_asked_of_the_process_table_never_by_a_signal(monkeypatch):
    import ctypes
    import types

    from dockyard.cli import _hosts

    kernel32 = FakeKernel32({10: 259, 11: 0, 12: None})
    monkeypatch.setattr(_hosts.sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "windll", types.SimpleNamespace(kernel32=kernel32), raising=False)
    monkeypatch.setattr(os, "kill", lambda *a: pytest.fail("os.kill on Windows terminates the process"))
    assert [_hosts._alive(pid) for pid in (10, 11, 12, 13)] == [True, False, True, False]
    assert kernel32.closed == [10, 11]
