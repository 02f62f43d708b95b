"""Compose names to DNS-1035 names: normalising, hash-shortening, collisions, ConfigMap keys."""

import pytest

from dockyard.errors import TranslationError
from dockyard.manifests.names import config_key, dns_label, is_dns_1035
from manifest_builders import one, render, service


@pytest.mark.parametrize(("compose", "kubernetes"), [
    ("web", "web"), ("Front_End", "front-end"), ("api.v2", "api-v2"), ("NGINX", "nginx"),
    ("2fa", "s-2fa"), ("a__b", "a-b"), ("-x-", "x"),
])
def test_compose_names_become_dns_1035_labels(compose, kubernetes):
    assert dns_label(compose) == kubernetes
    assert is_dns_1035(dns_label(compose))


def test_names_over_the_limit_keep_a_prefix_and_a_stable_hash_suffix():
    long = "service-" + "x" * 80
    name = dns_label(long)
    assert len(name) == 63 and is_dns_1035(name)
    assert name == dns_label(long)
    assert name != dns_label(long + "y")
    assert name.startswith("service-xxx")


def test_a_renamed_service_gets_a_warning_with_its_dns_name():
    rendered = render(service("Front_End"))
    assert one(rendered, "Deployment")["metadata"]["name"] == "front-end"
    assert any("front-end" in w.message and w.path == "services.Front_End" for w in rendered.warnings)
    assert rendered.services["Front_End"].dns_name == "front-end"


def test_two_services_normalising_to_one_name_is_an_error_naming_both():
    with pytest.raises(TranslationError) as caught:
        render(service("front_end"), service("front.end"))
    message = str(caught.value)
    assert "'front.end'" in message and "'front_end'" in message and "front-end" in message
    assert message.startswith("/project/compose.yaml:")


def test_config_keys_are_valid_for_configmaps():
    assert config_key("nginx/conf.d/site.conf") == "nginx__conf.d__site.conf"
    assert config_key("a b") == "a_b"


def test_dns_subdomains_for_configmap_secret_and_claim_names():
    from dockyard.manifests.names import is_dns_subdomain

    assert is_dns_subdomain("team-data.v1") and not is_dns_subdomain("Team_Data") and not is_dns_subdomain("a..b")
