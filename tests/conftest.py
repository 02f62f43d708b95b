"""Shared test helpers: where the read-only reference data (oracles) lives.

CI clones the repository into some folder with ``shared/`` beside it, so the oracles are always
found at ``<repo>/../shared/oracle``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ORACLE = Path(__file__).resolve().parents[2] / "shared" / "oracle"


def load_oracle(relative: str) -> Any:
    """Read one oracle JSON file, e.g. ``load_oracle("compose-spec/dotenv.json")``."""
    return json.loads((ORACLE / relative).read_text(encoding="utf-8"))

# The emulated Kubernetes API (fixtures `kube`, `kube_client`, `async_kube_client`) for every test.
pytest_plugins = ["tests.emulator.fixtures"]
