"""What every command shares: error reporting and exit codes.

Exit codes: 0 ok, 1 bad input (compose, YAML, names, policy), 2 usage, 3 cluster/API error,
4 a rollout failed or timed out.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

EXIT_INPUT = 1
EXIT_CLUSTER = 3
EXIT_ROLLOUT = 4


def error(message: str) -> None:
    """Print one error line to stderr (plain text: it is read by people and by grep)."""
    print(f"error: {message}", file=sys.stderr)


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


@contextlib.contextmanager
def reported_errors() -> Iterator[None]:
    """Turn dockyard's errors into a message on stderr and the matching exit code (``typer.Exit``,
    imported only on the way out: ``main.py``'s fast path runs without typer)."""
    from dockyard.errors import ClusterError, ComposeError, ComposeErrors, DockyardError

    try:
        yield
    except ComposeErrors as exc:
        for item in exc.errors:
            error(str(item))
        raise _exit(EXIT_INPUT) from None
    except ComposeError as exc:
        error(str(exc))
        raise _exit(EXIT_INPUT) from None
    except ClusterError as exc:
        error(str(exc))
        raise _exit(EXIT_CLUSTER) from None
    except DockyardError as exc:
        error(str(exc))
        raise _exit(EXIT_INPUT) from None


def _exit(code: int) -> BaseException:
    import typer

    return typer.Exit(code)
