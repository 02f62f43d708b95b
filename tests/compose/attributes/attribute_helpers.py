"""Load inline compose YAML from memory, check the model, print it, reload it, check again."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions, MemorySource, load_tree
from dockyard.compose.model import Project
from dockyard.compose.serialize import to_json, to_yaml

WORKDIR = "/project"


def load(
    *texts: str,
    env: Mapping[str, str] | None = None,
    files: Mapping[str, str] | None = None,
    options: LoadOptions | None = None,
) -> tuple[dict, Project]:
    """Load ``texts`` as ``-f`` files (compose.yaml, override1.yaml ...); ``files`` are other files."""
    names = ["compose.yaml"] + [f"override{i}.yaml" for i in range(1, len(texts))]
    stored = {f"{WORKDIR}/{name}": text.encode() for name, text in (files or {}).items()}
    stored.update({f"{WORKDIR}/{name}": text.encode() for name, text in zip(names, texts)})
    details = ConfigDetails(
        WORKDIR,
        [ConfigFile(f"{WORKDIR}/{name}") for name in names],
        dict(env or {}),
        MemorySource(stored),
    )
    return load_tree(details, options or LoadOptions(project_name="test"))


def round_trip(text: str, check: Callable[[Project], None], *, formats=("yaml", "json"), **kwargs) -> None:
    """``check`` the model, then the model of the printed YAML and of the printed JSON."""
    tree, project = load(text, **kwargs)
    check(project)
    printers = {"yaml": to_yaml, "json": to_json}
    for printed in (printers[f](tree) for f in formats):
        _, again = load(printed, files=kwargs.get("files"), options=kwargs.get("options"))
        check(again)


def merged(base: str, override: str, **kwargs) -> dict:
    """The printed tree of ``base`` merged with ``override`` (two ``-f`` files)."""
    tree, _ = load(base, override, **kwargs)
    return tree
