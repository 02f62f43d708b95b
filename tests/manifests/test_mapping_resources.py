"""CPU/memory quantities (exact, never 0), limits and requests, reservations above limits."""

import pytest

from dockyard.compose.model import Deploy, Resource, Resources
from dockyard.errors import TranslationError
from dockyard.manifests.resources import cpu_quantity, memory_quantity, quantity_value
from manifest_builders import container, render, service

MiB = 1 << 20


@pytest.mark.parametrize(("size", "quantity"), [(512 * MiB, "512Mi"), (1 << 30, "1Gi"), (1536 * MiB, "1536Mi"),
                                                (10000, "10000"), (2048, "2Ki"), (1, "1")])
def test_memory_sizes_are_exact_binary_quantities(size, quantity):
    assert memory_quantity(size) == quantity
    assert quantity_value(quantity) == size


@pytest.mark.parametrize(("cpus", "quantity"), [(0.5, "500m"), (1.0, "1"), (2.0, "2"), (0.25, "250m"),
                                                (0.0001, "1m"), (0.0015, "2m"), (1.5, "1500m"), (0.01, "10m")])
def test_cpus_become_millicores_rounded_up_and_never_zero(cpus, quantity):
    assert cpu_quantity(cpus) == quantity


def test_deploy_resources_become_limits_and_requests():
    limits = Resource(cpus=0.5, memory=512 * MiB)
    reservations = Resource(cpus=0.25, memory=256 * MiB)
    spec = container(render(service(deploy=Deploy(resources=Resources(limits=limits, reservations=reservations)))))
    assert spec["resources"] == {"limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "256Mi"}}


def test_service_level_cpus_mem_limit_and_mem_reservation_are_used_when_deploy_has_none():
    spec = container(render(service(cpus=1.5, mem_limit=1 << 30, mem_reservation=128 * MiB)))
    assert spec["resources"] == {"limits": {"cpu": "1500m", "memory": "1Gi"}, "requests": {"memory": "128Mi"}}


def test_a_reservation_larger_than_the_limit_is_an_error():
    resources = Resources(limits=Resource(memory=128 * MiB), reservations=Resource(memory=256 * MiB))
    with pytest.raises(TranslationError, match="larger than the limit"):
        render(service(deploy=Deploy(resources=resources)))


def test_pids_limits_are_warned_about():
    rendered = render(service(deploy=Deploy(resources=Resources(limits=Resource(pids=100)))))
    assert any(w.path == "services.web.deploy.resources.limits.pids" for w in rendered.warnings)
