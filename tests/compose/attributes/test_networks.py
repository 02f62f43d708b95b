from __future__ import annotations

from attribute_helpers import load, merged, round_trip

from dockyard.compose.model import ServiceNetwork


def test_services_without_networks_join_the_default_network():
    def check(project):
        assert dict(project.services["web"].networks) == {"default": None}
        assert project.networks["default"].name == "test_default"

    round_trip("services:\n  web:\n    image: x\n", check)


def test_network_list_and_mapping_with_aliases():
    def check(project):
        assert dict(project.services["web"].networks) == {
            "front": None,
            "back": ServiceNetwork(aliases=("api",), ipv4_address="10.0.0.5"),
        }

    round_trip(
        "services:\n  web:\n    image: x\n    networks:\n      front:\n      back: {aliases: [api],"
        " ipv4_address: 10.0.0.5}\nnetworks:\n  front: {}\n  back: {internal: true}\n",
        check,
    )


def test_network_mode_means_no_default_network():
    _, project = load("services:\n  web:\n    image: x\n    network_mode: host\n")
    assert dict(project.services["web"].networks) == {}
    assert "default" not in project.networks


def test_unused_networks_are_not_printed_but_stay_in_the_model():
    from dockyard.compose.serialize import config_tree

    tree, project = load("services:\n  web:\n    image: x\nnetworks:\n  spare: {}\n")
    assert "spare" in project.networks
    assert "spare" not in config_tree(tree)["networks"]


def test_override_merges_network_aliases():
    tree = merged(
        "services:\n  web:\n    image: x\n    networks: {n: {aliases: [a]}}\nnetworks:\n  n: {}\n",
        "services:\n  web:\n    networks: {n: {aliases: [b]}}\n",
    )
    assert tree["services"]["web"]["networks"] == {"n": {"aliases": ["a", "b"]}}


def test_ipam_options_are_dropped_like_docker_compose_which_has_no_field_for_them():
    tree, _ = load(
        "services:\n  web:\n    image: x\n    networks: [n]\n"
        "networks:\n  n:\n    ipam: {driver: default, config: [{subnet: 10.0.0.0/24}], options: {o: p}}\n"
    )
    assert tree["networks"]["n"]["ipam"] == {"driver": "default", "config": [{"subnet": "10.0.0.0/24"}]}
