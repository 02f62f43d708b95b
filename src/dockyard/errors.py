"""Every error dockyard raises on purpose. Anything else escaping is a bug.

    DockyardError
    ├── ComposeError                 bad compose input: file, dotted path, line/column
    │   ├── YAMLError                the file is not valid YAML (or is hostile: alias bombs, cycles)
    │   ├── InterpolationError       ${...} could not be substituted
    │   │   ├── InvalidTemplateError
    │   │   └── MissingRequiredError ${VAR:?msg} / ${VAR?msg}
    │   ├── EnvFileError             a .env / env_file could not be read or parsed
    │   ├── SchemaError              the document breaks the Compose schema
    │   └── ValidationError          consistent schema-wise, wrong semantically (unknown service ...)
    ├── TranslationError             valid compose that cannot become Kubernetes objects
    │   └── PolicyError              rejected by the security baseline (privileged, hostPath ...)
    ├── ClusterError                 the Kubernetes API said no (carries the Status)
    │   ├── NotFoundError
    │   └── ConflictError
    └── TerminalError                the reconciler must not retry this
"""

from __future__ import annotations

from collections.abc import Sequence


class DockyardError(Exception):
    """Base of every deliberate dockyard error."""


class ComposeError(DockyardError):
    """A problem in the user's compose input, located as precisely as the input allows.

    ``str(err)`` reads ``compose.yaml:12:7: services.web.environment must be a mapping``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        path: Sequence[str | int] | str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.path = path if isinstance(path, str) or path is None else ".".join(map(str, path))
        self.line = line
        self.column = column

    @property
    def location(self) -> str:
        parts = [self.file] if self.file else []
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class YAMLError(ComposeError):
    """The file is not YAML dockyard accepts."""


class InterpolationError(ComposeError):
    """A ``${...}`` expression could not be substituted."""


class InvalidTemplateError(InterpolationError):
    """Malformed template, e.g. ``${}``."""


class MissingRequiredError(InterpolationError):
    """``${VAR:?msg}`` with VAR unset (or empty)."""


class EnvFileError(ComposeError):
    """A dotenv file is missing or malformed."""


class SchemaError(ComposeError):
    """The document does not match the Compose Specification schema."""


class ValidationError(ComposeError):
    """The document is schema-valid but inconsistent (unknown service, cycle ...)."""


class ComposeErrors(ComposeError):
    """Several independent problems, reported together (``dockyard validate`` lists them all)."""

    def __init__(self, errors: Sequence[ComposeError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.message, file=first.file, path=first.path, line=first.line, column=first.column)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class TranslationError(ComposeError):
    """Valid compose that dockyard cannot turn into Kubernetes objects."""


class PolicyError(TranslationError):
    """Rejected by the security baseline; the message names the safer alternative."""


class ClusterError(DockyardError):
    """The Kubernetes API refused a request."""

    def __init__(self, message: str, *, status: dict | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status or {}
        self.code = code


class NotFoundError(ClusterError):
    """404 from the API."""


class ConflictError(ClusterError):
    """409 from the API."""


class TerminalError(DockyardError):
    """A reconcile failure that retrying cannot fix (invalid input, policy)."""
