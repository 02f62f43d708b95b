"""dockyard.compose: load Docker Compose files into the typed, immutable model.

    from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions, load
    project = load(ConfigDetails("/src/app", [ConfigFile("/src/app/compose.yaml")], os.environ))

Names are imported lazily so that ``import dockyard.compose.model`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "ConfigDetails",
    "ConfigFile",
    "DiskSource",
    "FileSource",
    "LoadOptions",
    "MemorySource",
    "Project",
    "load",
    "load_tree",
]

_SOURCES = {
    "ConfigDetails": "dockyard.compose.loader",
    "ConfigFile": "dockyard.compose.loader",
    "LoadOptions": "dockyard.compose.loader",
    "load": "dockyard.compose.loader",
    "load_tree": "dockyard.compose.loader",
    "DiskSource": "dockyard.compose.files",
    "FileSource": "dockyard.compose.files",
    "MemorySource": "dockyard.compose.files",
    "Project": "dockyard.compose.model",
}

if TYPE_CHECKING:
    from dockyard.compose.files import DiskSource, FileSource, MemorySource
    from dockyard.compose.loader import ConfigDetails, ConfigFile, LoadOptions, load, load_tree
    from dockyard.compose.model import Project


def __getattr__(name: str) -> Any:
    if name in _SOURCES:
        import importlib

        return getattr(importlib.import_module(_SOURCES[name]), name)
    raise AttributeError(f"module 'dockyard.compose' has no attribute {name!r}")
