"""Write a large output with two processes: this one and a forked copy.

Serialising a 1,000-service project is a tenth to a sixth of a ``config`` or ``render`` run, and
the halves of its output are independent: ``both_halves`` writes the second half in a child
process (a ``fork``: it already holds the loaded objects, nothing is copied up front) while this
process writes the first, then appends the child's text. The child only computes: it never
prints, never touches the cluster, and leaves with ``os._exit`` (no exit handlers, no flushing of
inherited buffers). Anything unusual (no ``fork`` on this platform, a failed fork, a child that
fails or dies) makes this process write the second half itself, so the output never depends on
the child: the same bytes, only sooner when the child succeeds.

Only for pure functions of data already in memory; callers choose a size below which one
process is faster than two (a fork costs a millisecond or two plus the pages both processes touch).
"""

from __future__ import annotations

import marshal
import os
import signal
import tempfile
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")


def both_halves(first: Callable[[], str], second: Callable[[], str]) -> str:
    """``first() + second()``, with ``second()`` computed in a forked child while ``first()`` runs here."""
    head, tail = in_two_processes(first, second)
    return head + tail


def in_two_processes(first: Callable[[], T], second: Callable[[], U]) -> tuple[T, U]:
    """``(first(), second())``, with ``second()`` computed in a forked child while ``first()`` runs
    here. ``second()`` must return plain data ``marshal`` can carry (str, bytes, numbers, None,
    tuples, lists, dicts, sets of those)."""
    if not hasattr(os, "fork"):
        return first(), second()
    with tempfile.TemporaryFile() as spool:
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
