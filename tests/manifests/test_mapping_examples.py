"""Every shipped example renders, and every object passes the strict Kubernetes schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.compose import ConfigDetails, ConfigFile, LoadOptions
from dockyard.manifests.render import render
from dockyard.manifests.result import Environment

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted(EXAMPLES.glob("*/compose.yaml"))
# example -> the env-secret keys its README command passes
SECRET_KEYS = {"shop": {"DB_PASSWORD"}}


def _render(path: Path):
    details = ConfigDetails(working_dir=str(path.parent), config_files=[ConfigFile(str(path))], environment={})
    environment = Environment("dev", secret_keys=frozenset(SECRET_KEYS.get(path.parent.name, ())), composition=path.parent.name)
    return render(details, LoadOptions(), environment)


def test_there_is_at_least_the_shop_example():
    assert EXAMPLES / "shop" / "compose.yaml" in FILES


@pytest.mark.parametrize("path", FILES, ids=[p.parent.name for p in FILES])
def test_example_renders_to_schema_valid_objects(path, validate_objects):
    rendered = _render(path)
    assert rendered.services
    validate_objects(rendered.objects)


def test_the_shop_keeps_its_password_in_the_secret():
    rendered = _render(EXAMPLES / "shop" / "compose.yaml")
    assert {name for name, s in rendered.services.items() if s.secret_keys} == {"postgres", "api", "worker"}
    assert rendered.services["api"].depends_on["postgres"].condition == "service_healthy"
    assert [o["metadata"]["name"] for o in rendered.objects if o["kind"] == "Deployment"] == ["postgres", "redis", "api", "worker"]


def test_the_cached_validator_agrees_with_kubernetes_validate_itself():
    """``manifest_schemas`` reuses kubernetes-validate's schemas with a cached validator; check it against the library."""
    import kubernetes_validate

    from manifest_schemas import schema_errors

    objects = _render(EXAMPLES / "shop" / "compose.yaml").objects
    for obj in objects:
        for version in ("1.30", "1.37"):
            kubernetes_validate.validate(obj, version, strict=True)
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    broken = {**deployment, "spec": {**deployment["spec"], "replicas": "two", "surprise": True}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, "1.37", strict=True)
    problems = schema_errors(broken)
    assert any("replicas" in p for p in problems) and any("surprise" in p for p in problems)


LOADER_FIXTURES = sorted((Path(__file__).resolve().parents[1] / "compose" / "testdata").rglob("compose.yaml"))


@pytest.mark.parametrize("path", LOADER_FIXTURES, ids=[str(p.parent.name) for p in LOADER_FIXTURES])
def test_every_loader_fixture_renders_valid_objects_or_fails_with_a_located_dockyard_error(path, validate_objects):
    """The loader's own multi-file fixtures (extends, include, cycles, a kitchen sink), every policy allowed;
    HOME is given because the kitchen sink's config reads it (render never reads the shell)."""
    from dockyard.errors import DockyardError
    from dockyard.manifests import policy

    details = ConfigDetails(working_dir=str(path.parent), config_files=[ConfigFile(str(path))], environment={})
    try:
        rendered = render(details, LoadOptions(), Environment("dev", composition="fixture", allow=frozenset(policy.NAMES)),
                          {"HOME": "/home/user"})
    except DockyardError as error:
        assert str(error).startswith(str(path.parent)), error
        return
    assert rendered.objects
    validate_objects(rendered.objects)
