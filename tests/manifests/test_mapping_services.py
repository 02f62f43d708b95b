"""Discovery: a Service per compose service (headless without ports), target and published ports, aliases."""

import pytest

from dockyard.compose.model import Deploy, Port, ServiceNetwork
from dockyard.errors import PolicyError, TranslationError
from manifest_builders import container, env, one, render, service


def _ports(rendered, name="web"):
    return [(p["port"], p["targetPort"], p["protocol"]) for p in one(rendered, "Service", name)["spec"].get("ports", [])]


def test_a_service_without_ports_still_gets_a_headless_service(validate_objects):
    rendered = render(service("worker"))
    svc = one(rendered, "Service", "worker")
    assert svc["spec"]["clusterIP"] == "None" and "ports" not in svc["spec"]
    assert svc["spec"]["selector"] == {"dockyard.dev/service": "worker", "dockyard.dev/composition": "demo"}
    validate_objects(rendered.objects)


def test_service_ports_are_target_ports_plus_the_published_port_when_it_differs(validate_objects):
    rendered = render(service(ports=(Port(target=80, published="8080"), Port(target=443, published="443"))))
    assert _ports(rendered) == [(80, 80, "TCP"), (443, 443, "TCP"), (8080, 80, "TCP")]
    assert "clusterIP" not in one(rendered, "Service")["spec"]
    assert [p["containerPort"] for p in container(rendered)["ports"]] == [80, 443]
    validate_objects(rendered.objects)


def test_udp_and_sctp_are_kept_and_a_port_may_serve_both_protocols():
    rendered = render(service(ports=(Port(target=53, protocol="udp"), Port(target=53), Port(target=9, protocol="sctp"))))
    assert _ports(rendered) == [(9, 9, "SCTP"), (53, 53, "TCP"), (53, 53, "UDP")]
    names = [p["name"] for p in one(rendered, "Service")["spec"]["ports"]]
    assert len(set(names)) == len(names)


def test_expanded_port_ranges_and_expose_become_ports():
    ports = tuple(Port(target=t, published=str(t + 1000)) for t in range(8000, 8003))
    rendered = render(service(ports=ports, expose=("9000-9001/udp", "3000")))
    assert (8001, 8001, "TCP") in _ports(rendered) and (9001, 8001, "TCP") in _ports(rendered)
    assert (9000, 9000, "UDP") in _ports(rendered) and (3000, 3000, "TCP") in _ports(rendered)


def test_named_ports_keep_their_name():
    rendered = render(service(ports=(Port(target=80, name="http", app_protocol="http"),)))
    assert container(rendered)["ports"][0]["name"] == "http"
    assert one(rendered, "Service")["spec"]["ports"][0] == {"name": "http", "port": 80, "targetPort": 80,
                                                          "protocol": "TCP", "appProtocol": "http"}


def test_one_port_mapped_to_two_targets_is_an_error():
    with pytest.raises(TranslationError, match="maps to both 80 and 81"):
        render(service(ports=(Port(target=80, published="8080"), Port(target=81, published="8080"))))
    with pytest.raises(TranslationError, match="one port can reach only one target"):
        render(service(ports=(Port(target=80), Port(target=8080, published="80"))))


def test_network_aliases_and_link_aliases_become_extra_services_with_the_same_selector(validate_objects):
    rendered = render(
        service("db", image="postgres", ports=(Port(target=5432),), networks={"default": ServiceNetwork(aliases=("database",))}),
        service("api", links=("db:pg",)),
    )
    for alias in ("database", "pg"):
        svc = one(rendered, "Service", alias)
        assert svc["spec"]["selector"]["dockyard.dev/service"] == "db"
        assert svc["spec"]["ports"][0]["port"] == 5432
    assert {r.name for r in rendered.services["db"].objects if r.kind == "Service"} == {"db", "database", "pg"}
    validate_objects(rendered.objects)


def test_an_alias_that_is_another_services_name_is_an_error():
    with pytest.raises(TranslationError, match="already the name or an alias of service 'api'"):
        render(service("db", networks={"default": ServiceNetwork(aliases=("api",))}), service("api"))


def test_endpoint_mode_dnsrr_gives_a_headless_service_with_ports():
    rendered = render(service(ports=(Port(target=80),), deploy=Deploy(endpoint_mode="dnsrr")))
    assert one(rendered, "Service")["spec"]["clusterIP"] == "None"


def test_host_mode_published_ports_are_refused_unless_allowed():
    web = service(ports=(Port(target=80, published="80", mode="host"),))
    with pytest.raises(PolicyError, match="host-ports"):
        render(web)
    rendered = render(web, environment=env(allow=frozenset({"host-ports"})))
    assert container(rendered)["ports"][0]["hostPort"] == 80
