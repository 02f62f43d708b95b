"""The state one ``translate`` call shares between its per-kind builders.

Builders are pure functions of the model; the only thing they accumulate is warnings, which
live here (one ``Context`` per call, never module-level) so every builder can add one and
raise located errors the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dockyard.compose.model import Path, Project
from dockyard.compose.tree import dotted
from dockyard.errors import PolicyError, TranslationError

from .result import Environment, RenderWarning


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Knobs of the translation that are not part of the compose file or the environment.

    ``config_references`` maps a compose service name to the env-config keys its compose text
    references (``render.py`` computes it from the raw files, which ``translate`` never reads);
    when it is None every env-config key counts as used by every service.
    """

    default_volume_size: str = "1Gi"
    default_access_mode: str = "ReadWriteOnce"
    config_references: Mapping[str, frozenset[str]] | None = None


@dataclass
class Context:
    project: Project
    environment: Environment
    options: RenderOptions
    dns_names: Mapping[str, str] = field(default_factory=dict)  # compose service name -> DNS name
    warnings: list[RenderWarning] = field(default_factory=list)
    namespace: str = field(init=False, default="")  # the environment's, computed once: every object needs it

    def __post_init__(self) -> None:
        self.namespace = self.environment.namespace

    def where(self, path: Path) -> str | None:
        loc = self.project.source_map.locate(path)
        return str(loc) if loc is not None else None

    def warn(self, path: Path, message: str, service: str | None = None) -> None:
        self.warnings.append(RenderWarning(message=message, path=dotted(path), service=service, location=self.where(path)))

    def error(self, path: Path, message: str, *, policy: bool = False) -> TranslationError:
        """Build (not raise) a located error: ``compose.yaml:12:7: services.web.x: message``."""
        loc = self.project.source_map.locate(path)
        cls = PolicyError if policy else TranslationError
        return cls(
            f"{dotted(path)}: {message}",
            file=loc.file if loc else None,
            path=dotted(path),
            line=loc.line if loc else None,
            column=loc.column if loc else None,
        )

    def allowed(self, policy: str) -> bool:
        return policy in self.environment.allow
