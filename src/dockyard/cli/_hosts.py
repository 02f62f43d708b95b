"""``dockyard connect --hosts``: a marked block in the hosts file so ``postgres:5432`` resolves to 127.0.0.1.

The block sits between two marker lines; the first names the process that wrote it::

    # BEGIN dockyard connect (pid 4242, environment dev)
    127.0.0.1 postgres api
    # END dockyard connect

It is removed when ``connect`` exits. A block left by a run that crashed (its pid no longer alive) is
removed on the next run; a block of a run still alive is left alone and refused with a clear message.
The file is rewritten in place (not replaced), because ``/etc/hosts`` is often a bind mount.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dockyard.errors import DockyardError

BEGIN = "# BEGIN dockyard connect"
END = "# END dockyard connect"
_BEGIN_LINE = re.compile(r"^# BEGIN dockyard connect \(pid (\d+)(?:, [^)]*)?\)\s*$")
DEFAULT_PATH = Path(r"C:\Windows\System32\drivers\etc\hosts") if sys.platform == "win32" else Path("/etc/hosts")

__all__ = ["DEFAULT_PATH", "HostsError", "HostsFile"]


class HostsError(DockyardError):
    """The hosts file cannot be read or written, or another live run owns the block."""


_STILL_ACTIVE = 259
_QUERY_LIMITED_INFORMATION = 0x1000
_ACCESS_DENIED = 5


def _alive_on_windows(pid: int, kernel32) -> bool:
    """Windows has no signal 0: ``os.kill(pid, 0)`` there would terminate the process. Ask for its exit code."""
    import ctypes

    handle = kernel32.OpenProcess(_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        return kernel32.GetLastError() == _ACCESS_DENIED  # it exists, it is someone else's
    try:
        code = ctypes.c_ulong()
        return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == _STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        import ctypes

        return _alive_on_windows(pid, ctypes.windll.kernel32)
    try:
        os.kill(pid, 0)  # signal 0: checks the pid, sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is someone else's
    return True


@dataclass
class HostsFile:
    path: Path = DEFAULT_PATH

    def _read(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""
        except OSError as exc:
            raise HostsError(f"cannot read {self.path}: {exc.strerror}") from None

    def _write(self, text: str) -> None:
        try:
            with open(self.path, "r+" if self.path.exists() else "w", encoding="utf-8") as handle:
                handle.seek(0)
                handle.write(text)
                handle.truncate()
        except PermissionError:
            raise HostsError(f"cannot write {self.path}: permission denied; run dockyard connect with "
                             "administrator rights (sudo) for --hosts, or leave --hosts out") from None
        except OSError as exc:
            raise HostsError(f"cannot write {self.path}: {exc.strerror}") from None

    @staticmethod
    def _split(text: str) -> tuple[list[str], list[str], int | None]:
        """(lines outside any dockyard block, lines of the blocks, pid of the last block's writer)."""
        outside, inside, pid, in_block = [], [], None, False
        for line in text.splitlines():
            match = _BEGIN_LINE.match(line)
            if match or line.startswith(BEGIN):
                in_block, pid = True, int(match.group(1)) if match else None
                inside.append(line)
            elif in_block:
                inside.append(line)
                in_block = line.strip() != END
            else:
                outside.append(line)
        return outside, inside, pid

    def stale_block(self) -> bool:
        """Is there a block whose writer is gone (a crashed run)?"""
        _, inside, pid = self._split(self._read())
        return bool(inside) and (pid is None or not _alive(pid))

    def write(self, names: Iterable[str], *, environment: str, address: str = "127.0.0.1") -> bool:
        """Write our block (replacing a stale one); returns True when a stale block was removed."""
        outside, inside, pid = self._split(self._read())
        if inside and pid is not None and pid != os.getpid() and _alive(pid):
            raise HostsError(f"{self.path} already has a dockyard block of a running dockyard connect (pid {pid}); "
                             "stop it first, or leave --hosts out")
        block = [f"{BEGIN} (pid {os.getpid()}, environment {environment})",
                 f"{address} {' '.join(sorted(set(names)))}", END]
        self._write("\n".join(outside + block) + "\n")
        return bool(inside) and pid != os.getpid()

    def remove(self) -> bool:
        """Remove any dockyard block; returns True when there was one."""
        text = self._read()
        outside, inside, _ = self._split(text)
        if not inside:
            return False
        self._write("\n".join(outside) + ("\n" if outside else ""))
        return True
