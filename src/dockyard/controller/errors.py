"""The one place where dockyard's errors become kopf's retry policy.

The engine raises dockyard's own errors (``dockyard.errors``, ``dockyard.reconcile.errors``); kopf decides
whether to call a handler again from the exception type. Bad input (a compose error, a policy refusal, a
``TerminalError``) can only be fixed by a new edit, so it is permanent: kopf stops retrying until the
object changes. API trouble is temporary: a retryable failure (409/429/5xx/timeouts) comes back soon,
any other refusal (403, 422 ...) slowly, because a cluster admin has to act first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import kopf

from dockyard.errors import ClusterError, ComposeError, DockyardError, TerminalError

RETRYABLE_DELAY = 5.0
REFUSED_DELAY = 60.0

__all__ = ["REFUSED_DELAY", "RETRYABLE_DELAY", "as_kopf_error", "kopf_errors", "reason_of"]


def _is_retryable(exc: BaseException) -> bool:
    from dockyard.reconcile.errors import is_retryable

    return is_retryable(exc)


def as_kopf_error(exc: DockyardError) -> kopf.PermanentError | kopf.TemporaryError:
    """The kopf exception that carries ``exc``'s message and retry policy."""
    if isinstance(exc, (ComposeError, TerminalError)):
        return kopf.PermanentError(str(exc))
    if isinstance(exc, ClusterError) and not _is_retryable(exc):
        return kopf.TemporaryError(str(exc), delay=REFUSED_DELAY)
    return kopf.TemporaryError(str(exc), delay=RETRYABLE_DELAY)


def reason_of(exc: BaseException) -> str:
    """A CamelCase condition/Event reason for a failure (API conventions: one word, no spaces).

    The engine re-raises a compose error as a ``TerminalError`` (after recording it in the status);
    the cause it carries still names the failure.
    """
    if isinstance(exc, ComposeError) or isinstance(exc.__cause__, ComposeError):
        return "InvalidCompose"
    if isinstance(exc, TerminalError):
        return "InvalidComposition"
    if isinstance(exc, ClusterError):
        return "APIError"
    return "InternalError"


@contextlib.contextmanager
def kopf_errors() -> Iterator[None]:
    """Re-raise dockyard errors as kopf errors; anything else is a bug and stays as it is."""
    try:
        yield
    except DockyardError as exc:
        raise as_kopf_error(exc) from exc
