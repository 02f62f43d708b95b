"""Fixtures for the manifests tests."""

from __future__ import annotations

import pytest

from manifest_schemas import schema_errors


@pytest.fixture(scope="session")
def validate_objects():
    """Assert every object passes kubernetes-validate strict for 1.30 and 1.37."""

    def check(objects) -> None:
        problems = [p for obj in objects for p in schema_errors(obj)]
        assert not problems, "\n".join(problems[:20])

    return check
