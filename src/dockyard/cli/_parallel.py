"""Two halves of a large job at once: this process and a forked copy of it.

``dockyard render`` of a large project translates and writes half of the services in a child
process (a ``fork``: it already holds the loaded project, nothing is copied up front) while this
process does the other half (``manifests.translate.yaml_in_halves``). The child only computes: its stdout and stderr go to
/dev/null, it never touches the cluster, it hands back plain data through an unlinked temporary
file (``marshal``) and leaves with ``os._exit`` (no exit handlers, no flushing of inherited
buffers). Anything unusual (no ``fork`` on this platform, no temporary file, a failed fork, a child
that fails or dies) makes this process compute the second half itself, so the result never
depends on the child: the same result, only sooner when the child succeeds.

Only for pure functions of data already in memory; callers choose a size below which one
process is faster than two (the fork, and the pages both processes then copy, cost a few ms).
"""

from __future__ import annotations

import marshal
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")


def in_two_processes(first: Callable[[], T], second: Callable[[], U]) -> tuple[T, U]:
    """``(first(), second())``, with ``second()`` computed in a forked child while ``first()`` runs
    here. ``second()`` must return plain data ``marshal`` can carry (str, bytes, numbers, None,
    tuples, lists, dicts, sets of those)."""
    if not hasattr(os, "fork"):
        return first(), second()
    try:
        spool = tempfile.TemporaryFile()  # unlinked at once: nothing is left behind, whatever happens
    except OSError:  # no writable temporary directory
        return first(), second()
    with spool:
        try:
            pid = os.fork()
        except OSError:
            return first(), second()
        if pid == 0:
            _child(second, spool.fileno())
        try:
            head = first()
        except BaseException:
            _reap(pid, kill=True)
            raise
        if _reap(pid, kill=False) != 0:
            return head, second()
        spool.seek(0)
        return head, marshal.loads(spool.read())


def _child(compute: Callable[[], object], fd: int) -> None:
    code = 1
    try:
        quiet = os.open(os.devnull, os.O_WRONLY)  # whatever it might print, only the parent speaks
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        sys.stdout = sys.stderr = open(quiet, "w", closefd=False)  # the streams may not be fds 1 and 2
        view = memoryview(marshal.dumps(compute()))
        while view:
            view = view[os.write(fd, view):]
        code = 0
    except BaseException:  # the parent recomputes and reports whatever went wrong
        pass
    finally:
        os._exit(code)


def _reap(pid: int, *, kill: bool) -> int:
    """The child's exit code (-signal when killed); ``kill`` stops it first."""
    if kill:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:  # a signal does not interrupt the wait (PEP 475: retried), unless its handler raises
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return -1
    return os.waitstatus_to_exitcode(status)


def worth_splitting(items: int, threshold: int) -> bool:
    """Whether an output of ``items`` similar parts is large enough for two processes to pay off."""
    return items >= threshold and hasattr(os, "fork")
